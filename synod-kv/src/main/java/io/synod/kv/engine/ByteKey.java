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
    this.hash = Arrays.hashCode(bytes);
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
