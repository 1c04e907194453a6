package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ballot order and quorum arithmetic against deliberately naive versions, over seeded random inputs. */
class BallotAndQuorumTest {
  private static final int CASES = 10_000;

  @Test
  void ballotOrderIsRoundThenReplica() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < CASES; i++) {
      long r1 = random.nextLong(20);
      long r2 = random.nextLong(20);
      int id1 = random.nextInt(10);
      int id2 = random.nextInt(10);
      Ballot a = new Ballot(r1, id1);
      Ballot b = new Ballot(r2, id2);
      int naive = r1 != r2 ? (r1 < r2 ? -1 : 1) : Integer.compare(id1, id2);
      assertThat(Integer.signum(a.compareTo(b))).as("%s vs %s", a, b).isEqualTo(Integer.signum(naive));
      assertThat(a.greaterThan(b)).isEqualTo(naive > 0);
      assertThat(a.atLeast(b)).isEqualTo(naive >= 0);
      assertThat(a.equals(b)).isEqualTo(naive == 0);
    }
  }

  @Test
  void nextBallotIsHigherForAnyOwner() {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < CASES; i++) {
      Ballot b = new Ballot(random.nextLong(1_000_000), 1 + random.nextInt(9));
      int owner = 1 + random.nextInt(9);
      assertThat(b.next(owner).greaterThan(b)).isTrue();
      assertThat(b.next(owner).replicaId()).isEqualTo(owner);
    }
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

  @Test
  void majorityIsTheSmallestIntersectingSize() {
    for (int n = 1; n <= 63; n++) {
      assertThat(Quorum.majority(n)).isEqualTo(naiveQuorum(n));
      assertThat(Configuration.ofSize(n).quorum()).isEqualTo(naiveQuorum(n));
    }
  }

  @Test
  void reachedCountsVotes() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < CASES; i++) {
      long votes = random.nextLong();
      int quorum = 1 + random.nextInt(64);
      int naive = 0;
      for (int bit = 0; bit < 64; bit++) {
        naive += (int) ((votes >>> bit) & 1);
      }
      assertThat(Quorum.reached(votes, quorum)).isEqualTo(naive >= quorum);
    }
  }

  @Test
  void plantedSmallQuorumIsHalf() {
    for (int n = 2; n <= 9; n++) {
      PaxosConfig config = PaxosConfig.defaults(1, Configuration.ofSize(n)).withFaults(Set.of(Fault.QUORUM_TOO_SMALL));
      assertThat(config.quorum()).isEqualTo(n / 2);
    }
  }

  @Test
  void badConfigurationsAreRejected() {
    assertThatThrownBy(() -> new Configuration(List.of(2, 1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Configuration(List.of())).isInstanceOf(IllegalArgumentException.class);
    PaxosConfig config = PaxosConfig.defaults(1, Configuration.ofSize(3));
    assertThatThrownBy(() -> config.withTimeouts(100, 50, 10).validate())
        .hasMessageContaining("electionTimeoutNanos");
    assertThatThrownBy(() -> config.withBatching(0, 1, 10).validate()).hasMessageContaining("inflightSlotsMax");
  }
}
