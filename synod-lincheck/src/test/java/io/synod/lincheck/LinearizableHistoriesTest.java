package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LinearizableHistoriesTest {
  @Test
  void emptyHistoryIsLinearizable() {
    CheckResult result = new KvHistory().check();
    assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void sequentialHistory() {
    CheckResult result = new KvHistory()
        .get(0, 0, 1, "x", null)
        .put(0, 2, 3, "x", "1")
        .get(1, 4, 5, "x", "1")
        .cas(1, 6, 7, "x", "1", "2", true)
        .cas(0, 8, 9, "x", "1", "3", false)
        .delete(0, 10, 11, "x", true)
        .delete(1, 12, 13, "x", false)
        .get(0, 14, 15, "x", null)
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void readDuringOverlappingWritesMaySeeEitherValue() {
    for (String seen : new String[] {"1", "2"}) {
      CheckResult result = new KvHistory()
          .put(0, 0, 10, "x", "1")
          .put(1, 0, 10, "x", "2")
          .get(2, 11, 12, "x", seen)
          .check();
      assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
    }
  }

  @Test
  void readOverlappingAWriteMaySeeOldOrNewValue() {
    for (String seen : new String[] {"1", "2"}) {
      CheckResult result = new KvHistory()
          .put(0, 0, 1, "x", "1")
          .put(0, 2, 10, "x", "2")
          .get(1, 3, 5, "x", seen)
          .check();
      assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
    }
  }

  @Test
  void writeThatLinearizesAfterALaterCalledWrite() {
    // Client 0's put is called first but must take effect last for the final read.
    CheckResult result = new KvHistory()
        .put(0, 0, 10, "x", "1")
        .put(1, 2, 8, "x", "2")
        .get(2, 11, 12, "x", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void casRaceWhereExactlyOneSucceeds() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "lock", "free")
        .cas(1, 2, 10, "lock", "free", "a", false)
        .cas(2, 3, 9, "lock", "free", "b", true)
        .cas(3, 4, 8, "lock", "free", "c", false)
        .get(0, 11, 12, "lock", "b")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void touchingIntervalsAreConcurrent() {
    // The read returns at the instant the write is called, so either order is allowed.
    CheckResult result = new KvHistory()
        .get(0, 0, 5, "x", "1")
        .put(1, 5, 9, "x", "1")
        .check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void summaryCountsOperationsAndPartitions() {
    CheckResult result = new KvHistory()
        .put(0, 0, 1, "x", "1")
        .put(0, 2, 3, "y", "1")
        .unknown(1, 0, KvInput.get("x"))
        .check();
    assertThat(result.explanation())
        .isEqualTo("linearizable: 3 operations (1 with unknown outcome) in 2 partitions");
  }
}
