package io.synod.bench.wal;

import io.synod.wal.WalConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Measures synod-wal on the real file system and prints one JSON line per point: the raw fsync
 * floor, one appender, C concurrent appender threads through group commit, one thread keeping W
 * appends in flight, and the recovery scan rate.
 * Not a test: figures depend on the machine, and go to docs/BENCHMARKS.md.
 *
 * <p>Usage: {@code WalBenchmark [dir] [--seconds S] [--recovery-mb M] [--samples N]}; the directory
 * defaults to {@code ./target/wal-bench} and is emptied first.
 */
public final class WalBenchmark {
  private static final int[] APPENDERS = {1, 16, 64, 256};

  private WalBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of("target", "wal-bench");
    long seconds = 5;
    long recoveryMb = -1;
    int samples = 2000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Long.parseLong(args[++i]);
        case "--recovery-mb" -> recoveryMb = Long.parseLong(args[++i]);
        case "--samples" -> samples = Integer.parseInt(args[++i]);
        default -> dir = Path.of(args[i]);
      }
    }
    Files.createDirectories(dir);
    WalConfig config = WalConfig.defaults();

    clean(dir);
    Histogram floor = FloorBench.run(dir, samples);
    double floorP50Seconds = floor.getValueAtPercentile(50) / 1e9;
    System.out.println(Json.point("floor-4k-write-fdatasync").latency(floor));

    Path log = dir.resolve("direct");
    Histogram direct = AppendBench.direct(log, config, samples);
    System.out.println(Json.point("one-appender-direct").put("record_bytes", AppendBench.RECORD_BYTES)
        .latency(direct).put("p50_vs_floor", ratio(direct, floor)));
    clean(dir);

    for (int appenders : APPENDERS) {
      Path group = dir.resolve("group-" + appenders);
      AppendBench.Concurrent run = AppendBench.concurrent(group, config, appenders,
          TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(seconds));
      double target = 0.8 * appenders / floorP50Seconds;
      Json point = Json.point(appenders == 1 ? "one-appender-group-commit" : "concurrent-appenders")
          .put("appenders", appenders)
          .put("record_bytes", AppendBench.RECORD_BYTES)
          .put("durable_records_per_s", run.records() / run.seconds())
          .put("syncs_per_s", run.syncs() / run.seconds())
          .put("records_per_sync", run.syncs() == 0 ? 0 : (double) run.records() / run.syncs())
          .put("target_records_per_s", target)
          .latency(run.nanos());
      if (appenders == 1) {
        point.put("p50_vs_floor", ratio(run.nanos(), floor));
      }
      System.out.println(point);
      clean(dir);
    }

    for (int window : APPENDERS) {
      Path group = dir.resolve("pipelined-" + window);
      AppendBench.Concurrent run = AppendBench.pipelined(group, config, window,
          TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(seconds));
      System.out.println(Json.point("pipelined-one-thread")
          .put("in_flight", window)
          .put("record_bytes", AppendBench.RECORD_BYTES)
          .put("durable_records_per_s", run.records() / run.seconds())
          .put("syncs_per_s", run.syncs() / run.seconds())
          .put("records_per_sync", run.syncs() == 0 ? 0 : (double) run.records() / run.syncs())
          .put("target_records_per_s", 0.8 * window / floorP50Seconds)
          .latency(run.nanos()));
      clean(dir);
    }

    long usable = Files.getFileStore(dir).getUsableSpace();
    long logBytes = recoveryMb > 0 ? recoveryMb << 20 : (usable > (8L << 30) ? 1L << 30 : 512L << 20);
    RecoveryBench.Result recovery = RecoveryBench.run(dir.resolve("recovery"), config, logBytes);
    System.out.println(Json.point("recovery-scan")
        .put("log_mb", recovery.logBytes() >> 20)
        .put("write_mb_per_s", (recovery.logBytes() / 1048576.0) / recovery.writeSeconds())
        .put("warm_scanned_mb", recovery.warmScanned() >> 20)
        .put("warm_open_s", recovery.warmSeconds())
        .put("warm_mb_per_s", (recovery.warmScanned() / 1048576.0) / recovery.warmSeconds())
        .put("cold_evicted", recovery.coldEvicted() ? "yes" : "no")
        .put("cold_open_s", recovery.coldSeconds())
        .put("cold_mb_per_s", (recovery.coldScanned() / 1048576.0) / recovery.coldSeconds()));
    clean(dir);
  }

  private static double ratio(Histogram measured, Histogram floor) {
    return (double) measured.getValueAtPercentile(50) / floor.getValueAtPercentile(50);
  }

  /** Deletes everything under {@code dir} but the directory itself. */
  private static void clean(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.delete(p);
        }
      }
    }
  }
}
