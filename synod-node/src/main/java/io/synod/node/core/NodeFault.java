package io.synod.node.core;

/**
 * Named fault points in {@link NodeCore}: deliberate bugs that only the simulator's planted-bug
 * tests switch on, to show that the simulator and its checks catch them (the node-level
 * counterpart of {@code io.synod.paxos.Fault}). Production code never sets any: they reach a core
 * only through the constructor documented as test-only, and {@link NodeCore.Config} has no field
 * for them, so no configuration file or flag can turn one on.
 */
public enum NodeFault {
  /**
   * Applies a re-proposed command again instead of skipping it as a duplicate: exactly-once apply
   * is broken (a retried write takes effect twice).
   */
  APPLY_DUPLICATES,
  /**
   * A leader drops the commands forwarded to it without proposing them, and an origin never sends
   * a waiting request again (not on its timer, after a leader change, or after a deposed leader
   * dropped it): a request that entered through a follower is lost for good.
   */
  LOSE_FORWARDS,
  /**
   * Completes another waiting request (the oldest one) with the result of the command that was
   * applied, and leaves the command's own request waiting: a client gets someone else's answer.
   */
  REPLY_TO_OTHER_REQUEST,
  /**
   * Restores the state machine from a snapshot (at a restart, or installed from a peer) but not the
   * applied-commands table, which stays as it was (empty after a restart): a command applied before
   * the snapshot and proposed again after it is applied a second time on this replica.
   */
  APPLIED_TABLE_NOT_RESTORED,
  /**
   * Read leases: a read is answered from the local state at once, without waiting until the state
   * has applied the writes this replica had already accepted when the read arrived: a write
   * acknowledged before the read began can be missing from its answer.
   */
  READ_BEFORE_APPLY
}
