package io.synod.kv.engine;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An {@link Engine} in a {@link TreeMap} with unsigned byte order, for simulation and tests. It has
 * no durability: {@link #flush} does nothing, and {@link #copy} stands in for a restart from a flushed
 * disk state. Stored arrays are copied in and out so callers cannot change them behind its back.
 */
public final class InMemoryEngine implements Engine {
  private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
  private long appliedSlot = NO_SLOT;
  private boolean closed;

  @Override
  public byte[] get(byte[] key) {
    checkOpen();
    byte[] value = entries.get(key);
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
        case PUT -> entries.put(op.key().clone(), op.value().clone());
        case DELETE -> entries.remove(op.key());
        case DELETE_RANGE -> {
          if (Arrays.compareUnsigned(op.key(), op.rangeEnd()) < 0) {
            entries.subMap(op.key(), true, op.rangeEnd(), false).clear();
          }
        }
      }
    }
    appliedSlot = slot;
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

  /** An independent engine with the same entries and applied slot (a restart from this state). */
  public InMemoryEngine copy() {
    checkOpen();
    InMemoryEngine copy = new InMemoryEngine();
    for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
      copy.entries.put(e.getKey().clone(), e.getValue().clone());
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
