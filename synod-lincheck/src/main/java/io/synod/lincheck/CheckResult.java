package io.synod.lincheck;

import io.synod.common.Ensure;

/**
 * A verdict with a human-readable explanation: a summary when linearizable, a counterexample when
 * not, and the partition that ran out of budget when undecided.
 */
public record CheckResult(Verdict verdict, String explanation) {
  public CheckResult {
    Ensure.notNull(verdict, "verdict");
    Ensure.notNull(explanation, "explanation");
  }

  public boolean linearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  @Override
  public String toString() {
    return verdict + ": " + explanation;
  }
}
