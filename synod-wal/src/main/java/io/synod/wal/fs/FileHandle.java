package io.synod.wal.fs;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open file with positional reads and writes. Writes reach the operating system when they
 * return but are durable only after {@link #sync()}. A handle is used by one thread at a time.
 */
public interface FileHandle extends AutoCloseable {
  /**
   * Writes the remaining bytes of {@code src} (or a prefix of them) at {@code position}, extending
   * the file if needed, and returns how many were written.
   */
  int write(ByteBuffer src, long position) throws IOException;

  /** Reads up to {@code dst.remaining()} bytes at {@code position}; returns -1 at the end of file. */
  int read(ByteBuffer dst, long position) throws IOException;

  /** The current size in bytes, including writes not yet durable. */
  long size() throws IOException;

  /** Shrinks the file to {@code size} bytes; does nothing if it is not larger than that. */
  void truncate(long size) throws IOException;

  /** Makes every write and truncation of this file so far durable when it returns (fdatasync). */
  void sync() throws IOException;

  @Override
  void close() throws IOException;
}
