package io.synod.kv.engine;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.HashMap;
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
    byKey.put(new ByteKey(key), value);
    sizeBytes += old == null ? key.length + value.length : value.length - old.length;
  }

  private void remove(byte[] key) {
    byte[] old = entries.remove(key);
    if (old != null) {
      byKey.remove(new ByteKey(key));
      sizeBytes -= key.length + old.length;
    }
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
