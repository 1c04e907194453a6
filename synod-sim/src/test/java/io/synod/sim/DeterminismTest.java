package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeterminismTest {
  @Test
  void sameSeedGivesTheSameTrace() {
    for (int replicas : new int[] {3, 5}) {
      SimResult first = Simulation.run(SimOptions.allFaults(7, replicas));
      SimResult second = Simulation.run(SimOptions.allFaults(7, replicas));
      assertThat(second.traceHash()).isEqualTo(first.traceHash());
      assertThat(second.stats()).isEqualTo(first.stats());
      assertThat(second.violation()).isEqualTo(first.violation());
    }
  }

  @Test
  void sameSeedGivesTheSameTraceInRebuildMode() {
    SimResult first = Simulation.run(SimOptions.rebuilds(11, 5));
    SimResult second = Simulation.run(SimOptions.rebuilds(11, 5));
    assertThat(second.traceHash()).isEqualTo(first.traceHash());
    assertThat(second.stats()).isEqualTo(first.stats());
  }

  @Test
  void sameSeedGivesTheSameTraceWithReadLeases() {
    SimResult first = Simulation.run(SimOptions.readLeases(13, 5));
    SimResult second = Simulation.run(SimOptions.readLeases(13, 5));
    assertThat(first.ok()).as(first.report()).isTrue();
    assertThat(second.traceHash()).isEqualTo(first.traceHash());
  }

  @Test
  void differentSeedsGiveDifferentTraces() {
    SimResult a = Simulation.run(SimOptions.allFaults(7, 3));
    SimResult b = Simulation.run(SimOptions.allFaults(8, 3));
    assertThat(a.traceHash()).isNotEqualTo(b.traceHash());
  }

  @Test
  void replayCommandNamesTheRun() {
    SimOptions options = SimOptions.allFaults(123, 5);
    assertThat(options.replayCommand()).isEqualTo("bin/synod sim --seed 123 --replicas 5");
    assertThat(SimOptions.healthy(9, 3).replayCommand()).isEqualTo("bin/synod sim --seed 9 --replicas 3 --healthy");
    assertThat(SimOptions.rebuilds(4, 3).replayCommand()).isEqualTo("bin/synod sim --seed 4 --replicas 3 --rebuilds");
    assertThat(SimOptions.readLeases(4, 3).replayCommand())
        .isEqualTo("bin/synod sim --seed 4 --replicas 3 --read-leases");
  }
}
