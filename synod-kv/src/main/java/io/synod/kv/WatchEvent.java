package io.synod.kv;

import io.synod.common.Ensure;

/**
 * One change the store made, as etcd's {@code mvccpb.Event} reports it: a PUT carries the key's new
 * key-value, a DELETE a tombstone key-value holding only the key and the delete's revision (as its
 * mod revision). {@code prevKv} is the key-value the change replaced, or null if the key was absent
 * (or, for history read back without previous values, not looked up).
 */
public record WatchEvent(Type type, KeyValue kv, KeyValue prevKv) {
  public enum Type { PUT, DELETE }

  public WatchEvent {
    Ensure.notNull(type, "type");
    Ensure.notNull(kv, "kv");
  }

  static WatchEvent put(KeyValue kv, KeyValue prev) {
    return new WatchEvent(Type.PUT, kv, prev);
  }

  static WatchEvent delete(byte[] key, long revision, KeyValue prev) {
    return new WatchEvent(Type.DELETE, new KeyValue(key, 0, revision, 0, Bytes.EMPTY, 0), prev);
  }

  /** The main revision of the change. */
  public long revision() {
    return kv.modRevision();
  }

  /** This event without its previous key-value. */
  public WatchEvent withoutPrev() {
    return prevKv == null ? this : new WatchEvent(type, kv, null);
  }

  /** About how many bytes the event takes on the wire (keys, values and a fixed overhead). */
  public int sizeBytes() {
    int size = 32 + kv.key().length + kv.value().length;
    if (prevKv != null) {
      size += 32 + prevKv.key().length + prevKv.value().length;
    }
    return size;
  }
}
