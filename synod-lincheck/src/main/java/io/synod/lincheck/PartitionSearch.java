package io.synod.lincheck;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The Wing–Gong search with Lowe's memoization over one partition, iterative so that long
 * histories cannot overflow the stack.
 *
 * <p>Each search step linearizes one completed operation, optionally preceded by a run of
 * unknown-outcome operations that take effect just before it. The runs are tried only after the
 * completed candidates failed on the current state (they are rarely needed), and are generated
 * breadth first with dominance pruning, so for a register-like model there is one run per distinct
 * resulting state rather than one per subset of pending operations. The search succeeds as soon as
 * every completed operation is linearized: unknown-outcome operations left over never took effect.
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
  private final int unknownCount;
  private final long[] completedBits;
  private final long[] unknownBits;
  private final long[] scratchUnknown;
  private final Memo memo = new Memo();
  private final ArrayList<Frame<S>> stack = new ArrayList<>();

  private long states;
  static java.util.TreeMap<String, Long> kinds = new java.util.TreeMap<>();
  static long closureCalls, closureStates, runChildren, plainChildren, closureEmpty;
  private int linearizedCompleted;
  private int deepest;
  private boolean deepestUnsaved;
  private int[] deepestPath = NO_RUN;

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
    this.unknownCount = unknown;
    this.completedBits = Bits.create(completed);
    this.unknownBits = Bits.create(unknown);
    this.scratchUnknown = Bits.create(unknown);
  }

  PartitionOutcome run() {
    S initial = model.initialState();
    Ensure.that(initial != null, "model.initialState() returned null");
    states = 1;
    memo.add(completedBits, initial, unknownBits);
    if (completedCount == 0) {
      return outcome(Verdict.LINEARIZABLE);
    }
    stack.add(new Frame<>(initial, -1, NO_RUN));
    while (true) {
      Frame<S> top = stack.get(stack.size() - 1);
      Child<S> child = nextChild(top);
      if (states > budget) {
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
        deepestPath = currentPath();
        deepestUnsaved = false;
      }
      stack.remove(stack.size() - 1);
      if (stack.isEmpty()) {
        return outcome(Verdict.NOT_LINEARIZABLE);
      }
      leave(top);
    }
  }

  /**
   * The next unexplored child of {@code frame}, or null when there is none (or the budget ran out).
   * Children are tried in a fixed order: first each completed candidate on the frame's own state,
   * then the same for each unknown-outcome run in the order the closure produced them.
   */
  private Child<S> nextChild(Frame<S> frame) {
    while (true) {
      S base = frame.state;
      int[] run = NO_RUN;
      long[] runBits = Bits.NONE;
      if (frame.runIndex > 0) {
        Run<S> r = frame.runs.get(frame.runIndex - 1);
        base = r.state;
        run = r.ops;
        runBits = r.bits;
      }
      for (int e = list.next(frame.cursor); list.isCall(e); e = list.next(e)) {
        int op = list.op(e);
        Operation<I, O> o = ops.get(op);
        if (!o.completed()) {
          continue;
        }
        S after = model.step(base, o.input(), o.output());
        if (after != null && (run.length == 0 || !commutes(frame.state, o, run, after))
            && remember(op, runBits, after)) {
          frame.cursor = e;
          if (run.length > 0) { runChildren++; kinds.merge(String.valueOf(o.input()).replaceAll("key=.*", "") + " runlen=" + run.length + " out=" + o.output(), 1L, Long::sum); } else plainChildren++;
          return new Child<>(op, run, after);
        }
        if (states > budget) {
          return null;
        }
      }
      if (frame.runs == null) {
        frame.runs = closure(frame.state);
      }
      if (frame.runIndex >= frame.runs.size() || states > budget) {
        return null;
      }
      frame.runIndex++;
      frame.cursor = EntryList.HEAD;
    }
  }

  /**
   * Whether taking {@code run} and then {@code o} from {@code state} ends where taking {@code o}
   * first and {@code run} after it does. If so, the child is redundant: the same child without the
   * run was tried first, and its own runs include this one, so every continuation of this child is
   * a continuation of that one. This is what keeps pass-through operations (reads, failed CAS) from
   * being retried once after every pending unknown-outcome operation.
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
      states++;
    }
    return fresh;
  }

  /**
   * The runs of pending unknown-outcome operations that could take effect from {@code state}, in
   * breadth-first order (shorter runs first), leaving out runs that change nothing and runs that
   * reach a state another run reaches with a subset of their operations. Breadth-first order
   * guarantees a subset is always generated before its supersets, so no run is ever dominated by
   * one generated after it.
   */
  private List<Run<S>> closure(S state) {
    List<Integer> pending = new ArrayList<>();
    for (int e = list.next(EntryList.HEAD); list.isCall(e); e = list.next(e)) {
      if (!ops.get(list.op(e)).completed()) {
        pending.add(list.op(e));
      }
    }
    closureCalls++;
    List<Run<S>> runs = new ArrayList<>();
    if (pending.isEmpty()) {closureEmpty++;
      return runs;
    }
    // Lookups only: the order of this map is never observed.
    HashMap<S, List<long[]>> minimal = new HashMap<>();
    minimal.put(state, new ArrayList<>(List.of(Bits.create(unknownCount))));
    Run<S> root = new Run<>(state, NO_RUN, Bits.create(unknownCount));
    for (int i = -1; i < runs.size(); i++) {
      Run<S> from = i < 0 ? root : runs.get(i);
      for (int op : pending) {
        if (Bits.get(from.bits, bitOf[op])) {
          continue;
        }
        S after = model.stepUnknown(from.state, ops.get(op).input());
        if (after == null || after.equals(from.state)) {
          continue;
        }
        long[] bits = Bits.with(from.bits, bitOf[op]);
        List<long[]> seen = minimal.computeIfAbsent(after, k -> new ArrayList<>());
        if (dominated(seen, bits)) {
          continue;
        }
        seen.add(bits);
        runs.add(new Run<>(after, append(from.ops, op), bits)); closureStates++;
        if (++states > budget) {
          return runs;
        }
      }
    }
    return runs;
  }

  private static boolean dominated(List<long[]> seen, long[] bits) {
    for (long[] s : seen) {
      if (Bits.isSubset(s, bits)) {
        return true;
      }
    }
    return false;
  }

  private static int[] append(int[] run, int op) {
    int[] out = Arrays.copyOf(run, run.length + 1);
    out[run.length] = op;
    return out;
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

  /** The operations linearized on the current path, in order, each run before its operation. */
  private int[] currentPath() {
    int length = 0;
    for (int i = 1; i < stack.size(); i++) {
      length += stack.get(i).run.length + 1;
    }
    int[] path = new int[length];
    int at = 0;
    for (int i = 1; i < stack.size(); i++) {
      Frame<S> f = stack.get(i);
      for (int op : f.run) {
        path[at++] = op;
      }
      path[at++] = f.op;
    }
    return path;
  }

  private PartitionOutcome outcome(Verdict verdict) {
    int[] prefix = verdict == Verdict.NOT_LINEARIZABLE ? deepestPath : NO_RUN;
    int reached = verdict == Verdict.LINEARIZABLE ? completedCount : deepest;
    return new PartitionOutcome(verdict, prefix, reached, states);
  }

  /** A configuration on the search path and how far its children have been explored. */
  private static final class Frame<S> {
    final S state;
    /** The completed operation linearized to reach this frame; -1 at the root. */
    final int op;
    /** Unknown-outcome operations linearized just before {@link #op}, in order. */
    final int[] run;
    /** Unknown-outcome runs from this state, computed only when first needed. */
    List<Run<S>> runs;
    /** 0 while trying candidates on {@link #state}; i > 0 while trying them after runs[i - 1]. */
    int runIndex;
    /** The entry of the candidate last tried; the next one tried follows it. */
    int cursor = EntryList.HEAD;

    Frame(S state, int op, int[] run) {
      this.state = state;
      this.op = op;
      this.run = run;
    }
  }

  /** A run of unknown-outcome operations, the state after it, and its operations as a bitset. */
  private record Run<S>(S state, int[] ops, long[] bits) {}

  /** A child configuration to enter. */
  private record Child<S>(int op, int[] run, S state) {}
}
