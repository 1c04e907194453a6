package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.kv.engine.ByteKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
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

  void append(byte[] key, Revision rev, boolean tombstone) {
    KeyHistory history = byKey.get(new ByteKey(key));
    if (history == null) {
      history = new KeyHistory();
      // Copied because the index must not change if the caller later reuses its array.
      byte[] copy = key.clone();
      keys.put(copy, history);
      byKey.put(new ByteKey(copy), history);
    }
    history.append(rev, tombstone);
  }

  /** Undoes the last append for {@code key}. */
  void removeLast(byte[] key) {
    ByteKey k = new ByteKey(key);
    KeyHistory history = byKey.get(k);
    Ensure.that(history != null, "undo of a key that has no history");
    history.removeLast();
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
    Iterator<Map.Entry<byte[], KeyHistory>> it = keys.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<byte[], KeyHistory> e = it.next();
      KeyHistory history = e.getValue();
      history.compact(rev, removed);
      if (history.isEmpty()) {
        // Before it.remove(): TreeMap may reuse the removed entry object for its successor.
        byKey.remove(new ByteKey(e.getKey()));
        it.remove();
      }
    }
    return removed;
  }

  int keyCount() {
    return keys.size();
  }

  void clear() {
    keys.clear();
    byKey.clear();
  }
}
