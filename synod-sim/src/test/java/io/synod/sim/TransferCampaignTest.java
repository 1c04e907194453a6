package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leadership transfers under every fault kind: the fault schedule now and then asks the leader to
 * hand leadership to a random replica, and every check of the simulator still holds.
 */
class TransferCampaignTest {
  private static final long SEEDS = Long.getLong("synod.sim.transfer-seeds", 60);

  @Test
  void transfersUnderFaultsLoseNothingAndBreakNoCheck() {
    Marks.reset();
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimResult result = Simulation.run(SimOptions.allFaults(seed, seed % 2 == 0 ? 5 : 3).withTransferShare(0.3));
      if (!result.ok()) {
        failures.add(result.report());
      }
    }
    assertThat(failures).as("failing seeds, each with its replay command").isEmpty();
    for (String mark : List.of("sim.leadership-transfer-asked", "paxos.leadership-transfer-started",
        "paxos.leadership-transfer-campaign")) {
      assertThat(Marks.count(mark)).as("coverage mark %s", mark).isPositive();
    }
  }
}
