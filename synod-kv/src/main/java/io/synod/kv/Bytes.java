package io.synod.kv;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * Byte-string helpers shared by the API records and the store. Keys are ordered as unsigned bytes,
 * lexicographically, which is etcd's (Go's {@code bytes.Compare}) order and RocksDB's default.
 */
public final class Bytes {
  /** The empty byte string; safe to share because nothing writes into a zero-length array. */
  public static final byte[] EMPTY = new byte[0];

  /** Unsigned lexicographic order. */
  public static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

  private static final HexFormat HEX = HexFormat.of();

  private Bytes() {}

  /** Negative, zero or positive as {@code a} sorts before, equal to or after {@code b}. */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * The range end that selects every key starting with {@code prefix}: the prefix with its last
   * byte incremented, dropping trailing 0xff bytes first. A prefix of only 0xff bytes (or an empty
   * one) has no finite end, so the answer is "\0", which means "every key ≥ key" in etcd.
   */
  public static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return new byte[] {0};
  }

  /** UTF-8 bytes of {@code s}; for tests and readable call sites. */
  public static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Printable form: the UTF-8 text when it is plain ASCII, else hex with a leading {@code 0x}. */
  public static String show(byte[] bytes) {
    if (bytes == null) {
      return "null";
    }
    for (byte b : bytes) {
      if (b < 0x20 || b > 0x7e) {
        return "0x" + HEX.formatHex(bytes);
      }
    }
    return "\"" + new String(bytes, java.nio.charset.StandardCharsets.US_ASCII) + "\"";
  }

  static byte[] orEmpty(byte[] bytes) {
    return bytes == null ? EMPTY : bytes;
  }
}
