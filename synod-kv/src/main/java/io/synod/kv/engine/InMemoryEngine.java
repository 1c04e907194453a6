package io.synod.kv.engine;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An {@link Engine} on the heap: a {@link TreeMap} in unsigned byte order for scans, and a hash map
 * of the same entries for point reads. It has no durability: {@link #flush} does nothing, and
 * {@link #copy} stands in for a restart from a flushed disk state (a node using it rebuilds from its
 * snapshot and log). Stored arrays are copied in and out so callers cannot change them behind its
 * back.
 */
public final class InMemoryEngine implements Engine {
  private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
  /** The same entries by key (keys shared with {@link #entries}). */
  private HashMap<ByteKey, byte[]> byKey = new HashMap<>();
  private long appliedSlot = NO_SLOT;
  /** Bytes of every stored key and value. */
  private long sizeBytes;
  private boolean closed;
  /**
   * While a {@link View} is open: for every key written or deleted since it opened, the value it had
   * then ({@link #ABSENT} if it had none). Null while no view is open.
   */
  private TreeMap<byte[], byte[]> before;
  /** Marks a key that did not exist when the view opened; compared by identity. */
  private static final byte[] ABSENT = new byte[0];

  @Override
  public byte[] get(byte[] key) {
    checkOpen();
    byte[] value = byKey.get(new ByteKey(key));
    return value == null ? null : value.clone();
  }

  @Override
  public void scan(byte[] from, byte[] toExclusive, EntryVisitor visitor) {
    checkOpen();
    NavigableMap<byte[], byte[]> view = entries;
    if (from != null) {
      view = view.tailMap(from, true);
    }
    if (toExclusive != null) {
      if (from != null && Arrays.compareUnsigned(from, toExclusive) >= 0) {
        return;
      }
      view = view.headMap(toExclusive, false);
    }
    for (Map.Entry<byte[], byte[]> e : view.entrySet()) {
      if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
        return;
      }
    }
  }

  @Override
  public void write(WriteBatch batch, long slot) {
    checkOpen();
    Ensure.argument(slot >= appliedSlot, "applied slot must not go back");
    for (WriteBatch.Op op : batch.ops()) {
      switch (op.kind()) {
        case PUT -> put(op.key().clone(), op.value().clone());
        case DELETE -> remove(op.key());
        case DELETE_RANGE -> {
          if (Arrays.compareUnsigned(op.key(), op.rangeEnd()) < 0) {
            NavigableMap<byte[], byte[]> doomed = entries.subMap(op.key(), true, op.rangeEnd(), false);
            for (Map.Entry<byte[], byte[]> e : doomed.entrySet()) {
              remember(e.getKey(), e.getValue());
              byKey.remove(new ByteKey(e.getKey()));
              sizeBytes -= e.getKey().length + e.getValue().length;
            }
            doomed.clear();
          }
        }
      }
    }
    appliedSlot = slot;
  }

  /**
   * Stores arrays this engine owns in both maps. On an overwrite each map keeps its first key
   * object; key arrays are never changed, so either copy serves.
   */
  private void put(byte[] key, byte[] value) {
    byte[] old = entries.put(key, value);
    remember(key, old);
    byKey.put(new ByteKey(key), value);
    sizeBytes += old == null ? key.length + value.length : value.length - old.length;
  }

  private void remove(byte[] key) {
    byte[] old = entries.remove(key);
    if (old != null) {
      remember(key, old);
      byKey.remove(new ByteKey(key));
      sizeBytes -= key.length + old.length;
    }
  }

  /** Keeps {@code key}'s value as the open view saw it, on its first change since the view opened. */
  private void remember(byte[] key, byte[] old) {
    if (before != null && !before.containsKey(key)) {
      before.put(key, old == null ? ABSENT : old);
    }
  }

  /**
   * A view that reads the live entries and, for keys changed since it opened, the values they had
   * then: a write while the view is open costs one more lookup, and keeps the replaced value (arrays
   * are never changed in place, so keeping one is enough).
   */
  @Override
  public View openView() {
    checkOpen();
    Ensure.that(before == null, "one view at a time");
    TreeMap<byte[], byte[]> kept = new TreeMap<>(Arrays::compareUnsigned);
    before = kept;
    return new View() {
      private boolean open = true;

      @Override
      public void scanAfter(byte[] afterExclusive, EntryVisitor visitor) {
        checkOpen();
        Ensure.that(open, "the view is closed");
        NavigableMap<byte[], byte[]> live = afterExclusive == null ? entries : entries.tailMap(afterExclusive, false);
        NavigableMap<byte[], byte[]> old = afterExclusive == null ? kept : kept.tailMap(afterExclusive, false);
        Iterator<Map.Entry<byte[], byte[]>> liveIt = live.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> oldIt = old.entrySet().iterator();
        Map.Entry<byte[], byte[]> l = liveIt.hasNext() ? liveIt.next() : null;
        Map.Entry<byte[], byte[]> o = oldIt.hasNext() ? oldIt.next() : null;
        while (l != null || o != null) {
          int order = l == null ? 1 : o == null ? -1 : Arrays.compareUnsigned(l.getKey(), o.getKey());
          byte[] key;
          byte[] value;
          if (order < 0) {
            key = l.getKey();
            value = l.getValue();
            l = liveIt.hasNext() ? liveIt.next() : null;
          } else {
            // Changed since the view opened: what it was then, or nothing if it did not exist.
            key = o.getKey();
            value = o.getValue();
            if (order == 0) {
              l = liveIt.hasNext() ? liveIt.next() : null;
            }
            o = oldIt.hasNext() ? oldIt.next() : null;
            if (value == ABSENT) {
              continue;
            }
          }
          if (!visitor.visit(key, value)) {
            return;
          }
        }
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          if (before == kept) {
            before = null;
          }
        }
      }
    };
  }

  @Override
  public long sizeBytes() {
    checkOpen();
    return sizeBytes;
  }

  @Override
  public long appliedSlot() {
    checkOpen();
    return appliedSlot;
  }

  @Override
  public void flush() {
    checkOpen();
  }

  /**
   * A hash map never shrinks its table after removals (compaction removes most of the history):
   * rebuilding it sized to the live entries gives that memory back.
   */
  @Override
  public void defragment() {
    checkOpen();
    // clear() would keep the table's size; a copy is sized for the live entries only.
    byKey = new HashMap<>(byKey);
  }

  /** An independent engine with the same entries and applied slot (a restart from this state). */
  public InMemoryEngine copy() {
    checkOpen();
    InMemoryEngine copy = new InMemoryEngine();
    for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
      copy.put(e.getKey().clone(), e.getValue().clone());
    }
    copy.appliedSlot = appliedSlot;
    return copy;
  }

  /** Number of stored entries. */
  public int size() {
    return entries.size();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    Ensure.that(!closed, "engine is closed");
  }
}
