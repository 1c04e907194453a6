package io.synod.kv;

import java.util.List;

/** Evaluates a transaction's {@link Compare}s the way etcd's {@code applyCompare} does. */
final class Compares {
  /** What a compare sees for a range with no keys: every numeric field 0. */
  private static final KeyValue ABSENT = new KeyValue(Bytes.EMPTY, 0, 0, 0, Bytes.EMPTY, 0);

  private Compares() {}

  /** Whether every compare holds against the state at {@code state.currentRevision}. */
  static boolean allHold(StoreState state, List<Compare> compares) {
    for (Compare c : compares) {
      if (!holds(state, c)) {
        return false;
      }
    }
    return true;
  }

  static boolean holds(StoreState state, Compare c) {
    List<KeyIndex.Hit> hits = state.index.liveIn(KeyRange.of(c.key(), c.rangeEnd()), state.currentRevision);
    if (hits.isEmpty()) {
      // etcd: a value cannot be compared on a missing key (gRPC cannot tell "" from missing), so it
      // fails; the numeric targets compare 0, which is how "create_revision == 0" tests absence.
      return c.target() != Compare.Target.VALUE && holds(c, ABSENT);
    }
    for (KeyIndex.Hit hit : hits) {
      if (!holds(c, state.keyValue(state.slotWrites, hit))) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(Compare c, KeyValue kv) {
    int cmp = switch (c.target()) {
      case VERSION -> Long.compare(kv.version(), c.number());
      case CREATE -> Long.compare(kv.createRevision(), c.number());
      case MOD -> Long.compare(kv.modRevision(), c.number());
      case LEASE -> Long.compare(kv.lease(), c.number());
      case VALUE -> Bytes.compare(kv.value(), c.value());
    };
    return switch (c.result()) {
      case EQUAL -> cmp == 0;
      case NOT_EQUAL -> cmp != 0;
      case GREATER -> cmp > 0;
      case LESS -> cmp < 0;
    };
  }
}
