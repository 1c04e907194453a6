package io.synod.kv;

import io.synod.common.Ensure;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the primitives of Synod's KV encodings: varints and length-prefixed bytes. */
final class ByteWriter {
  private byte[] buf;
  private int size;

  ByteWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  ByteWriter() {
    this(64);
  }

  private void ensure(int extra) {
    // Reject sizes that overflow an int rather than wrapping into a negative capacity.
    Ensure.argument(extra >= 0 && size <= Integer.MAX_VALUE - 16 - extra, "encoding exceeds 2 GiB");
    if (size + extra > buf.length) {
      int grown = (int) Math.min(Integer.MAX_VALUE - 16, Math.max((long) buf.length * 2, (long) size + extra));
      buf = Arrays.copyOf(buf, grown);
    }
  }

  ByteWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  ByteWriter writeBool(boolean b) {
    return writeByte(b ? 1 : 0);
  }

  /** Unsigned LEB128: 7 bits per byte, high bit set on all but the last. */
  ByteWriter writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  /** A signed long, zig-zag mapped so small negative numbers stay short. */
  ByteWriter writeZigZag(long v) {
    return writeVarLong((v << 1) ^ (v >> 63));
  }

  /** A fixed 8-byte big-endian long, for keys that must sort by number. */
  ByteWriter writeLong(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  ByteWriter writeRaw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, size, bytes.length);
    size += bytes.length;
    return this;
  }

  /** Length (varint) then the bytes. */
  ByteWriter writeBytes(byte[] bytes) {
    writeVarLong(bytes.length);
    return writeRaw(bytes);
  }

  ByteWriter writeString(String s) {
    return writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The hash of everything written so far, as {@link StateHash#of} of {@link #toByteArray()}. */
  long hashOfContents() {
    return StateHash.of(buf, size());
  }

  int size() {
    return size;
  }

  /** The bytes written; the buffer itself when it is exactly full (the writer must not be used after). */
  byte[] toByteArray() {
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }
}
