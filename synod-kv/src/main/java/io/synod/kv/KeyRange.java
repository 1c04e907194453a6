package io.synod.kv;

import java.util.Collections;
import java.util.NavigableMap;

/**
 * etcd's reading of (key, rangeEnd): an empty end is the single key, "\0" is every key ≥ key, any
 * other end is the half-open interval [key, end) in unsigned byte order (empty if end ≤ key).
 */
final class KeyRange {
  private final byte[] key;
  private final byte[] end;
  private final boolean single;
  private final boolean open;

  private KeyRange(byte[] key, byte[] end) {
    this.key = key;
    this.end = end;
    this.single = end.length == 0;
    this.open = end.length == 1 && end[0] == 0;
  }

  static KeyRange of(byte[] key, byte[] rangeEnd) {
    return new KeyRange(key, Bytes.orEmpty(rangeEnd));
  }

  boolean contains(byte[] k) {
    if (single) {
      return Bytes.compare(k, key) == 0;
    }
    if (Bytes.compare(k, key) < 0) {
      return false;
    }
    return open || Bytes.compare(k, end) < 0;
  }

  /** The part of {@code map} (ordered by {@link Bytes#UNSIGNED}) inside this range. */
  <V> NavigableMap<byte[], V> view(NavigableMap<byte[], V> map) {
    if (single) {
      return map.subMap(key, true, key, true);
    }
    if (open) {
      return map.tailMap(key, true);
    }
    if (Bytes.compare(key, end) >= 0) {
      return Collections.emptyNavigableMap();
    }
    return map.subMap(key, true, end, false);
  }
}
