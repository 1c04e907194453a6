package io.synod.lincheck;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A deliberately naive linearizability check used as an oracle: it tries every sequence of the
 * operations that respects real-time order, on one map holding all keys (no partitioning, no
 * memo, no pruning), with key-value semantics written out here independently of {@link KvModel}.
 * Unknown-outcome operations may appear anywhere after their call, or not at all. Exponential:
 * only for a handful of operations.
 */
final class BruteForceChecker {
  private BruteForceChecker() {}

  static boolean linearizable(List<RecordedOp> ops) {
    int completed = 0;
    for (RecordedOp op : ops) {
      completed += op.unknown() ? 0 : 1;
    }
    return search(ops, new boolean[ops.size()], new HashMap<>(), completed);
  }

  private static boolean search(
      List<RecordedOp> ops, boolean[] used, Map<String, String> store, int left) {
    if (left == 0) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if (used[i] || mustWait(ops, used, i)) {
        continue;
      }
      RecordedOp op = ops.get(i);
      Map<String, String> next = new HashMap<>(store);
      KvOutput observed = TrueExecution.apply(next, op.input());
      if (!op.unknown() && !matches(op, observed)) {
        continue;
      }
      used[i] = true;
      boolean found = search(ops, used, next, left - (op.unknown() ? 0 : 1));
      used[i] = false;
      if (found) {
        return true;
      }
    }
    return false;
  }

  /** Whether some completed operation not yet placed returned before op {@code i} was called. */
  private static boolean mustWait(List<RecordedOp> ops, boolean[] used, int i) {
    for (int j = 0; j < ops.size(); j++) {
      RecordedOp other = ops.get(j);
      if (!used[j] && j != i && !other.unknown() && other.ret() < ops.get(i).call()) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(RecordedOp op, KvOutput observed) {
    return switch (op.input().kind()) {
      case GET -> Objects.equals(op.output().value(), observed.value());
      case PUT -> true;
      case DELETE, CAS -> op.output().flag() == observed.flag();
    };
  }
}
