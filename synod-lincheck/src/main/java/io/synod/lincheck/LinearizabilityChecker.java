package io.synod.lincheck;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a concurrent history is linearizable with respect to a sequential model.
 *
 * <p>The history is split by {@link Model#partition}: a history of independent objects is
 * linearizable iff each object's sub-history is (Herlihy and Wing's locality), so each partition is
 * searched on its own, which keeps every search small. Each search is Wing and Gong's backtracking
 * over candidate next operations with Lowe's memoization of explored configurations (see
 * {@link PartitionSearch}).
 *
 * <p>Operation A must precede operation B iff A returned strictly before B was called. An operation
 * whose outcome is unknown never returns: it may take effect at any time after its call, or never,
 * so the search needs to linearize only the completed operations.
 */
public final class LinearizabilityChecker {
  /**
   * The default search budget per partition. A memo entry takes on the order of a hundred bytes,
   * so this bounds a partition's search to a few hundred megabytes.
   */
  public static final long DEFAULT_MAX_STATES_PER_PARTITION = 2_000_000;

  /** How many undecided partitions a budget report names. */
  private static final int MAX_UNDECIDED_SHOWN = 10;

  private static final Comparator<Operation<?, ?>> BY_CALL_THEN_ID =
      Comparator.comparingLong((Operation<?, ?> o) -> o.call()).thenComparingLong(Operation::id);

  private LinearizabilityChecker() {}

  /** Checks with {@link #DEFAULT_MAX_STATES_PER_PARTITION}. */
  public static <S, I, O> CheckResult check(History<I, O> history, Model<S, I, O> model) {
    return check(history, model, DEFAULT_MAX_STATES_PER_PARTITION);
  }

  /**
   * Checks {@code history} against {@code model}, spending at most {@code maxStatesPerPartition}
   * search states (memo entries plus the intermediate states of unknown-outcome runs) on each
   * partition. A partition that needs more makes the result {@link Verdict#BUDGET_EXCEEDED},
   * unless another partition is found not linearizable. Partitions are searched in the order of
   * their first operation, and the first one found not linearizable is reported.
   */
  public static <S, I, O> CheckResult check(
      History<I, O> history, Model<S, I, O> model, long maxStatesPerPartition) {
    Ensure.notNull(history, "history");
    Ensure.notNull(model, "model");
    Ensure.argument(maxStatesPerPartition > 0, "maxStatesPerPartition must be positive");
    List<Operation<I, O>> ops = history.snapshot();
    Map<Object, List<Operation<I, O>>> partitions = partition(ops, model);

    List<String> undecided = new ArrayList<>();
    for (Map.Entry<Object, List<Operation<I, O>>> p : partitions.entrySet()) {
      List<Operation<I, O>> sorted = new ArrayList<>(p.getValue());
      sorted.sort(BY_CALL_THEN_ID);
      PartitionOutcome outcome = new PartitionSearch<>(model, sorted, maxStatesPerPartition).run();
      if (outcome.verdict() == Verdict.NOT_LINEARIZABLE) {
        // One bad partition decides the whole history, so the others need not be searched.
        return new CheckResult(
            Verdict.NOT_LINEARIZABLE,
            Counterexample.explain(model, p.getKey(), sorted, outcome.longestPrefix()));
      }
      if (outcome.verdict() == Verdict.BUDGET_EXCEEDED) {
        undecided.add(undecidedLine(p.getKey(), sorted, outcome, maxStatesPerPartition));
      }
    }
    if (!undecided.isEmpty()) {
      return new CheckResult(Verdict.BUDGET_EXCEEDED, undecidedReport(undecided, partitions.size()));
    }
    long unknown = ops.stream().filter(o -> !o.completed()).count();
    return new CheckResult(
        Verdict.LINEARIZABLE,
        "linearizable: " + ops.size() + " operations (" + unknown + " with unknown outcome) in "
            + partitions.size() + " partitions");
  }

  /** Groups operations by partition key, keeping partitions in order of their first operation. */
  private static <S, I, O> Map<Object, List<Operation<I, O>>> partition(
      List<Operation<I, O>> ops, Model<S, I, O> model) {
    Map<Object, List<Operation<I, O>>> out = new LinkedHashMap<>();
    for (Operation<I, O> o : ops) {
      out.computeIfAbsent(model.partition(o.input()), k -> new ArrayList<>()).add(o);
    }
    return out;
  }

  private static String undecidedLine(
      Object key, List<? extends Operation<?, ?>> ops, PartitionOutcome outcome, long budget) {
    long completed = ops.stream().filter(Operation::completed).count();
    return "partition " + key + ": more than " + budget + " search states, having linearized at"
        + " most " + outcome.linearizedCompleted() + " of its " + completed
        + " completed operations";
  }

  private static String undecidedReport(List<String> undecided, int partitions) {
    StringBuilder out = new StringBuilder("undecided: the search budget ran out in ")
        .append(undecided.size()).append(" of ").append(partitions).append(" partitions\n");
    for (String line : undecided.subList(0, Math.min(MAX_UNDECIDED_SHOWN, undecided.size()))) {
      out.append("  ").append(line).append('\n');
    }
    if (undecided.size() > MAX_UNDECIDED_SHOWN) {
      out.append("  ... ").append(undecided.size() - MAX_UNDECIDED_SHOWN).append(" more\n");
    }
    return out.toString();
  }
}
