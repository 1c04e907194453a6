package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReadLeaseConfigTest {
  private static final long MS = 1_000_000L;

  @Test
  void grantorHoldsLongerThanAnyHolderCanRelyOnInRealTime() {
    ReadLeaseConfig c = ReadLeaseConfig.defaults();
    // The holder's D on a clock running slow by rho lasts D/(1-rho) real time; the grantor's hold on
    // a clock running fast by rho lasts hold/(1+rho). The second must exceed the first.
    double holderReal = c.durationNanos() / (1 - c.rho());
    double grantorReal = c.holdNanos() / (1 + c.rho());
    assertThat(grantorReal).isGreaterThan(holderReal);
    assertThat(c.holdNanos()).isGreaterThan(c.durationNanos());
  }

  @Test
  void validateNamesTheBrokenRelation() {
    ReadLeaseConfig c = ReadLeaseConfig.defaults();
    assertThatThrownBy(() -> c.withTimes(900 * MS, 500 * MS).validate(100 * MS))
        .hasMessageContaining("two renewal intervals");
    assertThatThrownBy(() -> c.withTimes(500 * MS, 100 * MS).validate(100 * MS))
        .hasMessageContaining("10 heartbeat intervals");
    assertThatThrownBy(() -> c.withRho(0.2).validate(100 * MS)).hasMessageContaining("rho");
    assertThat(c.validate(100 * MS)).isSameAs(c);
  }

  @Test
  void paxosConfigChecksReadLeasesOnlyWhenOn() {
    PaxosConfig base = PaxosConfig.defaults(1, Configuration.ofSize(3));
    PaxosConfig broken = base.withReadLeases(ReadLeaseConfig.defaults().withTimes(100 * MS, 100 * MS));
    assertThatThrownBy(broken::validate).isInstanceOf(IllegalArgumentException.class);
    assertThat(base.withReadLeases(ReadLeaseConfig.off().withTimes(100 * MS, 100 * MS)).validate()).isNotNull();
  }
}
