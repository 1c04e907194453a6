package io.synod.lincheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * Enumerates the runs of pending unknown-outcome operations that could take effect, back to back,
 * from a given state: the ways such operations can change the state before the next completed
 * operation.
 *
 * <p>Runs are generated breadth first (shorter runs first). A run is left out when it ends in the
 * state it started from, or in a state that a run using a subset of its operations already reaches:
 * unknown-outcome operations are optional and never expire, so the smaller run can do anything the
 * larger one can. Breadth-first order means a subset is always generated before its supersets.
 *
 * <p>The runs depend only on the state and the set of pending operations, and the search meets the
 * same pair again and again while it backtracks among concurrent operations, so results are cached.
 * The cache is only looked up, never iterated, and is emptied whole when it holds too many runs.
 */
final class UnknownRuns<S, I, O> {
  /** A run of unknown-outcome operations, the state after it, and its operations as a bitset. */
  record Run<S>(S state, int[] ops, long[] bits) {}

  /** Bounds the memory the cache may hold, counted in runs. */
  static final int MAX_CACHED_RUNS = 200_000;

  private static final int[] NO_OPS = new int[0];

  private final Model<S, I, O> model;
  private final List<Operation<I, O>> ops;
  private final int[] bitOf;
  private final int unknownCount;
  private final HashMap<CacheKey, List<Run<S>>> cache = new HashMap<>();
  private int cachedRuns;
  private long computed;

  UnknownRuns(Model<S, I, O> model, List<Operation<I, O>> ops, int[] bitOf, int unknownCount) {
    this.model = model;
    this.ops = ops;
    this.bitOf = bitOf;
    this.unknownCount = unknownCount;
  }

  /** How many run states were computed so far (cache hits compute none). */
  long computed() {
    return computed;
  }

  /**
   * The runs from {@code state} over {@code pending} (operation indexes in call order), or null if
   * computing them would take more than {@code maxNew} new states.
   */
  List<Run<S>> from(S state, int[] pending, long maxNew) {
    if (pending.length == 0) {
      return List.of();
    }
    long[] pendingBits = Bits.create(unknownCount);
    for (int op : pending) {
      Bits.set(pendingBits, bitOf[op]);
    }
    CacheKey key = new CacheKey(state, pendingBits);
    List<Run<S>> runs = cache.get(key);
    if (runs == null) {
      runs = compute(state, pending, maxNew);
      if (runs == null) {
        return null;
      }
      if (cachedRuns + runs.size() > MAX_CACHED_RUNS) {
        cache.clear();
        cachedRuns = 0;
      }
      cache.put(key, runs);
      cachedRuns += runs.size();
    }
    return runs;
  }

  private List<Run<S>> compute(S state, int[] pending, long maxNew) {
    List<Run<S>> runs = new ArrayList<>();
    // Lookups only: the order of this map is never observed.
    HashMap<S, List<long[]>> minimal = new HashMap<>();
    // What each operation alone does; a longer run ending with the same operation in the same
    // state is dominated by it, which settles most extensions without touching the map.
    Object[] alone = new Object[pending.length];
    long budget = maxNew;
    Run<S> root = new Run<>(state, NO_OPS, Bits.create(unknownCount));
    // A run that comes back to the starting state is dominated by the empty run.
    minimal.put(state, new ArrayList<>(List.of(root.bits())));
    for (int i = -1; i < runs.size(); i++) {
      Run<S> from = i < 0 ? root : runs.get(i);
      for (int k = 0; k < pending.length; k++) {
        int op = pending[k];
        if (Bits.get(from.bits, bitOf[op])) {
          continue;
        }
        S after = model.stepUnknown(from.state, ops.get(op).input());
        if (i < 0) {
          alone[k] = after;
        }
        if (after == null || after.equals(from.state) || (i >= 0 && after.equals(alone[k]))) {
          continue;
        }
        long[] bits = Bits.with(from.bits, bitOf[op]);
        List<long[]> seen = minimal.computeIfAbsent(after, s -> new ArrayList<>());
        if (dominated(seen, bits)) {
          continue;
        }
        seen.add(bits);
        runs.add(new Run<>(after, append(from.ops, op), bits));
        computed++;
        if (--budget < 0) {
          return null;
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

  /** A state and a set of pending operations. */
  private static final class CacheKey {
    private final Object state;
    private final long[] pending;
    private final int hash;

    CacheKey(Object state, long[] pending) {
      this.state = state;
      this.pending = pending;
      this.hash = 31 * state.hashCode() + Arrays.hashCode(pending);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof CacheKey)) {
        return false;
      }
      CacheKey k = (CacheKey) o;
      return hash == k.hash && Arrays.equals(pending, k.pending) && state.equals(k.state);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
