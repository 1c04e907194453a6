package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator with read leases on ({@link SimOptions#readLeases}) over many seeds, alternating 3-
 * and 5-replica clusters: every replica answers reads from its own state under its lease while
 * clocks drift within the bound, replicas pause for longer than a lease, hosts stall delivering
 * answers, and crashes, partitions and message faults go on. Every history (local reads included)
 * must be linearizable. A quarter of {@code synod.sim.seeds} seeds (the build sets it).
 */
class ReadLeaseCampaignTest {
  private static final long SEEDS = Math.max(1, Long.getLong("synod.sim.seeds", 2_000) / 4);

  @Test
  void localReadsStayLinearizableUnderDriftPausesAndFaults() {
    Marks.reset();
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimResult result = Simulation.run(SimOptions.readLeases(seed, seed % 2 == 0 ? 5 : 3));
      if (!result.ok()) {
        failures.add(result.report());
      }
    }
    assertThat(failures).as("failing seeds, each with its replay command").isEmpty();
    // Most reads were answered locally; some fell back to the log, some answers came too late for
    // their lease and were read again; writes waited for holders; replicas paused.
    assertThat(Marks.count("node.local-read-answered"))
        .isGreaterThan(5 * Marks.count("node.local-read-fell-back"));
    for (String mark : List.of("node.local-read-fell-back", "node.local-read-expired",
        "paxos.chosen-not-yet-visible", "sim.replica-paused")) {
      assertThat(Marks.count(mark)).as("coverage mark %s", mark).isPositive();
    }
  }
}
