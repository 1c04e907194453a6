package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.kv.engine.ByteKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * In-memory index from key to its {@link KeyHistory}, in unsigned key order. The values live in the
 * engine under their revisions; this index says which revision holds a key's value at any
 * retained point in history. It is rebuilt from the engine's revision records on open.
 */
final class KeyIndex {
  /** A key that is present at the read revision, and the revision holding its value. */
  record Hit(byte[] key, Revision revision) {}

  private final TreeMap<byte[], KeyHistory> keys = new TreeMap<>(Bytes.UNSIGNED);
  /** The same histories by key, for point lookups (every put makes one) without a tree walk. */
  private final HashMap<ByteKey, KeyHistory> byKey = new HashMap<>();
  /**
   * The appends that left something a compaction can drop, in revision order: an append to a key
   * that already had history (a compaction at or above it drops what came before), and every
   * tombstone (which goes itself). A compaction visits only the keys named here up to its revision,
   * so its cost follows the writes since the last one, not the number of keys.
   */
  private final ArrayDeque<Compactable> compactable = new ArrayDeque<>();
  /**
   * Keys present at the current revision (their history ends with a put). Compaction never changes
   * it: it keeps every key's latest put and drops a history only when it ends with a tombstone.
   */
  private int liveKeys;

  /** An append at main revision {@code main} to the history of {@code key} (the index's own copy). */
  private record Compactable(long main, byte[] key) {}

  void append(byte[] key, Revision rev, boolean tombstone) {
    KeyHistory history = byKey.get(new ByteKey(key));
    if (history == null) {
      // Copied because the index must not change if the caller later reuses its array.
      byte[] own = key.clone();
      history = new KeyHistory(own);
      keys.put(own, history);
      byKey.put(new ByteKey(own), history);
    }
    boolean leavesHistory = !history.isEmpty() || tombstone;
    boolean wasLive = isLive(history);
    history.append(rev, tombstone);
    liveKeys += (tombstone ? 0 : 1) - (wasLive ? 1 : 0);
    if (leavesHistory) {
      Ensure.that(compactable.isEmpty() || compactable.peekLast().main() <= rev.main(), "appends come in revision order");
      compactable.addLast(new Compactable(rev.main(), history.key()));
    }
  }

  /** Undoes the last append for {@code key}. */
  void removeLast(byte[] key) {
    ByteKey k = new ByteKey(key);
    KeyHistory history = byKey.get(k);
    Ensure.that(history != null, "undo of a key that has no history");
    if (history.size() > 1 || history.lastIsTombstone()) {
      // Undos run in reverse order of their appends, before any other append: this one is last.
      Compactable last = compactable.pollLast();
      Ensure.that(last != null && Bytes.UNSIGNED.compare(last.key(), key) == 0, "undo of the last compactable append");
    }
    boolean wasLive = isLive(history);
    history.removeLast();
    liveKeys += (isLive(history) ? 1 : 0) - (wasLive ? 1 : 0);
    if (history.isEmpty()) {
      keys.remove(key);
      byKey.remove(k);
    }
  }

  /** The revision holding {@code key}'s value at {@code rev}, or null if it is absent then. */
  Revision liveAt(byte[] key, long rev) {
    KeyHistory history = byKey.get(new ByteKey(key));
    return history == null ? null : history.liveAt(rev);
  }

  /** Keys of {@code range} present at {@code rev}, in key order. */
  List<Hit> liveIn(KeyRange range, long rev) {
    List<Hit> hits = new ArrayList<>();
    for (Map.Entry<byte[], KeyHistory> e : range.view(keys).entrySet()) {
      Revision live = e.getValue().liveAt(rev);
      if (live != null) {
        hits.add(new Hit(e.getKey(), live));
      }
    }
    return hits;
  }

  /** Compacts every key's history at {@code rev}; returns the revisions whose records may go. */
  List<Revision> compact(long rev) {
    List<Revision> removed = new ArrayList<>();
    while (!compactable.isEmpty() && compactable.peekFirst().main() <= rev) {
      byte[] key = compactable.pollFirst().key();
      ByteKey k = new ByteKey(key);
      KeyHistory history = byKey.get(k);
      if (history == null) {
        continue; // Emptied by an earlier entry of this compaction.
      }
      history.compact(rev, removed);
      if (history.isEmpty()) {
        keys.remove(key);
        byKey.remove(k);
      }
    }
    return removed;
  }

  int keyCount() {
    return keys.size();
  }

  /** Keys present at the current revision (etcd's key count). */
  int liveKeyCount() {
    Ensure.that(liveKeys >= 0 && liveKeys <= keys.size(), "live keys are some of the indexed keys");
    return liveKeys;
  }

  private static boolean isLive(KeyHistory history) {
    return !history.isEmpty() && !history.lastIsTombstone();
  }

  void clear() {
    liveKeys = 0;
    keys.clear();
    byKey.clear();
    compactable.clear();
  }
}
