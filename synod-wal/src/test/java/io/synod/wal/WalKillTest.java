package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.wal.fs.NioFileSystem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real writer process: every record the child reported durable must be in the log,
 * intact, after it dies, and the log must take further appends. Event-driven: the child is killed
 * after a seeded number of durable reports, never after a sleep.
 */
class WalKillTest {
  private static final int ROUNDS = 15;
  private static final int THREADS = 4;
  private static final String EOF = "<eof>";

  @TempDir Path tmp;

  @Test
  void recordsReportedDurableSurviveSigkill() throws Exception {
    SplittableRandom random = new SplittableRandom(20_240_611);
    Path dir = tmp.resolve("wal");
    for (int round = 0; round < ROUNDS; round++) {
      int killAfter = random.nextInt(1, 400);
      long reported = runChildUntilKilled(dir, round, killAfter);
      SegmentedLog.Recovered recovered = SegmentedLog.open(NioFileSystem.INSTANCE, dir, WalKillChild.CONFIG);
      try (SegmentedLog log = recovered.log()) {
        assertThat(log.lastIndex()).as("round %d: every record reported durable survives", round)
            .isGreaterThanOrEqualTo(reported);
        TestRecords.assertDerived(log);
        TestRecords.appendDerived(log, 1);
        log.sync();
      }
    }
  }

  /** Starts the child, waits for {@code killAfter} durable reports, kills it; returns the highest report. */
  private long runChildUntilKilled(Path dir, int round, int killAfter) throws Exception {
    Path stderr = tmp.resolve("child-" + round + ".err");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        WalKillChild.class.getName(), dir.toString(), Integer.toString(THREADS));
    builder.redirectError(stderr.toFile());
    Process child = builder.start();
    try {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread pump = new Thread(() -> pumpLines(child, lines), "child-stdout-" + round);
      pump.setDaemon(true);
      pump.start();
      String ready = next(lines, child, stderr);
      assertThat(ready).startsWith("ready ");
      long reported = 0;
      int reports = 0;
      while (reports < killAfter) {
        String line = next(lines, child, stderr);
        assertThat(line).as("child output").startsWith("durable ");
        long upTo = Long.parseLong(line.substring("durable ".length()));
        assertThat(upTo).as("durable reports only advance").isGreaterThan(reported);
        reported = upTo;
        reports++;
      }
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("killed child exits").isTrue();
      return reported;
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void pumpLines(Process child, BlockingQueue<String> lines) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // The child was killed mid-line; end of output either way.
    }
    lines.add(EOF);
  }

  private static String next(BlockingQueue<String> lines, Process child, Path stderr) throws Exception {
    String line = lines.poll(30, TimeUnit.SECONDS);
    if (line == null || line.equals(EOF)) {
      List<String> errors = Files.exists(stderr) ? Files.readAllLines(stderr) : List.of();
      throw new AssertionError("child " + (line == null ? "silent for 30 s" : "ended early")
          + " (alive=" + child.isAlive() + "); stderr: " + errors);
    }
    return line;
  }
}
