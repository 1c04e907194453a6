package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Objects;

/**
 * etcd's {@code DeleteRangeRequest}: deletes the keys in [{@code key}, {@code rangeEnd}) with the same
 * meaning of an empty or "\0" end as {@link RangeRequest}. {@code prevKv} returns the deleted pairs.
 */
public record DeleteRangeRequest(byte[] key, byte[] rangeEnd, boolean prevKv) implements RequestOp {

  public DeleteRangeRequest {
    Ensure.notNull(key, "key");
    rangeEnd = Bytes.orEmpty(rangeEnd);
  }

  public static DeleteRangeRequest key(byte[] key) {
    return new DeleteRangeRequest(key, Bytes.EMPTY, false);
  }

  public static DeleteRangeRequest range(byte[] key, byte[] rangeEnd) {
    return new DeleteRangeRequest(key, rangeEnd, false);
  }

  public static DeleteRangeRequest prefix(byte[] prefix) {
    return new DeleteRangeRequest(prefix, Bytes.prefixEnd(prefix), false);
  }

  public DeleteRangeRequest withPrevKv() {
    return new DeleteRangeRequest(key, rangeEnd, true);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeleteRangeRequest d
        && Arrays.equals(key, d.key)
        && Arrays.equals(rangeEnd, d.rangeEnd)
        && prevKv == d.prevKv;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(rangeEnd), prevKv);
  }

  @Override
  public String toString() {
    return "Delete[" + Bytes.show(key) + ".." + Bytes.show(rangeEnd) + (prevKv ? " prevKv" : "") + "]";
  }
}
