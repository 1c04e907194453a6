package io.synod.kv.engine;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An ordered list of puts and deletes that an {@link Engine} applies atomically, in order (a later
 * op on the same key wins). Bounded by {@link #OPS_MAX} so one batch cannot grow without limit.
 */
public final class WriteBatch {
  /** The most ops in one batch. */
  public static final int OPS_MAX = 16 * 1024 * 1024;

  /** One op: put {@code key}={@code value}, delete {@code key}, or delete [key, rangeEnd). */
  public record Op(Kind kind, byte[] key, byte[] value, byte[] rangeEnd) {}

  /** The op kinds. */
  public enum Kind { PUT, DELETE, DELETE_RANGE }

  private final List<Op> ops = new ArrayList<>();
  private long bytes;

  public WriteBatch put(byte[] key, byte[] value) {
    Ensure.notNull(key, "key");
    Ensure.notNull(value, "value");
    return add(new Op(Kind.PUT, key, value, null), key.length + value.length);
  }

  public WriteBatch delete(byte[] key) {
    Ensure.notNull(key, "key");
    return add(new Op(Kind.DELETE, key, null, null), key.length);
  }

  /** Deletes every key in [from, toExclusive). */
  public WriteBatch deleteRange(byte[] from, byte[] toExclusive) {
    Ensure.notNull(from, "from");
    Ensure.notNull(toExclusive, "toExclusive");
    return add(new Op(Kind.DELETE_RANGE, from, null, toExclusive), from.length + toExclusive.length);
  }

  private WriteBatch add(Op op, long opBytes) {
    Ensure.argument(ops.size() < OPS_MAX, "write batch holds too many ops");
    ops.add(op);
    bytes += opBytes;
    return this;
  }

  public List<Op> ops() {
    return Collections.unmodifiableList(ops);
  }

  public int size() {
    return ops.size();
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  /** Sum of key and value lengths, for sizing decisions. */
  public long bytes() {
    return bytes;
  }
}
