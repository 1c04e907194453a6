package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.lincheck.KvModel.State;
import org.junit.jupiter.api.Test;

class KvModelTest {
  private final KvModel model = new KvModel();
  private final State absent = State.ABSENT;
  private final State one = new State("1");

  @Test
  void getMustReadTheCurrentValue() {
    assertThat(model.step(one, KvInput.get("x"), KvOutput.value("1"))).isEqualTo(one);
    assertThat(model.step(one, KvInput.get("x"), KvOutput.value("2"))).isNull();
    assertThat(model.step(absent, KvInput.get("x"), KvOutput.value(null))).isEqualTo(absent);
  }

  @Test
  void deleteReportsWhetherTheKeyExisted() {
    assertThat(model.step(one, KvInput.delete("x"), KvOutput.flag(true))).isEqualTo(absent);
    assertThat(model.step(one, KvInput.delete("x"), KvOutput.flag(false))).isNull();
    assertThat(model.step(absent, KvInput.delete("x"), KvOutput.flag(false))).isEqualTo(absent);
  }

  @Test
  void casSucceedsExactlyWhenExpectedMatches() {
    State two = new State("2");
    assertThat(model.step(one, KvInput.cas("x", "1", "2"), KvOutput.flag(true))).isEqualTo(two);
    assertThat(model.step(one, KvInput.cas("x", "1", "2"), KvOutput.flag(false))).isNull();
    assertThat(model.step(one, KvInput.cas("x", null, "2"), KvOutput.flag(false))).isEqualTo(one);
    assertThat(model.step(absent, KvInput.cas("x", null, "2"), KvOutput.flag(true))).isEqualTo(two);
  }

  @Test
  void unknownOutcomesApplyTheirEffect() {
    assertThat(model.stepUnknown(one, KvInput.get("x"))).isEqualTo(one);
    assertThat(model.stepUnknown(one, KvInput.put("x", "3"))).isEqualTo(new State("3"));
    assertThat(model.stepUnknown(one, KvInput.delete("x"))).isEqualTo(absent);
    assertThat(model.stepUnknown(one, KvInput.cas("x", "1", "4"))).isEqualTo(new State("4"));
    assertThat(model.stepUnknown(one, KvInput.cas("x", "9", "4"))).isEqualTo(one);
  }

  @Test
  void statesHaveValueEquality() {
    assertThat(new State("1")).isEqualTo(one).hasSameHashCodeAs(one).isNotEqualTo(absent);
    assertThat(new State(null)).isEqualTo(absent).hasSameHashCodeAs(absent);
    assertThat(absent).hasToString("absent");
    assertThat(one).hasToString("1");
  }

  @Test
  void describesOperationsReadably() {
    assertThat(model.describe(KvInput.get("x"), KvOutput.value(null)))
        .isEqualTo("get(x) -> absent");
    assertThat(model.describe(KvInput.put("x", "1"), KvOutput.ok())).isEqualTo("put(x, 1) -> ok");
    assertThat(model.describe(KvInput.put("x", "1"), null)).isEqualTo("put(x, 1) -> ?");
    assertThat(model.describe(KvInput.delete("x"), KvOutput.flag(true)))
        .isEqualTo("delete(x) -> existed");
    assertThat(model.describe(KvInput.cas("x", null, "1"), KvOutput.flag(false)))
        .isEqualTo("cas(x, absent -> 1) -> failed");
  }

  @Test
  void partitionsByKey() {
    assertThat(model.partition(KvInput.get("x"))).isEqualTo("x");
    assertThat(model.partition(KvInput.cas("y", null, "1"))).isEqualTo("y");
  }
}
