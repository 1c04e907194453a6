package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnknownOutcomeTest {
  @Test
  void timedOutPutWhoseValueIsLaterRead() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .unknown(1, 2, KvInput.put("x", "2"))
        .get(2, 50, 51, "x", "2")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void timedOutPutThatNobodyReads() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .unknown(1, 2, KvInput.put("x", "2"))
        .get(2, 50, 51, "x", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void pendingOperationsAreTreatedAsUnknown() {
    CheckResult result = new KvHistory()
        .pending(1, 2, KvInput.put("x", "2"))
        .get(2, 50, 51, "x", "2")
        .get(2, 52, 53, "x", "2")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void readOfAValueWhoseOnlyWriterWasInvokedAfterTheReadReturned() {
    CheckResult result = new KvHistory()
        .get(0, 0, 5, "x", "2")
        .unknown(1, 6, KvInput.put("x", "2"))
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("partition x").contains("get(x) -> 2");
  }

  @Test
  void unknownOperationTakesEffectAtMostOnce() {
    // The value 2 reappears after 3 overwrote it, which would need the timed-out put twice.
    CheckResult result = new KvHistory()
        .unknown(0, 0, KvInput.put("x", "2"))
        .get(1, 1, 2, "x", "2")
        .put(1, 3, 4, "x", "3")
        .get(1, 5, 6, "x", "2")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("took effect here");
  }

  @Test
  void severalTimedOutWritesCanTakeEffectInAnyOrder() {
    CheckResult result = new KvHistory()
        .unknown(0, 0, KvInput.put("x", "1"))
        .unknown(1, 0, KvInput.put("x", "2"))
        .unknown(2, 0, KvInput.put("x", "3"))
        .get(3, 10, 11, "x", "3")
        .get(3, 12, 13, "x", "1")
        .get(3, 14, 15, "x", "2")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void timedOutCasAndDeleteTakeEffectOnlyWhenConsistent() {
    CheckResult linearizable = new KvHistory()
        .put(0, 0, 1, "x", "a")
        .unknown(1, 2, KvInput.cas("x", "a", "b"))
        .unknown(2, 2, KvInput.delete("x"))
        .get(0, 10, 11, "x", "b")
        .get(0, 12, 13, "x", null)
        .check();
    assertThat(linearizable.verdict())
        .as(linearizable.explanation())
        .isEqualTo(Verdict.LINEARIZABLE);

    // The CAS can only succeed from "a", and nothing restores "a" after the delete.
    CheckResult not = new KvHistory()
        .put(0, 0, 1, "x", "a")
        .unknown(1, 2, KvInput.cas("x", "a", "b"))
        .unknown(2, 2, KvInput.delete("x"))
        .get(0, 10, 11, "x", null)
        .get(0, 12, 13, "x", "b")
        .check();
    assertThat(not.verdict()).as(not.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void explanationShowsUnknownOperationsThatTookEffectAndThoseStillPending() {
    CheckResult result = new KvHistory()
        .unknown(0, 0, KvInput.put("x", "2"))
        .get(1, 1, 2, "x", "2")
        .put(1, 3, 4, "x", "3")
        .unknown(2, 3, KvInput.put("x", "5"))
        .unknown(3, 3, KvInput.get("x"))
        .get(1, 5, 6, "x", "2")
        .check();
    assertThat(result.explanation()).isEqualTo(String.join("\n",
        "partition x: no linearization exists for its 6 operations"
            + " (3 completed, 3 with unknown outcome)",
        "longest linearizable prefix found: 2 of 3 completed operations,"
            + " with 1 unknown-outcome operation(s) taking effect:",
        "  1. #0 client 0 [0..?] put(x, 2) -> ?  (outcome unknown; took effect here)",
        "  2. #1 client 1 [1..2] get(x) -> 2",
        "  3. #2 client 1 [3..4] put(x, 3) -> ok",
        "model state after the prefix: 3",
        "operations that could not be linearized next:",
        "  #5 client 1 [5..6] get(x) -> 2",
        "      rejected: the model does not allow this output in state 3",
        "no order of the pending unknown-outcome operations makes any of them possible;"
            + " those that would change the state here:",
        "  #3 client 2 [3..?] put(x, 5) -> ?",
        "  (and 1 that would change nothing here)",
        ""));
  }
}
