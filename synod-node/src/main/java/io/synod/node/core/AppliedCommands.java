package io.synod.node.core;

import io.synod.common.Ensure;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which logged commands were applied, so that a command proposed more than once (an origin sends it
 * again after a leader change, or a delayed copy of a forward reaches a later leader) takes effect
 * once. Part of the replicated state: it changes only on apply, in log order, and travels in
 * snapshots, so every replica decides alike.
 *
 * <p>Per origin it keeps the latest incarnation seen, a floor (every request of that incarnation
 * below it is finished at the origin and never sent again) and the applied request ids at or above
 * the floor. A command of an older incarnation, or below the floor and not applied, is refused: its
 * origin no longer waits for it (it restarted, or reported the outcome as unknown), so not applying
 * it is allowed, and applying it late could reorder it after requests its client made since. The set
 * holds only ids at or above the newest floor, which trails the origin's oldest waiting request, so
 * its size is bounded by what one origin applies within its request timeout.
 */
final class AppliedCommands {
  /** What to do with a logged command. */
  enum Verdict {
    /** Not applied before: apply it. */
    APPLY,
    /** Already applied: skip it. */
    DUPLICATE,
    /** Below its origin's floor and not applied: its origin gave up on it; skip it. */
    EXPIRED,
    /** From an earlier incarnation of its origin, which restarted since: skip it. */
    OLD_INCARNATION
  }

  private static final int MAGIC = 0x41505043; // "APPC"

  private static final class Origin {
    final long incarnation;
    long floor;
    final TreeSet<Long> applied = new TreeSet<>();

    Origin(long incarnation) {
      this.incarnation = incarnation;
    }
  }

  private final TreeMap<Integer, Origin> byOrigin = new TreeMap<>();

  /** Decides whether the command {@code id} is applied, and records it. Deterministic. */
  Verdict admit(CommandId id) {
    Origin origin = byOrigin.get(id.origin());
    if (origin == null || id.incarnation() > origin.incarnation) {
      // The origin restarted: nothing of its earlier incarnations is awaited any more.
      origin = new Origin(id.incarnation());
      byOrigin.put(id.origin(), origin);
    } else if (id.incarnation() < origin.incarnation) {
      return Verdict.OLD_INCARNATION;
    }
    Verdict verdict;
    if (id.requestId() < origin.floor) {
      verdict = origin.applied.contains(id.requestId()) ? Verdict.DUPLICATE : Verdict.EXPIRED;
    } else {
      verdict = origin.applied.add(id.requestId()) ? Verdict.APPLY : Verdict.DUPLICATE;
    }
    if (id.floor() > origin.floor) {
      origin.floor = id.floor();
      origin.applied.headSet(origin.floor).clear();
    }
    Ensure.that(origin.applied.isEmpty() || origin.applied.first() >= origin.floor, "applied ids start at the floor");
    return verdict;
  }

  /** Request ids remembered in all (for tests and metrics). */
  int size() {
    int n = 0;
    for (Origin origin : byOrigin.values()) {
      n += origin.applied.size();
    }
    return n;
  }

  byte[] encode() {
    int bytes = 8;
    for (Origin origin : byOrigin.values()) {
      bytes += 4 + 8 + 8 + 4 + 8 * origin.applied.size();
    }
    ByteBuffer out = ByteBuffer.allocate(bytes).putInt(MAGIC).putInt(byOrigin.size());
    for (Map.Entry<Integer, Origin> e : byOrigin.entrySet()) {
      Origin origin = e.getValue();
      out.putInt(e.getKey()).putLong(origin.incarnation).putLong(origin.floor).putInt(origin.applied.size());
      for (long id : origin.applied) {
        out.putLong(id);
      }
    }
    Ensure.that(!out.hasRemaining(), "applied-commands table size computed exactly");
    return out.array();
  }

  /** Replaces this table's contents with {@code other}'s (which must not be used afterwards). */
  void replaceWith(AppliedCommands other) {
    byOrigin.clear();
    byOrigin.putAll(other.byOrigin);
  }

  /** Decodes an encoded table; throws IllegalArgumentException if it is malformed. */
  static AppliedCommands decode(ByteBuffer in) {
    TreeMap<Integer, Origin> decoded = new TreeMap<>();
    try {
      Ensure.argument(in.getInt() == MAGIC, "not an applied-commands table");
      int origins = in.getInt();
      Ensure.argument(origins >= 0 && origins <= in.remaining() / 24, "bad origin count " + origins);
      for (int i = 0; i < origins; i++) {
        int id = in.getInt();
        Origin origin = new Origin(in.getLong());
        origin.floor = in.getLong();
        int n = in.getInt();
        Ensure.argument(n >= 0 && n <= in.remaining() / 8, "bad applied-id count " + n);
        for (int k = 0; k < n; k++) {
          origin.applied.add(in.getLong());
        }
        Ensure.argument(decoded.put(id, origin) == null, "origin " + id + " listed twice");
      }
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated applied-commands table", e);
    }
    Ensure.argument(!in.hasRemaining(), "trailing bytes after the applied-commands table");
    AppliedCommands table = new AppliedCommands();
    table.byOrigin.putAll(decoded);
    return table;
  }
}
