package io.synod.kv;

import io.synod.common.Ensure;

/**
 * A command of etcd's Lease service, or one of the two the leader's {@link LeaseKeeper} proposes.
 * Every field that an operation does not use is 0.
 *
 * <ul>
 *   <li>{@code GRANT(id, ttlSeconds)}: a new lease; {@code id} 0 lets the store pick one.
 *   <li>{@code REVOKE(id)}: deletes the lease and its keys, in one revision.
 *   <li>{@code KEEP_ALIVE(id)}: renews the lease: its remaining TTL is the full TTL again and its
 *       renewal counter grows by one.
 *   <li>{@code CHECKPOINT(id, remainingMillis, renewal)}: records the remaining TTL the leader
 *       measured, unless the lease was renewed since ({@code renewal} is not its counter any more).
 *   <li>{@code EXPIRE(id, renewal)}: the leader saw the lease run out; deletes it and its keys,
 *       unless it was renewed since.
 * </ul>
 */
public record LeaseRequest(Op op, long id, long ttlSeconds, long remainingMillis, long renewal) implements KvRequest {
  /** The lease operations, in codec order. */
  public enum Op { GRANT, REVOKE, KEEP_ALIVE, CHECKPOINT, EXPIRE }

  public LeaseRequest {
    Ensure.notNull(op, "op");
    Ensure.argument(op == Op.GRANT || id != 0, "only a grant may leave the lease id to the store");
    Ensure.argument(op == Op.GRANT || ttlSeconds == 0, "only a grant carries a TTL");
    Ensure.argument(op == Op.CHECKPOINT || remainingMillis == 0, "only a checkpoint carries a remaining TTL");
    Ensure.argument(remainingMillis >= 0, "a remaining TTL is not negative");
    Ensure.argument(op == Op.CHECKPOINT || op == Op.EXPIRE || renewal == 0, "only checkpoint and expire carry a renewal");
    Ensure.argument(renewal >= 0, "renewal counters are not negative");
  }

  public static LeaseRequest grant(long id, long ttlSeconds) {
    return new LeaseRequest(Op.GRANT, id, ttlSeconds, 0, 0);
  }

  public static LeaseRequest revoke(long id) {
    return new LeaseRequest(Op.REVOKE, id, 0, 0, 0);
  }

  public static LeaseRequest keepAlive(long id) {
    return new LeaseRequest(Op.KEEP_ALIVE, id, 0, 0, 0);
  }

  public static LeaseRequest checkpoint(long id, long remainingMillis, long renewal) {
    return new LeaseRequest(Op.CHECKPOINT, id, 0, remainingMillis, renewal);
  }

  public static LeaseRequest expire(long id, long renewal) {
    return new LeaseRequest(Op.EXPIRE, id, 0, 0, renewal);
  }
}
