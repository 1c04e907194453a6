package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Objects;

/**
 * etcd's {@code PutRequest}. {@code ignoreValue} keeps the key's current value and
 * {@code ignoreLease} its current lease; both fail with KEY_NOT_FOUND when the key does not exist,
 * and a request that sets one of them must leave the value (resp. lease) empty (VALUE_PROVIDED,
 * LEASE_PROVIDED). {@code prevKv} asks for the key-value as it was before the put.
 */
public record PutRequest(
    byte[] key, byte[] value, long lease, boolean prevKv, boolean ignoreValue, boolean ignoreLease)
    implements RequestOp {

  public PutRequest {
    Ensure.notNull(key, "key");
    value = Bytes.orEmpty(value);
  }

  public static PutRequest of(byte[] key, byte[] value) {
    return new PutRequest(key, value, 0, false, false, false);
  }

  public PutRequest withLease(long newLease) {
    return new PutRequest(key, value, newLease, prevKv, ignoreValue, ignoreLease);
  }

  public PutRequest withPrevKv() {
    return new PutRequest(key, value, lease, true, ignoreValue, ignoreLease);
  }

  /** Keeps the current value; the request's value must be empty. */
  public PutRequest withIgnoreValue() {
    return new PutRequest(key, value, lease, prevKv, true, ignoreLease);
  }

  /** Keeps the current lease; the request's lease must be 0. */
  public PutRequest withIgnoreLease() {
    return new PutRequest(key, value, lease, prevKv, ignoreValue, true);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PutRequest p
        && Arrays.equals(key, p.key)
        && Arrays.equals(value, p.value)
        && lease == p.lease
        && prevKv == p.prevKv
        && ignoreValue == p.ignoreValue
        && ignoreLease == p.ignoreLease;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), lease, prevKv, ignoreValue, ignoreLease);
  }

  @Override
  public String toString() {
    return "Put[" + Bytes.show(key) + "=" + Bytes.show(value) + " lease=" + lease + (prevKv ? " prevKv" : "")
        + (ignoreValue ? " ignoreValue" : "") + (ignoreLease ? " ignoreLease" : "") + "]";
  }
}
