package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WalConfigTest {
  @Test
  void defaultsAndSmallAreValid() {
    assertThat(WalConfig.defaults().validate()).isNotNull();
    assertThat(WalConfig.small().validate()).isNotNull();
  }

  @Test
  void relationsBetweenLimitsAreChecked() {
    WalConfig d = WalConfig.defaults();
    assertThatThrownBy(() -> d.withSegmentBytes(d.recordBytesMax()).validate())
        .hasMessageContaining("one record of recordBytesMax");
    assertThatThrownBy(() -> new WalConfig(
        d.segmentBytes(), d.writeBufferBytes(), d.recordBytesMax(), d.recordBytesMax(), d.segmentsMax(),
        d.queueRecordsMax(), d.queueBytesMax(), d.closeTimeoutNanos(), 1, 1).validate())
        .hasMessageContaining("readBufferBytes");
    assertThatThrownBy(() -> d.withQueue(0, d.queueBytesMax()).validate()).hasMessageContaining("queueRecordsMax");
    assertThatThrownBy(() -> d.withQueue(1, 1).validate()).hasMessageContaining("queueBytesMax");
    assertThatThrownBy(() -> d.withSnapshotsRetained(0).validate()).hasMessageContaining("snapshotsRetained");
    assertThatThrownBy(() -> d.withSegmentsMax(1).validate()).hasMessageContaining("segmentsMax");
  }
}
