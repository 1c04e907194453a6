package io.synod.wal.fs;

import io.synod.common.Ensure;
import java.util.Arrays;

/** A growable byte array: the bytes of one simulated file, either as durable or as seen now. */
final class SimContent {
  private byte[] bytes;
  private int size;

  SimContent() {
    this.bytes = new byte[0];
    this.size = 0;
  }

  private SimContent(byte[] bytes, int size) {
    this.bytes = bytes;
    this.size = size;
  }

  SimContent copy() {
    return new SimContent(Arrays.copyOf(bytes, size), size);
  }

  int size() {
    return size;
  }

  byte get(int offset) {
    Ensure.that(offset >= 0, "offset %d is negative", offset);
    Ensure.that(offset < size, "offset %d is beyond the size %d", offset, size);
    return bytes[offset];
  }

  void set(int offset, byte value) {
    Ensure.that(offset >= 0, "offset %d is negative", offset);
    Ensure.that(offset < size, "offset %d is beyond the size %d", offset, size);
    bytes[offset] = value;
  }

  /** Writes {@code data[0, length)} at {@code position}; a gap past the end reads as zeros. */
  void write(int position, byte[] data, int length) {
    Ensure.that(position >= 0, "position %d is negative", position);
    Ensure.that(length <= data.length, "length %d exceeds the data", length);
    int end = position + length;
    if (end > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(end, Math.min(Integer.MAX_VALUE - 8, bytes.length * 2)));
    }
    if (position > size) {
      // Bytes between the old end and the write were never written: a hole reads as zeros.
      Arrays.fill(bytes, size, position, (byte) 0);
    }
    System.arraycopy(data, 0, bytes, position, length);
    size = Math.max(size, end);
  }

  void truncate(int newSize) {
    Ensure.that(newSize >= 0, "size %d is negative", newSize);
    if (newSize < size) {
      size = newSize;
    }
  }

  /** Copies up to {@code length} bytes at {@code position} into {@code dst}; returns the count. */
  int read(int position, byte[] dst, int length) {
    int count = Math.min(length, size - position);
    System.arraycopy(bytes, position, dst, 0, count);
    return count;
  }
}
