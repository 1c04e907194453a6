package io.synod.bench.wal;

import io.synod.wal.RecoveryReport;
import io.synod.wal.SegmentedLog;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Writes a large log, closes it, and times {@code open}: the recovery scan of every segment. */
final class RecoveryBench {
  private RecoveryBench() {}

  record Result(long logBytes, double writeSeconds, double warmSeconds, long warmScanned, double coldSeconds,
      long coldScanned, boolean coldEvicted) {}

  static Result run(Path dir, WalConfig config, long logBytes) throws Exception {
    byte[] payload = new byte[AppendBench.RECORD_BYTES];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 13 + 1);
    }
    long records = logBytes / (payload.length + 9);
    long start = System.nanoTime();
    try (SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log()) {
      for (long i = 0; i < records; i++) {
        log.append(1, payload);
        if (i % 100_000 == 0) {
          log.sync();
        }
      }
      log.sync();
    }
    double writeSeconds = (System.nanoTime() - start) / 1e9;
    // Cold first: the log's writes may or may not have gone through the page cache (they go around
    // it for segments of whole pages where the file system can), so evict whatever it holds.
    boolean evicted = evictFromPageCache(dir);
    long coldStart = System.nanoTime();
    RecoveryReport cold = openAndClose(dir, config);
    double coldSeconds = (System.nanoTime() - coldStart) / 1e9;
    // Then warm: the cold scan read every segment through the cache.
    long warmStart = System.nanoTime();
    RecoveryReport warm = openAndClose(dir, config);
    double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
    return new Result(logBytes, writeSeconds, warmSeconds, warm.bytesScanned(), coldSeconds, cold.bytesScanned(),
        evicted);
  }

  private static RecoveryReport openAndClose(Path dir, WalConfig config) throws IOException {
    SegmentedLog.Recovered recovered = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config);
    recovered.log().close();
    return recovered.report();
  }

  /**
   * Asks the kernel to drop the segments' cached pages (GNU dd's {@code iflag=nocache count=0} calls
   * posix_fadvise DONTNEED on the whole file), so the second open reads from the disk. Needs no root
   * and touches only these files. Returns false if dd is unavailable or failed.
   */
  private static boolean evictFromPageCache(Path dir) throws Exception {
    List<Path> files;
    try (Stream<Path> stream = Files.list(dir)) {
      files = stream.toList();
    }
    for (Path file : files) {
      Process dd = new ProcessBuilder("dd", "if=" + file, "iflag=nocache", "count=0", "status=none")
          .redirectErrorStream(true).start();
      if (!dd.waitFor(60, TimeUnit.SECONDS) || dd.exitValue() != 0) {
        dd.destroyForcibly();
        return false;
      }
    }
    return true;
  }
}
