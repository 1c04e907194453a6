package io.synod.kv;

import io.synod.common.Ensure;

/**
 * What the engine holds for one revision: the key that changed and, unless the change was a delete
 * (a tombstone), the key's new value, lease, create revision and version. The mod revision is the
 * revision the record is stored under, so it is not repeated here.
 */
record StoredRecord(byte[] key, boolean tombstone, long createRevision, long version, long lease, byte[] value) {
  private static final int KIND_PUT = 0;
  private static final int KIND_TOMBSTONE = 1;

  static StoredRecord put(byte[] key, long createRevision, long version, long lease, byte[] value) {
    return new StoredRecord(key, false, createRevision, version, lease, value);
  }

  static StoredRecord tombstone(byte[] key) {
    return new StoredRecord(key, true, 0, 0, 0, Bytes.EMPTY);
  }

  KeyValue toKeyValue(long modRevision) {
    Ensure.that(!tombstone, "a tombstone has no key-value");
    return new KeyValue(key, createRevision, modRevision, version, value, lease);
  }

  byte[] encode() {
    ByteWriter out = new ByteWriter(16 + key.length + value.length);
    out.writeByte(tombstone ? KIND_TOMBSTONE : KIND_PUT);
    out.writeBytes(key);
    if (!tombstone) {
      out.writeZigZag(createRevision).writeZigZag(version).writeZigZag(lease).writeBytes(value);
    }
    return out.toByteArray();
  }

  /** Decodes a stored record; the engine's contents are ours, so a bad one is corruption. */
  static StoredRecord decode(byte[] bytes) {
    try {
      ByteReader in = new ByteReader(bytes);
      int kind = in.readByte();
      byte[] key = in.readBytes();
      StoredRecord record;
      if (kind == KIND_TOMBSTONE) {
        record = tombstone(key);
      } else {
        Ensure.that(kind == KIND_PUT, "stored record kind is put or tombstone");
        record = put(key, in.readZigZag(), in.readZigZag(), in.readZigZag(), in.readBytes());
        Ensure.that(record.version >= 1, "stored version is at least 1");
        Ensure.that(record.createRevision >= 2, "stored create revision is at least 2");
      }
      in.expectEnd();
      return record;
    } catch (KvException e) {
      throw new Ensure.InvariantViolation("corrupt stored record: " + e.getMessage());
    }
  }
}
