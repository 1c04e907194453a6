package io.synod.paxos;

/**
 * Named fault points: deliberate bugs that only the simulator's planted-bug tests switch on, to show
 * that the simulator and its checks catch them. Production configurations never set any.
 */
public enum Fault {
  /** Count ⌊n/2⌋ votes as a quorum instead of a strict majority. */
  QUORUM_TOO_SMALL,
  /** A new leader fills every slot with a no-op instead of re-proposing the highest-ballot value. */
  SKIP_REPROPOSE
}
