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

  @Test
  void healthyReplicasHoldLeasesAndWritesBecomeVisibleWhenAllAccepted() {
    TestCluster c = cluster();
    c.elect(1);
    // Past every replica's restart window, with promises renewed all along.
    run(c, LEASES.holdNanos() + 100 * MS, 0);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.r(id).readLeaseValidUntil()).as("replica %d's lease", id).isGreaterThan(c.now);
    }
    assertThat(c.r(1).propose(cmd("x"))).isEqualTo(Replica.ProposeResult.QUEUED);
    settle(c, 0);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.appliedCommands(id)).as("replica %d", id).contains("x");
    }
  }

  @Test
  void aCutOffHolderDelaysWritesUntilItsPromisesLapseAndStopsReadingFirst() {
    TestCluster c = cluster();
    c.elect(1);
    run(c, LEASES.holdNanos() + 100 * MS, 0);
    long cutAt = c.now;
    long holderValidUntil = c.r(3).readLeaseValidUntil();
    assertThat(holderValidUntil).isGreaterThan(cutAt);

    // Replica 3 is cut off; the write is chosen by 1 and 2 but 3, which may still read, never saw it.
    assertThat(c.r(1).propose(cmd("y"))).isEqualTo(Replica.ProposeResult.QUEUED);
    settle(c, 3);
    assertThat(c.r(1).chosenUpTo()).isGreaterThan(c.r(1).appliedUpTo());
    assertThat(c.appliedCommands(1)).doesNotContain("y");
    assertThat(c.appliedCommands(2)).doesNotContain("y");

    // Time passes: the holder's lease ends (on its clock) before the grantors stop waiting for it.
    long visibleAt = -1;
    for (int step = 0; step < 100 && visibleAt < 0; step++) {
      run(c, 10 * MS, 3);
      if (c.appliedCommands(1).contains("y")) {
        visibleAt = c.now;
      }
    }
    assertThat(visibleAt).as("the write became visible").isPositive();
    assertThat(visibleAt).isGreaterThanOrEqualTo(holderValidUntil);
    assertThat(visibleAt - cutAt).isLessThanOrEqualTo(LEASES.holdNanos() + 30 * MS);
    assertThat(c.r(3).readLeaseValidUntil()).isLessThan(c.now);
    assertThat(c.appliedCommands(2)).contains("y");
  }
}
