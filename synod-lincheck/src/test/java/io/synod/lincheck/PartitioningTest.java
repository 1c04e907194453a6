package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitioningTest {
  @Test
  void violationOnOneKeyReportsThatKey() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "a", "1")
        .put(1, 0, 1, "b", "1")
        .put(2, 0, 1, "c", "1")
        .get(0, 2, 3, "a", "1")
        .put(1, 2, 3, "b", "2")
        .get(2, 2, 3, "c", "1")
        .get(0, 4, 5, "b", "1")
        .get(1, 4, 5, "a", "1")
        .get(2, 4, 5, "c", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).startsWith("partition b:").contains("get(b) -> 1");
    assertThat(result.explanation()).doesNotContain("(a)").doesNotContain("(c)");
  }

  @Test
  void keysAreIndependent() {
    // Interleaving that would be impossible on one register is fine across two keys.
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "a", "1")
        .put(0, 2, 3, "b", "2")
        .get(1, 4, 5, "a", "1")
        .get(1, 6, 7, "b", "2")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void unpartitionedModelChecksEverythingTogether() {
    // A register model that ignores keys: the reads of 1 after 2 was written must fail.
    Model<KvModel.State, KvInput, KvOutput> oneRegister = new Model<>() {
      private final KvModel kv = new KvModel();

      @Override
      public KvModel.State initialState() {
        return kv.initialState();
      }

      @Override
      public KvModel.State step(KvModel.State state, KvInput input, KvOutput output) {
        return kv.step(state, input, output);
      }

      @Override
      public KvModel.State stepUnknown(KvModel.State state, KvInput input) {
        return kv.stepUnknown(state, input);
      }

      @Override
      public Object partition(KvInput input) {
        return "all";
      }
    };
    KvHistory h = new KvHistory()
        .put(0, 0, 1, "a", "1")
        .put(0, 2, 3, "b", "2")
        .get(1, 4, 5, "a", "1");
    CheckResult result = LinearizabilityChecker.check(h.history, oneRegister);
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .startsWith("partition all:")
        // The model has no describe() of its own, so the default rendering is used.
        .contains("KvInput[kind=GET, key=a, value=null, expected=null]"
            + " -> KvOutput[value=1, flag=false]");
  }
}
