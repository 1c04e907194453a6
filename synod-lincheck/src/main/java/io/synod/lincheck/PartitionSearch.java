package io.synod.lincheck;

import io.synod.common.Ensure;
import io.synod.lincheck.UnknownRuns.Run;
import java.util.ArrayList;
import java.util.List;

/**
 * The Wing–Gong search with Lowe's memoization over one partition, iterative so that long
 * histories cannot overflow the stack.
 *
 * <p>Each step linearizes one completed operation, optionally preceded by a run of unknown-outcome
 * operations that take effect just before it (see {@link UnknownRuns}). Runs are tried only after
 * the completed candidates failed on the current state, since they are rarely needed. The search
 * succeeds as soon as every completed operation is linearized: unknown-outcome operations left
 * over simply never took effect.
 *
 * <p>The budget counts memo entries plus run states computed, so it bounds both memory and time.
 */
final class PartitionSearch<S, I, O> {
  private static final int[] NO_RUN = new int[0];

  private final Model<S, I, O> model;
  private final List<Operation<I, O>> ops;
  private final long budget;
  private final EntryList list;
  /** For each operation, its index in {@link #completedBits} or {@link #unknownBits}. */
  private final int[] bitOf;
  private final int completedCount;
  private final long[] completedBits;
  private final long[] unknownBits;
  private final long[] scratchUnknown;
  private final Memo memo = new Memo();
  private final UnknownRuns<S, I, O> runs;
  private final ArrayList<Frame<S>> stack = new ArrayList<>();

  private long memoEntries;
  private int linearizedCompleted;
  private int deepest;
  private boolean deepestUnsaved;
  /** The path to the deepest configuration saved so far, as frames from the stack. */
  private final ArrayList<Frame<S>> deepestFrames = new ArrayList<>();
  /** How many leading frames of {@link #deepestFrames} are still the ones on the stack. */
  private int deepestShared;

  /** Prepares a search over {@code ops}, which must be sorted by call time. */
  PartitionSearch(Model<S, I, O> model, List<Operation<I, O>> ops, long budget) {
    this.model = model;
    this.ops = ops;
    this.budget = budget;
    this.list = new EntryList(ops);
    this.bitOf = new int[ops.size()];
    int completed = 0;
    int unknown = 0;
    for (int i = 0; i < ops.size(); i++) {
      bitOf[i] = ops.get(i).completed() ? completed++ : unknown++;
    }
    this.completedCount = completed;
    this.completedBits = Bits.create(completed);
    this.unknownBits = Bits.create(unknown);
    this.scratchUnknown = Bits.create(unknown);
    this.runs = new UnknownRuns<>(model, ops, bitOf, unknown);
  }

  PartitionOutcome run() {
    S initial = model.initialState();
    Ensure.that(initial != null, "model.initialState() returned null");
    memoEntries = 1;
    memo.add(completedBits, initial, unknownBits);
    if (completedCount == 0) {
      return outcome(Verdict.LINEARIZABLE);
    }
    stack.add(new Frame<>(initial, -1, NO_RUN));
    while (true) {
      Frame<S> top = stack.get(stack.size() - 1);
      Child<S> child = nextChild(top);
      if (overBudget()) {
        return outcome(Verdict.BUDGET_EXCEEDED);
      }
      if (child != null) {
        enter(child);
        if (linearizedCompleted == completedCount) {
          return outcome(Verdict.LINEARIZABLE);
        }
        if (linearizedCompleted > deepest) {
          deepest = linearizedCompleted;
          deepestUnsaved = true;
        }
        continue;
      }
      // Every continuation of this configuration failed. Before undoing the deepest configuration
      // reached so far, save its path: it is the longest linearizable prefix for the report.
      if (deepestUnsaved) {
        saveDeepest();
      }
      stack.remove(stack.size() - 1);
      deepestShared = Math.min(deepestShared, stack.size());
      if (stack.isEmpty()) {
        return outcome(Verdict.NOT_LINEARIZABLE);
      }
      leave(top);
    }
  }

  private long states() {
    return memoEntries + runs.computed();
  }

  private boolean overBudget() {
    return states() > budget;
  }

  /**
   * The next unexplored child of {@code frame}, or null when there is none (or the budget ran out).
   * Children are tried in a fixed order: first each completed candidate on the frame's own state,
   * then the same after each unknown-outcome run, in the order the runs were generated.
   */
  private Child<S> nextChild(Frame<S> frame) {
    if (frame.runs == null) {
      // Walk the list itself: on the common path the first candidate succeeds, so this is cheap.
      for (int e = list.next(frame.cursor); list.isCall(e); e = list.next(e)) {
        int op = list.op(e);
        Operation<I, O> o = ops.get(op);
        if (!o.completed()) {
          continue;
        }
        S after = model.step(frame.state, o.input(), o.output());
        if (after != null && remember(op, Bits.NONE, after)) {
          frame.cursor = e;
          return new Child<>(op, NO_RUN, after);
        }
        if (overBudget()) {
          return null;
        }
      }
      if (!prepareRuns(frame)) {
        return null;
      }
    }
    // Every run is tried against the same candidates, so they were collected once into an array
    // rather than walking past the pending unknown-outcome entries again for every run.
    while (frame.runIndex < frame.runs.size()) {
      Run<S> r = frame.runs.get(frame.runIndex);
      while (frame.candidateIndex < frame.candidates.length) {
        int op = frame.candidates[frame.candidateIndex++];
        Operation<I, O> o = ops.get(op);
        S after = model.step(r.state(), o.input(), o.output());
        if (after != null
            && !commutes(frame.state, o, r.ops(), after)
            && remember(op, r.bits(), after)) {
          return new Child<>(op, r.ops(), after);
        }
        if (overBudget()) {
          return null;
        }
      }
      frame.runIndex++;
      frame.candidateIndex = 0;
    }
    return null;
  }

  /**
   * Collects the frame's completed candidates and the runs of its pending unknown-outcome
   * operations; false if the budget ran out. The list is in the frame's own shape here, since every
   * child entered so far has been undone.
   */
  private boolean prepareRuns(Frame<S> frame) {
    int completed = 0;
    int unknown = 0;
    for (int e = list.next(EntryList.HEAD); list.isCall(e); e = list.next(e)) {
      if (ops.get(list.op(e)).completed()) {
        completed++;
      } else {
        unknown++;
      }
    }
    int[] candidates = new int[completed];
    int[] pending = new int[unknown];
    completed = 0;
    unknown = 0;
    for (int e = list.next(EntryList.HEAD); list.isCall(e); e = list.next(e)) {
      if (ops.get(list.op(e)).completed()) {
        candidates[completed++] = list.op(e);
      } else {
        pending[unknown++] = list.op(e);
      }
    }
    frame.candidates = candidates;
    frame.runs = runs.from(frame.state, pending, budget - states());
    return frame.runs != null;
  }

  /**
   * Whether taking {@code run} and then {@code o} from {@code state} ends where taking {@code o}
   * first and {@code run} after it does. If so, the child is redundant: the same child without the
   * run was tried first, and its own runs include this one, so every continuation of this child is
   * a continuation of that one. This keeps pass-through operations (reads, failed CAS) from being
   * retried once after every pending unknown-outcome operation.
   */
  private boolean commutes(S state, Operation<I, O> o, int[] run, S after) {
    S s = model.step(state, o.input(), o.output());
    for (int i = 0; s != null && i < run.length; i++) {
      s = model.stepUnknown(s, ops.get(run[i]).input());
    }
    return after.equals(s);
  }

  /** Records the child configuration in the memo; false if an explored one dominates it. */
  private boolean remember(int op, long[] runBits, S after) {
    Bits.set(completedBits, bitOf[op]);
    long[] unknown = unknownBits;
    if (runBits.length > 0) {
      Bits.or(unknownBits, runBits, scratchUnknown);
      unknown = scratchUnknown;
    }
    boolean fresh = memo.add(completedBits, after, unknown);
    Bits.clear(completedBits, bitOf[op]);
    if (fresh) {
      memoEntries++;
    }
    return fresh;
  }

  private void enter(Child<S> child) {
    for (int op : child.run) {
      list.lift(op);
      Bits.set(unknownBits, bitOf[op]);
    }
    list.lift(child.op);
    Bits.set(completedBits, bitOf[child.op]);
    linearizedCompleted++;
    stack.add(new Frame<>(child.state, child.op, child.run));
  }

  private void leave(Frame<S> frame) {
    list.unlift(frame.op);
    Bits.clear(completedBits, bitOf[frame.op]);
    linearizedCompleted--;
    for (int i = frame.run.length - 1; i >= 0; i--) {
      list.unlift(frame.run[i]);
      Bits.clear(unknownBits, bitOf[frame.run[i]]);
    }
  }

  /**
   * Saves the current path as the deepest one. Only the frames that changed since the last save are
   * copied, so saving stays cheap even when the search backtracks a little after every new depth.
   */
  private void saveDeepest() {
    while (deepestFrames.size() > deepestShared) {
      deepestFrames.remove(deepestFrames.size() - 1);
    }
    deepestFrames.addAll(stack.subList(deepestShared, stack.size()));
    deepestShared = stack.size();
    deepestUnsaved = false;
  }

  /** The operations on the saved deepest path, in order, each run before its operation. */
  private int[] deepestPath() {
    int length = 0;
    for (int i = 1; i < deepestFrames.size(); i++) {
      length += deepestFrames.get(i).run.length + 1;
    }
    int[] path = new int[length];
    int at = 0;
    for (int i = 1; i < deepestFrames.size(); i++) {
      Frame<S> f = deepestFrames.get(i);
      for (int op : f.run) {
        path[at++] = op;
      }
      path[at++] = f.op;
    }
    return path;
  }

  private PartitionOutcome outcome(Verdict verdict) {
    int[] prefix = verdict == Verdict.NOT_LINEARIZABLE ? deepestPath() : NO_RUN;
    int reached = verdict == Verdict.LINEARIZABLE ? completedCount : deepest;
    return new PartitionOutcome(verdict, prefix, reached, states());
  }

  /** A configuration on the search path and how far its children have been explored. */
  private static final class Frame<S> {
    final S state;
    /** The completed operation linearized to reach this frame; -1 at the root. */
    final int op;
    /** Unknown-outcome operations linearized just before {@link #op}, in order. */
    final int[] run;
    /** The entry of the candidate last tried on {@link #state}; the next one tried follows it. */
    int cursor = EntryList.HEAD;
    /** Unknown-outcome runs from this state; null until the candidates on the state are used up. */
    List<Run<S>> runs;
    /** The completed candidates, in list order, once {@link #runs} is set. */
    int[] candidates;
    /** The run being tried. */
    int runIndex;
    /** The next candidate to try after the run being tried. */
    int candidateIndex;

    Frame(S state, int op, int[] run) {
      this.state = state;
      this.op = op;
      this.run = run;
    }
  }

  /** A child configuration to enter. */
  private record Child<S>(int op, int[] run, S state) {}
}
