package io.synod.paxos;

/**
 * Named fault points: deliberate bugs that only the simulator's planted-bug tests switch on, to show
 * that the simulator and its checks catch them. Production configurations never set any.
 */
public enum Fault {
  /** Count ⌊n/2⌋ votes as a quorum instead of a strict majority. */
  QUORUM_TOO_SMALL,
  /** A new leader fills every slot with a no-op instead of re-proposing the highest-ballot value. */
  SKIP_REPROPOSE,
  /**
   * An acceptor sends its Promise at once instead of holding it until the promise is durable: a
   * crash can make it forget a promise a candidate already counted.
   */
  PROMISE_BEFORE_DURABLE,
  /**
   * An acceptor sends Accepted at once instead of holding it until the entry is durable, the leader's
   * own vote included: a slot counts as chosen, and its command is applied and answered, before a
   * quorum holds it durably.
   */
  ACCEPTED_BEFORE_DURABLE,
  /**
   * An acceptor takes an Accept whatever its ballot, without comparing it with its promise (and
   * without raising the promise to it): it accepts below what it promised.
   */
  ACCEPT_BELOW_PROMISE,
  /**
   * A leader counts an Accepted of an earlier ballot as a vote for its own ballot: it takes a slot
   * for chosen on acceptances made under different ballots, which no quorum agreed on.
   */
  COUNT_STALE_ACCEPTED,
  /**
   * A replica rebuilding after disk loss votes again as soon as it has learned every slot up to the
   * highest its peers reported, without waiting for a leader above every promise they reported: an
   * Accept of an old ballot still in flight can then complete a quorum with the acceptance it forgot,
   * beyond that bound, while it helps a new leader that never heard of the value choose another.
   */
  REBUILD_WITHOUT_HIGHER_LEADER,
  /**
   * Read leases: a replica vouches for every slot it accepted without waiting for the holders of its
   * running promises to accept it: a write becomes visible and is acknowledged while a holder that
   * never saw it still answers reads from its own state.
   */
  VOUCH_WITHOUT_HOLDERS
}
