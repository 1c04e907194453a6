package io.synod.lincheck;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The call and return events of one partition in time order, as a doubly linked list over int
 * arrays so that linearizing an operation (unlinking its events) and undoing it are O(1).
 *
 * <p>The search's candidates are the call entries before the first return entry: exactly the
 * operations called no later than the earliest return among completed operations not yet
 * linearized. Operations with unknown outcome have no return entry, since they never return.
 * At equal times calls sort before returns, which makes touching intervals concurrent.
 *
 * <p>Unlinking keeps the removed entry's own links, so relinking in the reverse order of unlinking
 * restores the list exactly (Knuth's dancing links); the search undoes strictly last-in first-out.
 */
final class EntryList {
  static final int HEAD = 0;
  static final int TAIL = 1;

  private final int[] prev;
  private final int[] next;
  private final int[] opOfEntry;
  private final boolean[] isReturn;
  private final int[] callEntryOfOp;
  private final int[] returnEntryOfOp;

  /** Builds the list for {@code ops}, which must be sorted by call time. */
  EntryList(List<? extends Operation<?, ?>> ops) {
    int n = ops.size();
    Integer[] returning = new Integer[n];
    int completed = 0;
    for (int i = 0; i < n; i++) {
      if (ops.get(i).completed()) {
        returning[completed++] = i;
      }
    }
    Integer[] byReturn = Arrays.copyOf(returning, completed);
    Arrays.sort(
        byReturn,
        Comparator.comparingLong((Integer i) -> ops.get(i).ret()).thenComparingInt(i -> i));

    int size = 2 + n + completed;
    prev = new int[size];
    next = new int[size];
    opOfEntry = new int[size];
    isReturn = new boolean[size];
    callEntryOfOp = new int[n];
    returnEntryOfOp = new int[n];
    Arrays.fill(returnEntryOfOp, -1);

    // Merge the call order (ops are already sorted by call) with the return order.
    int last = HEAD;
    int entry = 2;
    int c = 0;
    int r = 0;
    while (c < n || r < completed) {
      boolean takeCall =
          r == completed || (c < n && ops.get(c).call() <= ops.get(byReturn[r]).ret());
      int op = takeCall ? c++ : byReturn[r++];
      opOfEntry[entry] = op;
      isReturn[entry] = !takeCall;
      if (takeCall) {
        callEntryOfOp[op] = entry;
      } else {
        returnEntryOfOp[op] = entry;
      }
      next[last] = entry;
      prev[entry] = last;
      last = entry++;
    }
    next[last] = TAIL;
    prev[TAIL] = last;
    next[TAIL] = TAIL;
  }

  int next(int entry) {
    return next[entry];
  }

  /** Whether {@code entry} is a call; false for return entries and for the end of the list. */
  boolean isCall(int entry) {
    return entry != TAIL && !isReturn[entry];
  }

  int op(int entry) {
    return opOfEntry[entry];
  }

  /** Unlinks the operation's call entry and, if it has one, its return entry. */
  void lift(int op) {
    unlink(callEntryOfOp[op]);
    int ret = returnEntryOfOp[op];
    if (ret >= 0) {
      unlink(ret);
    }
  }

  /** Undoes {@link #lift(int)}; must be called in the reverse order of lifts. */
  void unlift(int op) {
    int ret = returnEntryOfOp[op];
    if (ret >= 0) {
      relink(ret);
    }
    relink(callEntryOfOp[op]);
  }

  private void unlink(int entry) {
    next[prev[entry]] = next[entry];
    prev[next[entry]] = prev[entry];
  }

  private void relink(int entry) {
    next[prev[entry]] = entry;
    prev[next[entry]] = entry;
  }
}
