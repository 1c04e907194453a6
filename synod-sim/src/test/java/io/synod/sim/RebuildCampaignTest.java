package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator in its rebuild mode ({@link SimOptions#rebuilds}) over many seeds, alternating 3- and
 * 5-replica clusters: more crashes, most of them leaving a corrupt disk while every replica is
 * intact, aimed at the replica wiped least often, and every crash that may reorders pages of
 * unsynced writes. Several replicas rebuild from their peers over one run, one at a time, while
 * crashes, partitions and message faults go on. The number of seeds comes from the system property
 * {@code synod.sim.seeds} (the build sets it).
 */
class RebuildCampaignTest {
  private static final long SEEDS = Long.getLong("synod.sim.seeds", 600);

  @Test
  void replicasRebuildOneAfterAnotherSafely() {
    Marks.reset();
    List<String> failures = new ArrayList<>();
    int runsWithSeveralRebuilt = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimResult result = Simulation.run(SimOptions.rebuilds(seed, seed % 2 == 0 ? 5 : 3));
      if (!result.ok()) {
        failures.add(result.report());
      }
      runsWithSeveralRebuilt += result.replicasRebuilt() >= 2 ? 1 : 0;
    }
    assertThat(failures).as("failing seeds, each with its replay command").isEmpty();
    assertThat(runsWithSeveralRebuilt).as("runs in which two or more replicas rebuilt").isGreaterThan((int) (SEEDS / 4));
    // Rebuilds finished, with leaders bidding again for them, and logs that a crash damaged before
    // surviving writes, refused by recovery, rebuilt too.
    for (String mark : List.of(
        "storage.wiped", "paxos.rebuilt", "paxos.rebuilding-ignored", "paxos.leader-rebid-for-rebuild",
        "paxos.rebuild-asked-leader-to-rebid", "sim.torn-write-refused-replica-rebuilt",
        "sim.crash-between-acceptor-temp-write-and-rename")) {
      assertThat(Marks.count(mark)).as("coverage mark %s", mark).isPositive();
    }
  }
}
