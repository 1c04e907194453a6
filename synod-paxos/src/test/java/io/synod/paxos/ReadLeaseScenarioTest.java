package io.synod.paxos;

import static io.synod.paxos.TestCluster.MS;
import static io.synod.paxos.TestCluster.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Read leases (docs/READ-LEASES.md) step by step on a hand-driven cluster: promises are granted and
 * held, a write waits for a holder that cannot accept it until the grantors' obligations end, and
 * the isolated holder's own lease ends before that.
 */
class ReadLeaseScenarioTest {
  private static final ReadLeaseConfig LEASES = ReadLeaseConfig.defaults().withTimes(200 * MS, 50 * MS);

  private static TestCluster cluster() {
    return new TestCluster(PaxosConfig.defaults(7, Configuration.ofSize(3))
        .withTimeouts(100 * MS, 10 * MS, 20 * MS)
        .withReadLeases(LEASES));
  }

  /** Time passes in steps of 10 ms with every message delivered, except those to or from {@code cut}. */
  private static void run(TestCluster c, long nanos, int cut) {
    for (long t = 0; t < nanos; t += 10 * MS) {
      c.tick(10 * MS);
      settle(c, cut);
    }
  }

  private static void settle(TestCluster c, int cut) {
    for (int round = 0; round < 100; round++) {
      c.drop(m -> m.to() == cut || m.from() == cut);
      if (c.deliverAll() == 0) {
        return;
      }
    }
    throw new AssertionError("did not settle");
  }

  /**
   * Elects a leader with every replica's clock moving together (an election that ticks only the
   * candidate would show the others its clock jumping ahead of theirs).
   */
  private static int elect(TestCluster c) {
    for (int step = 0; step < 300 && c.leaderId() == 0; step++) {
      run(c, 10 * MS, 0);
    }
    assertThat(c.leaderId()).as("a leader").isPositive();
    return c.leaderId();
  }

  @Test
  void healthyReplicasHoldLeasesAndWritesBecomeVisibleWhenAllAccepted() {
    TestCluster c = cluster();
    int leader = elect(c);
    // Past every replica's restart window, with promises renewed all along.
    run(c, LEASES.holdNanos() + 100 * MS, 0);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.r(id).readLeaseValidUntil()).as("replica %d's lease", id).isGreaterThan(c.now);
    }
    assertThat(c.r(leader).propose(cmd("x"))).isEqualTo(Replica.ProposeResult.QUEUED);
    settle(c, 0);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.appliedCommands(id)).as("replica %d", id).contains("x");
    }
  }

  @Test
  void aCutOffHolderDelaysWritesUntilItsPromisesLapseAndStopsReadingFirst() {
    TestCluster c = cluster();
    int leader = elect(c);
    int holder = leader == 3 ? 2 : 3;
    int other = 6 - leader - holder;
    run(c, LEASES.holdNanos() + 100 * MS, 0);
    long cutAt = c.now;
    long holderValidUntil = c.r(holder).readLeaseValidUntil();
    assertThat(holderValidUntil).isGreaterThan(cutAt);

    // A follower is cut off; the write is chosen by the other two but the follower, which may still read, never saw it.
    assertThat(c.r(leader).propose(cmd("y"))).isEqualTo(Replica.ProposeResult.QUEUED);
    settle(c, holder);
    assertThat(c.r(leader).chosenUpTo()).isGreaterThan(c.r(leader).appliedUpTo());
    assertThat(c.appliedCommands(leader)).doesNotContain("y");
    assertThat(c.appliedCommands(other)).doesNotContain("y");

    // Time passes: the holder's lease ends (on its clock) before the grantors stop waiting for it.
    long visibleAt = -1;
    for (int step = 0; step < 100 && visibleAt < 0; step++) {
      run(c, 10 * MS, holder);
      if (c.appliedCommands(leader).contains("y")) {
        visibleAt = c.now;
      }
    }
    assertThat(visibleAt).as("the write became visible").isPositive();
    assertThat(visibleAt).isGreaterThanOrEqualTo(holderValidUntil);
    assertThat(visibleAt - cutAt).isLessThanOrEqualTo(LEASES.holdNanos() + 30 * MS);
    assertThat(c.r(holder).readLeaseValidUntil()).isLessThan(c.now);
    assertThat(c.appliedCommands(other)).contains("y");
  }

  /**
   * A replica whose clock runs 5% slow (fifty times the bound) would hold its promises longer in
   * real time than its grantors honour them: they notice its requests drifting against their own
   * clocks and stop granting, so its lease lapses and it stops reading locally.
   */
  @Test
  void aHolderWhoseClockRunsSlowBeyondTheBoundLosesItsLease() {
    TestCluster c = cluster();
    int leader = elect(c);
    int holder = leader == 3 ? 2 : 3;
    int other = 6 - leader - holder;
    run(c, LEASES.holdNanos() + 100 * MS, 0);
    assertThat(c.r(holder).readLeaseValidUntil()).isGreaterThan(c.now);
    long start = c.now;
    boolean lapsed = false;
    for (int step = 0; step < 1_000 && !lapsed; step++) {
      c.now += 10 * MS;
      long slow = start + (long) ((c.now - start) * 0.95);
      c.r(leader).tick(c.now);
      c.r(other).tick(c.now);
      c.r(holder).tick(slow);
      settle(c, 0);
      lapsed = c.r(holder).readLeaseValidUntil() == Long.MIN_VALUE;
    }
    assertThat(lapsed).as("the slow replica's lease lapsed").isTrue();
    assertThat(c.r(leader).readLeaseClockFault(holder)).isTrue();
    assertThat(c.r(other).readLeaseClockFault(holder)).isTrue();
    assertThat(c.r(leader).readLeaseClockFault(other)).isFalse();
    // Within the bound the others still hold their leases.
    assertThat(c.r(other).readLeaseValidUntil()).isGreaterThan(c.now);
  }
}
