package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Objects;

/**
 * etcd's {@code Compare}: a condition of a transaction, evaluated when the transaction is applied.
 *
 * <p>VERSION, CREATE, MOD and LEASE compare the key's field with {@code number}; VALUE compares the
 * value with {@code value} as unsigned bytes. With a {@code rangeEnd} (same meaning as in
 * {@link RangeRequest}) every key in the range must satisfy the condition. When no key matches, the
 * numeric targets compare 0 (so {@code createRevision(k) == 0} means "k does not exist"), while a
 * VALUE compare is always false, as in etcd.
 */
public record Compare(Result result, Target target, byte[] key, byte[] rangeEnd, long number, byte[] value) {

  /** etcd's {@code Compare.CompareResult}: how the key's field relates to the operand. */
  public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }

  /** etcd's {@code Compare.CompareTarget}. */
  public enum Target { VERSION, CREATE, MOD, VALUE, LEASE }

  public Compare {
    Ensure.notNull(result, "result");
    Ensure.notNull(target, "target");
    Ensure.notNull(key, "key");
    rangeEnd = Bytes.orEmpty(rangeEnd);
    value = Bytes.orEmpty(value);
  }

  public static Compare version(byte[] key, Result result, long version) {
    return new Compare(result, Target.VERSION, key, Bytes.EMPTY, version, Bytes.EMPTY);
  }

  public static Compare createRevision(byte[] key, Result result, long revision) {
    return new Compare(result, Target.CREATE, key, Bytes.EMPTY, revision, Bytes.EMPTY);
  }

  public static Compare modRevision(byte[] key, Result result, long revision) {
    return new Compare(result, Target.MOD, key, Bytes.EMPTY, revision, Bytes.EMPTY);
  }

  public static Compare lease(byte[] key, Result result, long lease) {
    return new Compare(result, Target.LEASE, key, Bytes.EMPTY, lease, Bytes.EMPTY);
  }

  public static Compare value(byte[] key, Result result, byte[] value) {
    return new Compare(result, Target.VALUE, key, Bytes.EMPTY, 0, value);
  }

  /** The same condition applied to every key in [key, rangeEnd). */
  public Compare withRangeEnd(byte[] newRangeEnd) {
    return new Compare(result, target, key, newRangeEnd, number, value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Compare c
        && result == c.result
        && target == c.target
        && Arrays.equals(key, c.key)
        && Arrays.equals(rangeEnd, c.rangeEnd)
        && number == c.number
        && Arrays.equals(value, c.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(result, target, Arrays.hashCode(key), Arrays.hashCode(rangeEnd), number, Arrays.hashCode(value));
  }

  @Override
  public String toString() {
    String operand = target == Target.VALUE ? Bytes.show(value) : Long.toString(number);
    return target + "(" + Bytes.show(key) + (rangeEnd.length == 0 ? "" : ".." + Bytes.show(rangeEnd)) + ") "
        + result + " " + operand;
  }
}
