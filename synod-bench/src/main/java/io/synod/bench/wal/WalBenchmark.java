package io.synod.bench.wal;

import io.synod.bench.JsonLine;
import io.synod.wal.WalConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Measures synod-wal on the real file system and prints one JSON line per point: the raw fsync
 * floor, the disk's own cost for each group-commit batch size, one appender, C logical appenders in a
 * closed loop (the server's shape), C appender threads, one thread keeping W appends in flight, and
 * the recovery scan rate.
 * Not a test: figures depend on the machine, and go to docs/BENCHMARKS.md.
 *
 * <p>Usage: {@code WalBenchmark [dir] [--seconds S] [--warmup S] [--recovery-mb M] [--samples N]
 * [--only LIST] [--appenders C,...] [--segment-mb M]};
 * the directory defaults to {@code ./target/wal-bench} and is emptied first. {@code LIST} is a
 * comma-separated subset of {@code disk,direct,closed,threads,pipelined,recovery}; the floor is
 * always measured, since every target is stated against it. Right before and right after each
 * closed-loop point, the disk's own rate for C-record batches is measured two ways: alone, and
 * beside a second writer putting the same bytes of zeros into other files (what the preallocator
 * does for the next segment). The closed loop's target is the smallest of 0.8 × C / floor p50,
 * 0.8 × C / p50 of the lone batch and 0.8 × the batches' rate beside the zeros, the last two as the
 * mean of the measurements before and after; each comparison is printed. {@code --appenders} replaces the
 * appender counts (and in-flight windows) 1,16,64,256; {@code --segment-mb} the segment size of
 * {@code WalConfig.defaults()} (a segment larger than what a point writes shows it without rolls,
 * given a warm-up long enough for the first segment's preallocation). Throughput points print how
 * many segment rolls in the measured window took the preallocated spare and how many wrote the
 * segment's zeros on the writer thread.
 */
public final class WalBenchmark {
  /** A 256-byte payload plus the 9-byte frame header. */
  private static final int FRAMED_RECORD_BYTES = AppendBench.RECORD_BYTES + 9;

  private WalBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of("target", "wal-bench");
    long seconds = 5;
    long recoveryMb = -1;
    int samples = 2000;
    int segmentMb = 0;
    long warmupSeconds = 1;
    Set<String> only = Set.of("disk", "direct", "closed", "threads", "pipelined", "recovery");
    int[] counts = {1, 16, 64, 256};
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Long.parseLong(args[++i]);
        case "--recovery-mb" -> recoveryMb = Long.parseLong(args[++i]);
        case "--samples" -> samples = Integer.parseInt(args[++i]);
        case "--segment-mb" -> segmentMb = Integer.parseInt(args[++i]);
        case "--warmup" -> warmupSeconds = Long.parseLong(args[++i]);
        case "--only" -> only = Set.of(args[++i].split(","));
        case "--appenders" -> counts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> dir = Path.of(args[i]);
      }
    }
    Files.createDirectories(dir);
    WalConfig config = segmentMb > 0 ? WalConfig.defaults().withSegmentBytes(segmentMb << 20) : WalConfig.defaults();
    long warmupNanos = TimeUnit.SECONDS.toNanos(warmupSeconds);
    long measureNanos = TimeUnit.SECONDS.toNanos(seconds);

    clean(dir);
    Histogram floor = FloorBench.run(dir, samples);
    double floorP50Seconds = floor.getValueAtPercentile(50) / 1e9;
    System.out.println(point("floor-4k-write-fdatasync").latency(floor));

    // The disk's own cost of one batch of C framed records, written end to end like the log does;
    // and the rate it sustains for such batches while the same bytes of zeros go to the next segment.
    // With the closed loop they are measured right before and after each of its points instead (the
    // disk's speed drifts over minutes), and its targets come from the mean of the two.
    if (only.contains("disk") && !only.contains("closed")) {
      for (int count : counts) {
        measureBounds(dir, samples, count, floor, "alone");
      }
    }

    if (only.contains("direct")) {
      Histogram direct = AppendBench.direct(dir.resolve("direct"), config, samples);
      System.out.println(point("one-appender-direct").put("record_bytes", AppendBench.RECORD_BYTES)
          .latency(direct).put("p50_vs_floor", ratio(direct, floor)));
      clean(dir);
    }

    for (int i = 0; i < counts.length && only.contains("closed"); i++) {
      int appenders = counts[i];
      Bounds before = measureBounds(dir, samples, appenders, floor, "before");
      AppendBench.Concurrent run = ClosedLoopBench.run(dir.resolve("closed-" + appenders), config, appenders,
          warmupNanos, measureNanos);
      Bounds after = measureBounds(dir, samples, appenders, floor, "after");
      double issueTarget = 0.8 * appenders / floorP50Seconds;
      double diskTarget = (before.disk() + after.disk()) / 2;
      double zerosTarget = (before.besideZeros() + after.besideZeros()) / 2;
      double withoutZeros = Math.min(issueTarget, diskTarget);
      double target = Math.min(withoutZeros, zerosTarget);
      double rate = run.records() / run.seconds();
      String applies = target == issueTarget ? "floor" : target == diskTarget ? "disk" : "disk-beside-zeros";
      JsonLine point = throughput(point("closed-loop-callbacks").put("appenders", appenders), run)
          .put("target_floor_records_per_s", issueTarget)
          .put("target_disk_records_per_s", diskTarget)
          .put("target_disk_beside_zeros_records_per_s", zerosTarget)
          .put("target_applies", applies)
          .put("target_met", rate >= target ? "yes" : "no")
          .put("of_target", rate / target)
          .put("met_without_zeros_bound", rate >= withoutZeros ? "yes" : "no")
          .put("of_target_without_zeros_bound", rate / withoutZeros)
          .latency(run.nanos());
      System.out.println(appenders == 1 ? point.put("p50_vs_floor", ratio(run.nanos(), floor)) : point);
      clean(dir);
    }

    for (int i = 0; i < counts.length && only.contains("threads"); i++) {
      int appenders = counts[i];
      AppendBench.Concurrent run = AppendBench.concurrent(dir.resolve("threads-" + appenders), config, appenders,
          warmupNanos, measureNanos);
      JsonLine point = throughput(point("appender-threads").put("appenders", appenders), run)
          .put("target_floor_records_per_s", 0.8 * appenders / floorP50Seconds)
          .latency(run.nanos());
      System.out.println(appenders == 1 ? point.put("p50_vs_floor", ratio(run.nanos(), floor)) : point);
      clean(dir);
    }

    for (int i = 0; i < counts.length && only.contains("pipelined"); i++) {
      int window = counts[i];
      AppendBench.Concurrent run = AppendBench.pipelined(dir.resolve("pipelined-" + window), config, window,
          warmupNanos, measureNanos);
      System.out.println(throughput(point("pipelined-one-thread").put("in_flight", window), run)
          .put("target_floor_records_per_s", 0.8 * window / floorP50Seconds)
          .latency(run.nanos()));
      clean(dir);
    }

    if (only.contains("recovery")) {
      long usable = Files.getFileStore(dir).getUsableSpace();
      long logBytes = recoveryMb > 0 ? recoveryMb << 20 : (usable > (8L << 30) ? 1L << 30 : 512L << 20);
      RecoveryBench.Result recovery = RecoveryBench.run(dir.resolve("recovery"), config, logBytes);
      System.out.println(point("recovery-scan")
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
  }

  /** The disk-bound and beside-zeros targets for C appenders, from one measurement of each. */
  private record Bounds(double disk, double besideZeros) {}

  /**
   * Measures the disk batch of C framed records alone and beside zeros, prints both points (tagged
   * {@code when}), and returns the targets they give: 0.8 × C / p50 and 0.8 × C × batches/s.
   */
  private static Bounds measureBounds(Path dir, int samples, int appenders, Histogram floor, String when)
      throws IOException {
    int batchBytes = appenders * FRAMED_RECORD_BYTES;
    Histogram alone = FloorBench.sequential(dir, samples, batchBytes);
    double disk = 0.8 * appenders / (alone.getValueAtPercentile(50) / 1e9);
    System.out.println(point("disk-batch-write-fdatasync").put("appenders", appenders).put("when", when)
        .put("write_bytes", batchBytes).latency(alone).put("p50_vs_floor", ratio(alone, floor))
        .put("disk_bound_records_per_s", disk));
    clean(dir);
    // Five times the samples: the two writers' interplay varies more than a lone writer's.
    FloorBench.WithZeros beside = FloorBench.withPreallocation(dir, 5 * samples, batchBytes);
    double besideZeros = 0.8 * appenders * beside.writesPerSecond();
    System.out.println(point("disk-batch-write-fdatasync-beside-zeros").put("appenders", appenders)
        .put("when", when).put("write_bytes", batchBytes).put("writes_per_s", beside.writesPerSecond())
        .put("zero_mb_per_s", beside.zeroBytesPerSecond() / 1e6)
        .put("records_per_s", appenders * beside.writesPerSecond()).latency(beside.nanos())
        .put("prealloc_bound_records_per_s", besideZeros));
    clean(dir);
    return new Bounds(disk, besideZeros);
  }

  private static JsonLine throughput(JsonLine point, AppendBench.Concurrent run) {
    return point.put("record_bytes", AppendBench.RECORD_BYTES)
        .put("durable_records_per_s", run.records() / run.seconds())
        .put("syncs_per_s", run.syncs() / run.seconds())
        .put("records_per_sync", run.syncs() == 0 ? 0 : (double) run.records() / run.syncs())
        .put("rolls_from_spare", run.rolls().spare())
        .put("rolls_waited_for_spare", run.rolls().waited())
        .put("rolls_inline", run.rolls().inline());
  }

  private static JsonLine point(String bench) {
    return new JsonLine().put("bench", bench);
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
