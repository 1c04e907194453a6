package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NonLinearizableHistoriesTest {
  @Test
  void staleReadAfterCompletedWrite() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .put(0, 2, 3, "x", "2")
        .get(1, 4, 5, "x", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.linearizable()).isFalse();
    assertThat(result.explanation())
        .contains("partition x")
        .contains("#2 client 1 [4..5] get(x) -> 1")
        .contains("model state after the prefix: 2");
  }

  @Test
  void twoCasFromTheSameExpectedValueBothSucceed() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "lock", "free")
        .cas(1, 2, 10, "lock", "free", "a", true)
        .cas(2, 3, 9, "lock", "free", "b", true)
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("partition lock")
        .contains("cas(lock, free -> a) -> succeeded")
        .contains("cas(lock, free -> b) -> succeeded");
  }

  @Test
  void readOfAValueNeverWritten() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .get(1, 0, 5, "x", "7")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("partition x").contains("get(x) -> 7");
  }

  @Test
  void deleteReportsAbsentWhenTheKeyCertainlyExisted() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .delete(1, 2, 3, "x", false)
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("partition x").contains("delete(x) -> was absent");
  }

  @Test
  void readThatGoesBackInTime() {
    // Once a reader has seen 2, a later reader may not see the older 1.
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .put(0, 2, 20, "x", "2")
        .get(1, 3, 4, "x", "2")
        .get(2, 5, 6, "x", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void explanationShowsPrefixStateAndRejectedCandidates() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .put(0, 2, 3, "x", "2")
        .get(1, 4, 5, "x", "1")
        .check();
    assertThat(result.explanation()).isEqualTo(String.join("\n",
        "partition x: no linearization exists for its 3 operations"
            + " (3 completed, 0 with unknown outcome)",
        "longest linearizable prefix found: 2 of 3 completed operations:",
        "  1. #0 client 0 [0..1] put(x, 1) -> ok",
        "  2. #1 client 0 [2..3] put(x, 2) -> ok",
        "model state after the prefix: 2",
        "operations that could not be linearized next:",
        "  #2 client 1 [4..5] get(x) -> 1",
        "      rejected: the model does not allow this output in state 2",
        ""));
  }

  @Test
  void explanationIsDeterministic() {
    String first = twoKeysWithConcurrentViolations().check().explanation();
    for (int i = 0; i < 5; i++) {
      assertThat(twoKeysWithConcurrentViolations().check().explanation()).isEqualTo(first);
    }
  }

  private static KvHistory twoKeysWithConcurrentViolations() {
    return new KvHistory()
        .put(0, 0, 10, "y", "1")
        .put(1, 1, 9, "y", "2")
        .put(2, 2, 8, "y", "3")
        .get(3, 11, 12, "y", "4")
        .get(4, 13, 14, "z", "5")
        .unknown(0, 12, KvInput.put("y", "6"));
  }
}
