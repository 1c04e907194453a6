package io.synod.lincheck;

/** The outcome of a linearizability check. */
public enum Verdict {
  /** Some real-time-respecting sequential order explains every completed operation. */
  LINEARIZABLE,
  /** No such order exists; the explanation holds a counterexample. */
  NOT_LINEARIZABLE,
  /** The search gave up before deciding; this is never a claim either way. */
  BUDGET_EXCEEDED
}
