package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistoryTest {
  @Test
  void returnBeforeCallIsACallerBug() {
    History<KvInput, KvOutput> h = new History<>();
    long id = h.invoke(0, KvInput.get("x"), 10);
    assertThatThrownBy(() -> h.ok(id, KvOutput.value(null), 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("before its call");
  }

  @Test
  void operationFinishesOnlyOnce() {
    History<KvInput, KvOutput> h = new History<>();
    long id = h.invoke(0, KvInput.put("x", "1"), 10);
    h.ok(id, KvOutput.ok(), 11);
    assertThatThrownBy(() -> h.ok(id, KvOutput.ok(), 12))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> h.unknown(id)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownIdsAreRejected() {
    History<KvInput, KvOutput> h = new History<>();
    assertThatThrownBy(() -> h.ok(0, KvOutput.ok(), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> h.unknown(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void idsCountUpAndSizeCountsInvocations() {
    History<KvInput, KvOutput> h = new History<>();
    assertThat(h.invoke(0, KvInput.get("x"), 0)).isEqualTo(0);
    assertThat(h.invoke(1, KvInput.get("y"), 0)).isEqualTo(1);
    assertThat(h.size()).isEqualTo(2);
  }

  @Test
  void capacityIsEnforced() {
    History<KvInput, KvOutput> h = new History<>(1);
    h.invoke(0, KvInput.get("x"), 0);
    assertThatThrownBy(() -> h.invoke(0, KvInput.get("x"), 1))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void snapshotTreatsPendingAsUnknown() {
    History<KvInput, KvOutput> h = new History<>();
    h.ok(h.invoke(0, KvInput.put("x", "1"), 0), KvOutput.ok(), 1);
    h.invoke(1, KvInput.put("x", "2"), 2);
    assertThat(h.snapshot())
        .extracting(Operation::completed)
        .containsExactly(true, false);
  }

  @Test
  void badBudgetIsRejected() {
    History<KvInput, KvOutput> h = new History<>();
    assertThatThrownBy(() -> LinearizabilityChecker.check(h, new KvModel(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
