package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Objects;

/**
 * One key as of some revision, with etcd's {@code mvccpb.KeyValue} fields. {@code createRevision} is
 * the revision of the write that created the key's current generation, {@code modRevision} that of
 * its last write, and {@code version} counts writes since creation (1 on create, reset by a delete).
 * {@code lease} is the TTL lease id the key is attached to, 0 for none.
 *
 * <p>Arrays are not copied: callers must not change them after handing them over.
 */
public record KeyValue(
    byte[] key, long createRevision, long modRevision, long version, byte[] value, long lease) {

  public KeyValue {
    Ensure.notNull(key, "key");
    value = Bytes.orEmpty(value);
  }

  /** This key-value with an empty value, as {@code keys_only} returns it. */
  public KeyValue withoutValue() {
    return new KeyValue(key, createRevision, modRevision, version, Bytes.EMPTY, lease);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && createRevision == kv.createRevision
        && modRevision == kv.modRevision
        && version == kv.version
        && lease == kv.lease
        && Arrays.equals(key, kv.key)
        && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), createRevision, modRevision, version, Arrays.hashCode(value), lease);
  }

  @Override
  public String toString() {
    return "KeyValue[" + Bytes.show(key) + " create=" + createRevision + " mod=" + modRevision
        + " version=" + version + " value=" + Bytes.show(value) + " lease=" + lease + "]";
  }
}
