package io.synod.bench.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.HdrHistogram.Histogram;

/**
 * The raw floor: a 4 KiB positional write plus {@code force(false)} on a file preallocated with
 * zeros, the least a durable append can cost on this disk. Uses FileChannel directly, on purpose.
 */
final class FloorBench {
  static final int BLOCK_BYTES = 4096;
  private static final long FILE_BYTES = 64L << 20;

  private FloorBench() {}

  static Histogram run(Path dir, int samples) throws IOException {
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
      ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
      for (int i = 0; i < BLOCK_BYTES; i++) {
        block.put(i, (byte) (i * 31));
      }
      long blocks = FILE_BYTES / BLOCK_BYTES;
      for (int i = 0; i < samples + samples / 10; i++) {
        long start = System.nanoTime();
        block.clear();
        while (block.hasRemaining()) {
          ch.write(block, (i % blocks) * BLOCK_BYTES + block.position());
        }
        ch.force(false);
        long took = System.nanoTime() - start;
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
