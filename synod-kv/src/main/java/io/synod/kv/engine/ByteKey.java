package io.synod.kv.engine;

import java.util.Arrays;

/**
 * A byte string as a hash-map key: equality and hash by content, the hash computed once. Point
 * lookups in the store's ordered maps go through a hash map of these instead of a tree walk of
 * unsigned comparisons. The array is not copied: the owner must not change it while it is a key.
 */
public final class ByteKey {
  private final byte[] bytes;
  private final int hash;

  public ByteKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = hash(bytes);
  }

  /**
   * FNV-1a over the bytes, finished with a 64-bit mix. Not {@link Arrays#hashCode(byte[])}: its
   * base-31 polynomial maps the big-endian revision keys the store writes onto a few values per
   * thousand keys (one step in a byte equals 31 steps in the next), which turns hash buckets into
   * long chains.
   */
  static int hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h;
  }

  public byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ByteKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
