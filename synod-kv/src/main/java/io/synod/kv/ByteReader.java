package io.synod.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link ByteWriter} wrote, treating the input as untrusted: every length is checked
 * against the bytes that remain before anything is allocated, and every malformation becomes
 * {@link KvException.Code#INVALID_ARGUMENT} rather than an unchecked exception.
 */
final class ByteReader {
  private final byte[] buf;
  /** End of the bytes to read: the array may hold more after them, which are not ours. */
  private final int end;
  private int pos;

  ByteReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  /** Reads {@code buf[offset, offset + length)} in place. */
  ByteReader(byte[] buf, int offset, int length) {
    if (offset < 0 || length < 0 || offset > buf.length - length) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " outside " + buf.length + " bytes");
    }
    this.buf = buf;
    this.pos = offset;
    this.end = offset + length;
  }

  int remaining() {
    return end - pos;
  }

  int readByte() throws KvException {
    if (pos >= end) {
      throw KvException.invalid("truncated at byte " + pos);
    }
    return buf[pos++] & 0xff;
  }

  boolean readBool() throws KvException {
    int b = readByte();
    if (b > 1) {
      throw KvException.invalid("bad boolean " + b + " at byte " + (pos - 1));
    }
    return b == 1;
  }

  long readVarLong() throws KvException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      // The tenth byte may only carry the single remaining bit.
      if (shift == 63 && b > 1) {
        throw KvException.invalid("varint overflows 64 bits at byte " + (pos - 1));
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw KvException.invalid("varint longer than 10 bytes at byte " + pos);
  }

  long readZigZag() throws KvException {
    long v = readVarLong();
    return (v >>> 1) ^ -(v & 1);
  }

  long readLong() throws KvException {
    if (remaining() < 8) {
      throw KvException.invalid("truncated long at byte " + pos);
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xff);
    }
    return v;
  }

  /** A count of following items, each at least {@code minItemBytes} long, so it cannot exceed the input. */
  int readCount(int minItemBytes) throws KvException {
    long n = readVarLong();
    if (n < 0 || n > remaining() / Math.max(1, minItemBytes)) {
      throw KvException.invalid("count " + n + " exceeds the " + remaining() + " bytes left at byte " + pos);
    }
    return (int) n;
  }

  byte[] readBytes() throws KvException {
    int n = readCount(1);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  byte[] readRaw(int n) throws KvException {
    if (n < 0 || n > remaining()) {
      throw KvException.invalid("truncated at byte " + pos);
    }
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  String readString() throws KvException {
    return new String(readBytes(), StandardCharsets.UTF_8);
  }

  <E extends Enum<E>> E readEnum(E[] values) throws KvException {
    long ordinal = readVarLong();
    if (ordinal < 0 || ordinal >= values.length) {
      throw KvException.invalid("unknown " + values[0].getDeclaringClass().getSimpleName() + " " + ordinal);
    }
    return values[(int) ordinal];
  }

  void expectEnd() throws KvException {
    if (pos != end) {
      throw KvException.invalid((end - pos) + " trailing bytes");
    }
  }
}
