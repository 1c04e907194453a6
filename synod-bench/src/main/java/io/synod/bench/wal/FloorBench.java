package io.synod.bench.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

  private FloorBench() {}

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

  private static Histogram measure(Path dir, int samples, int writeBytes) throws IOException {
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
        // The first tenth warms up the JIT and the disk's queue; it is not recorded.
        if (i >= samples / 10) {
          nanos.recordValue(took);
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return nanos;
  }
}
