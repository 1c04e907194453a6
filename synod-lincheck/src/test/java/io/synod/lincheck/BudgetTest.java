package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BudgetTest {
  /** Twelve fully concurrent writes followed by a read: the search must consider their subsets. */
  private static KvHistory concurrentWritesThenRead(String key, String read) {
    KvHistory h = new KvHistory();
    for (int i = 0; i < 12; i++) {
      h.put(i, i, 100, key, "v" + i);
    }
    return h.get(0, 200, 201, key, read);
  }

  @Test
  void tinyBudgetIsExceededOnAHardNonLinearizableHistory() {
    CheckResult result = concurrentWritesThenRead("x", "never-written").check(1_000);
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.BUDGET_EXCEEDED);
    assertThat(result.linearizable()).isFalse();
    assertThat(result.explanation())
        .contains("partition x")
        .contains("more than 1000 search states");
  }

  @Test
  void tinyBudgetIsExceededRatherThanAFalseVerdictOnALinearizableHistory() {
    // The read sees the first-called write, so the greedy order must be undone almost entirely.
    CheckResult result = concurrentWritesThenRead("x", "v0").check(50);
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.BUDGET_EXCEEDED);
  }

  @Test
  void sameHistoryIsDecidedWithEnoughBudget() {
    CheckResult result = concurrentWritesThenRead("x", "v0").check();
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void definiteViolationElsewhereWinsOverAnExceededBudget() {
    KvHistory h = concurrentWritesThenRead("x", "never-written");
    h.put(0, 300, 301, "y", "1").get(1, 302, 303, "y", "2");
    CheckResult result = h.check(1_000);
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).startsWith("partition y:");
  }
}
