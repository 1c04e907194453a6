package io.synod.server.http;

import io.synod.server.metrics.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Bytes of a member's log segments ({@code wal/}) and snapshots ({@code snapshots/}) on disk, as
 * the file sizes say (segments are preallocated, so the log grows a segment at a time). Listing the
 * directories is cheap but not free, so the figures are kept for a second.
 */
public final class DiskUsage implements ServerMetrics.DiskFigures {
  private static final long FRESH_NANOS = 1_000_000_000L;

  private final Path wal;
  private final Path snapshots;
  private long measuredAtNanos;
  private boolean measured;
  private long walBytes;
  private long snapshotBytes;

  public DiskUsage(Path dataDir) {
    this.wal = dataDir.resolve("wal");
    this.snapshots = dataDir.resolve("snapshots");
  }

  @Override
  public synchronized long walBytes() {
    refresh();
    return walBytes;
  }

  @Override
  public synchronized long snapshotBytes() {
    refresh();
    return snapshotBytes;
  }

  private void refresh() {
    long now = System.nanoTime();
    if (measured && now - measuredAtNanos < FRESH_NANOS) {
      return;
    }
    long walNow = bytesUnder(wal);
    long snapshotsNow = bytesUnder(snapshots);
    // A file removed during the walk (a trimmed segment, a replaced snapshot) spoils one look:
    // the figures stay as they were and the next look measures again.
    if (walNow >= 0 && snapshotsNow >= 0) {
      walBytes = walNow;
      snapshotBytes = snapshotsNow;
      measuredAtNanos = now;
      measured = true;
    }
  }

  /** The sizes of the regular files under {@code dir}, or -1 if one vanished during the walk. */
  static long bytesUnder(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.mapToLong(DiskUsage::sizeOf).sum();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
