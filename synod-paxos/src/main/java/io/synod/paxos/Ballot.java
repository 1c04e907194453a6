package io.synod.paxos;

import io.synod.common.Ensure;

/**
 * A Paxos ballot: a round number made unique by the proposing replica's id. Ballots are totally
 * ordered by round, then replica id, so two replicas never propose under the same ballot.
 *
 * @param round the round, 0 only for {@link #ZERO}
 * @param replicaId the proposer's id (ids are 1..n; 0 only for {@link #ZERO})
 */
public record Ballot(long round, int replicaId) implements Comparable<Ballot> {
  /** Lower than every ballot a replica can propose: "no promise yet", "nothing accepted". */
  public static final Ballot ZERO = new Ballot(0, 0);

  public Ballot {
    Ensure.argument(round >= 0, "ballot round must not be negative");
    Ensure.argument(replicaId >= 0, "ballot replica id must not be negative");
  }

  @Override
  public int compareTo(Ballot other) {
    int byRound = Long.compare(round, other.round);
    return byRound != 0 ? byRound : Integer.compare(replicaId, other.replicaId);
  }

  public boolean greaterThan(Ballot other) {
    return compareTo(other) > 0;
  }

  public boolean atLeast(Ballot other) {
    return compareTo(other) >= 0;
  }

  /** The next ballot owned by {@code replicaId} that is higher than this one. */
  public Ballot next(int ownerId) {
    return new Ballot(round + 1, ownerId);
  }

  @Override
  public String toString() {
    return round + "." + replicaId;
  }
}
