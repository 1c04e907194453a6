package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BallotAndQuorumTest {
  @Property
  void ballotOrderIsRoundThenReplica(
      @ForAll @LongRange(max = 1_000) long r1, @ForAll @IntRange(max = 9) int id1,
      @ForAll @LongRange(max = 1_000) long r2, @ForAll @IntRange(max = 9) int id2) {
    Ballot a = new Ballot(r1, id1);
    Ballot b = new Ballot(r2, id2);
    int naive = r1 != r2 ? (r1 < r2 ? -1 : 1) : Integer.compare(id1, id2);
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(naive));
    assertThat(a.greaterThan(b)).isEqualTo(naive > 0);
    assertThat(a.equals(b)).isEqualTo(naive == 0);
  }

  @Property
  void nextBallotIsHigherForAnyOwner(@ForAll @LongRange(max = 1_000_000) long round,
      @ForAll @IntRange(min = 1, max = 9) int id, @ForAll @IntRange(min = 1, max = 9) int owner) {
    Ballot b = new Ballot(round, id);
    assertThat(b.next(owner).greaterThan(b)).isTrue();
    assertThat(b.next(owner).replicaId()).isEqualTo(owner);
  }

  /** Naive: the smallest k such that any two k-subsets of n members must share one. */
  private static int naiveQuorum(int n) {
    for (int k = 1; k <= n; k++) {
      if (k + k > n) {
        return k;
      }
    }
    throw new AssertionError();
  }

  @Property
  void majorityIsTheSmallestIntersectingSize(@ForAll @IntRange(min = 1, max = 63) int n) {
    assertThat(Quorum.majority(n)).isEqualTo(naiveQuorum(n));
    assertThat(Configuration.ofSize(n).quorum()).isEqualTo(naiveQuorum(n));
  }

  @Property
  void reachedCountsVotes(@ForAll long votes, @ForAll @IntRange(min = 1, max = 64) int quorum) {
    assertThat(Quorum.reached(votes, quorum)).isEqualTo(Long.bitCount(votes) >= quorum);
  }

  @Property
  void plantedSmallQuorumIsHalf(@ForAll @IntRange(min = 2, max = 9) int n) {
    PaxosConfig config = PaxosConfig.defaults(1, Configuration.ofSize(n)).withFaults(java.util.Set.of(Fault.QUORUM_TOO_SMALL));
    assertThat(config.quorum()).isEqualTo(n / 2);
  }

  @org.junit.jupiter.api.Test
  void badConfigurationsAreRejected() {
    assertThatThrownBy(() -> new Configuration(java.util.List.of(2, 1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Configuration(java.util.List.of())).isInstanceOf(IllegalArgumentException.class);
    PaxosConfig config = PaxosConfig.defaults(1, Configuration.ofSize(3));
    assertThatThrownBy(() -> config.withTimeouts(100, 50, 10).validate())
        .hasMessageContaining("electionTimeoutNanos");
    assertThatThrownBy(() -> config.withBatching(0, 1, 10).validate()).hasMessageContaining("inflightSlotsMax");
  }
}
