package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.paxos.Fault;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The simulator's checks can fail: each planted bug must be reported within a bounded number of
 * seeds, with a violation that names what went wrong.
 */
class PlantedBugTest {
  private static final int SEEDS_MAX = 200;

  private static SimResult firstViolation(Set<Fault> planted, boolean forgetPromise) {
    for (long seed = 1; seed <= SEEDS_MAX; seed++) {
      SimOptions options = SimOptions.allFaults(seed, seed % 2 == 0 ? 5 : 3).withPlanted(planted, forgetPromise);
      SimResult result = Simulation.run(options);
      if (!result.ok()) {
        return result;
      }
    }
    return null;
  }

  @Test
  void quorumOfHalfTheReplicasIsCaught() {
    SimResult result = firstViolation(Set.of(Fault.QUORUM_TOO_SMALL), false);
    assertThat(result).as("a violation within %d seeds", SEEDS_MAX).isNotNull();
    assertThat(result.violation()).containsAnyOf("no majority", "two different values", "chosen with");
    assertThat(result.report()).contains("--plant QUORUM_TOO_SMALL");
  }

  @Test
  void leaderThatSkipsReproposingIsCaught() {
    SimResult result = firstViolation(Set.of(Fault.SKIP_REPROPOSE), false);
    assertThat(result).as("a violation within %d seeds", SEEDS_MAX).isNotNull();
    assertThat(result.violation()).containsAnyOf("two different values", "is chosen with", "applied");
  }

  @Test
  void acceptorThatForgetsItsPromiseOnRestartIsCaught() {
    SimResult result = firstViolation(Set.of(), true);
    assertThat(result).as("a violation within %d seeds", SEEDS_MAX).isNotNull();
    assertThat(result.violation()).containsAnyOf("promise", "two different values", "is chosen with");
    assertThat(result.report()).contains("--plant FORGET_PROMISE");
  }
}
