package io.synod.paxos;

/**
 * The Accepted messages a learner has seen for one slot: the highest ballot reported and which members
 * (one bit per member index) accepted under it. Lower ballots are forgotten: only a quorum at one
 * ballot makes a value chosen.
 */
final class Votes {
  private Ballot ballot;
  private long members;

  Votes(Ballot ballot) {
    this.ballot = ballot;
  }

  Ballot ballot() {
    return ballot;
  }

  long members() {
    return members;
  }

  boolean has(int memberIndex) {
    return (members & (1L << memberIndex)) != 0;
  }

  /** Counts {@code memberIndex}'s acceptance under {@code at}; returns whether the vote counted. */
  boolean add(Ballot at, int memberIndex) {
    int order = at.compareTo(ballot);
    if (order < 0) {
      return false;
    }
    if (order > 0) {
      ballot = at;
      members = 0;
    }
    members |= 1L << memberIndex;
    return true;
  }
}
