package io.synod.lincheck;

import java.util.Arrays;
import java.util.HashMap;

/**
 * Lowe's memo of configurations already explored, with dominance for unknown-outcome operations.
 *
 * <p>A configuration is (completed operations linearized, model state, unknown-outcome operations
 * linearized). Every configuration recorded here was either explored to exhaustion without success
 * or is being explored right now by a search that will not come back to it, so meeting it again can
 * be pruned. Unknown-outcome operations are optional and never expire, so a configuration that
 * linearized fewer of them (a subset) with the same completed set and state can do everything a
 * configuration with more can: the memo keeps, per (completed set, state), the minimal unknown sets
 * seen, and prunes any configuration that one of them dominates.
 *
 * <p>The map is only looked up, never iterated, so its order cannot leak into results.
 */
final class Memo {
  private static final long[][] ONLY_EMPTY = {Bits.NONE};

  private final HashMap<Key, long[][]> entries = new HashMap<>();

  /**
   * Records the configuration unless one already recorded dominates it.
   *
   * @return true if it was new (the search should explore it), false if it can be pruned
   */
  boolean add(long[] completed, Object state, long[] unknown) {
    Key key = Key.of(completed, state);
    long[][] minimal = entries.get(key);
    if (minimal == null) {
      entries.put(key, unknown.length == 0 ? ONLY_EMPTY : new long[][] {unknown.clone()});
      return true;
    }
    for (long[] seen : minimal) {
      if (Bits.isSubset(seen, unknown)) {
        return false;
      }
    }
    // Keep the stored sets an antichain: drop any that the new, smaller set now dominates.
    long[][] kept = new long[minimal.length + 1][];
    int size = 0;
    for (long[] seen : minimal) {
      if (!Bits.isSubset(unknown, seen)) {
        kept[size++] = seen;
      }
    }
    kept[size++] = unknown.clone();
    entries.put(key, Arrays.copyOf(kept, size));
    return true;
  }

  /**
   * A completed set and a state, with the bitset stored compactly: the search linearizes operations
   * roughly in call order, so the set is usually a run of full words followed by a few sparse ones.
   * The key keeps the index of the first word that is not full and the words from there to the last
   * non-zero one, which identifies the set exactly.
   */
  private static final class Key {
    private final int fromWord;
    private final long[] tail;
    private final Object state;
    private final int hash;

    private Key(int fromWord, long[] tail, Object state) {
      this.fromWord = fromWord;
      this.tail = tail;
      this.state = state;
      this.hash = (31 * fromWord + Arrays.hashCode(tail)) * 31 + state.hashCode();
    }

    static Key of(long[] words, Object state) {
      int from = 0;
      while (from < words.length && words[from] == -1L) {
        from++;
      }
      int to = words.length;
      while (to > from && words[to - 1] == 0) {
        to--;
      }
      return new Key(from, Arrays.copyOfRange(words, from, to), state);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return hash == k.hash
          && fromWord == k.fromWord
          && Arrays.equals(tail, k.tail)
          && state.equals(k.state);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
