package io.synod.bench.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * What the disk itself costs, through FileChannel directly, on purpose, on a file preallocated with
 * zeros: the floor (a 4 KiB aligned positional write plus {@code force(false)}, the least a durable
 * append can cost) and the same for writes of any size laid end to end the way the log lays out its
 * batches, which shows where the disk's bandwidth starts to matter.
 */
final class FloorBench {
  static final int BLOCK_BYTES = 4096;
  private static final long FILE_BYTES = 64L << 20;
  /** Like {@code SpareSegment}: zeros in pieces of 1 MiB, synced every 16 MiB, 64 MiB per file. */
  private static final int ZERO_CHUNK_BYTES = 1 << 20;
  private static final long ZERO_SYNC_BYTES = 16L << 20;

  private FloorBench() {}

  /** Batch latencies and the rates the disk sustained while zeros were written beside them. */
  record WithZeros(Histogram nanos, double writesPerSecond, double zeroBytesPerSecond) {}

  /** The floor: aligned 4 KiB writes, each followed by fdatasync. */
  static Histogram run(Path dir, int samples) throws IOException {
    return measure(dir, samples, BLOCK_BYTES);
  }

  /**
   * Writes of {@code writeBytes} each followed by fdatasync, every write starting where the previous
   * one ended (so a size that is not a multiple of 4 KiB starts and ends inside pages, like a batch).
   */
  static Histogram sequential(Path dir, int samples, int writeBytes) throws IOException {
    return measure(dir, samples, writeBytes);
  }

  /**
   * {@link #sequential}, while a second thread writes as many bytes of zeros as the batches wrote
   * into other files, the way the log's preallocator prepares the next segment: the disk doing just
   * the writes a log preallocated with zeros must do, with no log code in the way. The zeros are
   * paced to the batches (at most 1 MiB ahead), the evenest spread of that load there is.
   */
  static WithZeros withPreallocation(Path dir, int samples, int writeBytes) throws IOException {
    AtomicLong batchBytes = new AtomicLong();
    AtomicLong zeroBytes = new AtomicLong();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread zeroer = new Thread(() -> {
      try {
        writeZeros(dir, batchBytes, zeroBytes, stop);
      } catch (IOException | RuntimeException e) {
        failed.set(e);
      }
    }, "floor-bench-zeros");
    zeroer.setDaemon(true);
    long[] window = new long[2];
    Histogram nanos;
    zeroer.start();
    try {
      nanos = measure(dir, samples, writeBytes, batchBytes, window);
    } finally {
      // Not an interrupt: that would close the channel under the write.
      stop.set(true);
      try {
        zeroer.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failed.get() != null) {
      throw new IOException("writing zeros failed", failed.get());
    }
    double seconds = (window[1] - window[0]) / 1e9;
    long zeros = zeroBytes.get();
    return new WithZeros(nanos, nanos.getTotalCount() / seconds, zeros / seconds);
  }

  /** Writes 64 MiB zero files one after another, never more than 1 MiB ahead of {@code paceBytes}. */
  private static void writeZeros(Path dir, AtomicLong paceBytes, AtomicLong written, AtomicBoolean stop)
      throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK_BYTES);
    Path file = dir.resolve("zeros.dat");
    try {
      while (!stop.get()) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          long synced = 0;
          for (long pos = 0; pos < FILE_BYTES && !stop.get(); pos += ZERO_CHUNK_BYTES) {
            while (written.get() >= paceBytes.get() + ZERO_CHUNK_BYTES && !stop.get()) {
              LockSupport.parkNanos(50_000);
            }
            zeros.clear();
            while (zeros.hasRemaining()) {
              ch.write(zeros, pos + zeros.position());
            }
            written.addAndGet(ZERO_CHUNK_BYTES);
            if (pos + ZERO_CHUNK_BYTES - synced >= ZERO_SYNC_BYTES) {
              ch.force(false);
              synced = pos + ZERO_CHUNK_BYTES;
            }
          }
          ch.force(false);
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Histogram measure(Path dir, int samples, int writeBytes) throws IOException {
    return measure(dir, samples, writeBytes, new AtomicLong(), new long[2]);
  }

  /**
   * Adds each write's bytes to {@code written}, and puts the start and end of the recorded samples
   * in {@code window}.
   */
  private static Histogram measure(Path dir, int samples, int writeBytes, AtomicLong written, long[] window)
      throws IOException {
    Path file = dir.resolve("floor.dat");
    Histogram nanos = new Histogram(60_000_000_000L, 3);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
      for (long pos = 0; pos < FILE_BYTES; pos += zeros.capacity()) {
        zeros.clear();
        while (zeros.hasRemaining()) {
          ch.write(zeros, pos + zeros.position());
        }
      }
      ch.force(true);
      ByteBuffer block = ByteBuffer.allocateDirect(writeBytes);
      for (int i = 0; i < writeBytes; i++) {
        block.put(i, (byte) (i * 31));
      }
      long position = 0;
      for (int i = 0; i < samples + samples / 10; i++) {
        if (position + writeBytes > FILE_BYTES) {
          position = 0;
        }
        long start = System.nanoTime();
        block.clear();
        while (block.hasRemaining()) {
          ch.write(block, position + block.position());
        }
        ch.force(false);
        long took = System.nanoTime() - start;
        position += writeBytes;
        written.addAndGet(writeBytes);
        // The first tenth warms up the JIT and the disk's queue; it is not recorded.
        if (i == samples / 10) {
          window[0] = start;
        }
        if (i >= samples / 10) {
          nanos.recordValue(took);
          window[1] = start + took;
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return nanos;
  }
}
