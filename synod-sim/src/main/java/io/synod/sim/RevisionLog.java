package io.synod.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The store's history as the state machines made it: which key each revision changed and to what,
 * and how far history was compacted. It is built from the results of applied writes (on every
 * replica alike, so it also checks that they agree), and answers what a read at an earlier revision
 * must return.
 */
final class RevisionLog {
  /** Per key, revision to the value written then; a null value is a delete. */
  private final HashMap<String, TreeMap<Long, String>> byKey = new HashMap<>();
  /** Revision to the key it changed: one write per revision, since each write touches one key. */
  private final HashMap<Long, String> keyAt = new HashMap<>();
  private long compactedTo;
  /** Revisions made by commands that change only keys outside the model (see {@link #changedOutsideModel}). */
  private final java.util.HashSet<Long> outsideModel = new java.util.HashSet<>();

  /** A state machine applied a write of {@code key} at {@code revision}; null value: a delete. */
  void wrote(String key, long revision, String value) {
    String before = keyAt.putIfAbsent(revision, key);
    if (before != null && !before.equals(key)) {
      throw new SimViolation("revision " + revision + " changed key " + key + " on one replica and " + before
          + " on another");
    }
    TreeMap<Long, String> history = byKey.computeIfAbsent(key, k -> new TreeMap<>());
    if (history.containsKey(revision)) {
      String was = history.get(revision);
      if (was == null ? value != null : !was.equals(value)) {
        throw new SimViolation("revision " + revision + " set " + key + " to " + value + " on one replica and to "
            + was + " on another");
      }
      return;
    }
    history.put(revision, value);
  }

  /**
   * A state machine made {@code revision} (or was at it) with a command that changes only keys
   * outside the model's key space (leased keys); a revision a model write made stays that write's.
   */
  void changedOutsideModel(long revision) {
    if (revision > 0) {
      outsideModel.add(revision);
    }
  }

  /** Whether {@code revision} changed only keys outside the model's key space. */
  boolean outsideModel(long revision) {
    return keyAt.get(revision) == null && outsideModel.contains(revision);
  }

  /** A state machine applied a compaction to {@code revision}. */
  void compacted(long revision) {
    compactedTo = Math.max(compactedTo, revision);
  }

  /** The highest revision any replica compacted to (0: none). */
  long compactedTo() {
    return compactedTo;
  }

  /**
   * {@code key}'s value as of {@code revision}; null if absent then. Every revision up to one a
   * replica has reached was applied somewhere first, so the log holds all of them.
   */
  String valueAt(String key, long revision) {
    TreeMap<Long, String> history = byKey.get(key);
    if (history == null) {
      return null;
    }
    Map.Entry<Long, String> last = history.floorEntry(revision);
    return last == null ? null : last.getValue();
  }

  /** The key the write at {@code revision} changed, or null if no replica has made that revision yet. */
  String keyAt(long revision) {
    return keyAt.get(revision);
  }

  /** The value {@code key} was set to at {@code revision} (null: deleted); the revision must have changed it. */
  String valueWrittenAt(String key, long revision) {
    TreeMap<Long, String> history = byKey.get(key);
    if (history == null || !history.containsKey(revision)) {
      throw new SimViolation("revision " + revision + " did not change " + key);
    }
    return history.get(revision);
  }
}
