package io.synod.kv;

import io.synod.kv.engine.Engine;
import io.synod.kv.engine.WriteBatch;
import java.util.Map;
import java.util.TreeMap;

/**
 * Engine writes not yet handed to the engine, readable as if they were. The store keeps one for the
 * slot being applied (so the slot's commands reach the engine in one batch with the slot number) and
 * a transaction stacks a child on it (so a failed transaction's writes vanish without a trace).
 */
final class Overlay {
  /** A pending change: the new value, or null for a delete. */
  private record Change(byte[] value) {}

  private final TreeMap<byte[], Change> changes = new TreeMap<>(Bytes.UNSIGNED);
  private final Overlay parent;
  private final Engine engine;

  private Overlay(Overlay parent, Engine engine) {
    this.parent = parent;
    this.engine = engine;
  }

  /** An overlay whose misses read {@code engine}. */
  static Overlay over(Engine engine) {
    return new Overlay(null, engine);
  }

  /** An overlay whose misses read this one; {@link #mergeIntoParent} publishes it. */
  Overlay child() {
    return new Overlay(this, engine);
  }

  byte[] get(byte[] key) {
    Change change = changes.get(key);
    if (change != null) {
      return change.value;
    }
    return parent != null ? parent.get(key) : engine.get(key);
  }

  void put(byte[] key, byte[] value) {
    changes.put(key, new Change(value));
  }

  void delete(byte[] key) {
    changes.put(key, new Change(null));
  }

  void mergeIntoParent() {
    parent.changes.putAll(changes);
    changes.clear();
  }

  boolean isEmpty() {
    return changes.isEmpty();
  }

  /** The pending changes as one batch, in key order, and forgets them. */
  WriteBatch drainToBatch() {
    WriteBatch batch = new WriteBatch();
    for (Map.Entry<byte[], Change> e : changes.entrySet()) {
      if (e.getValue().value == null) {
        batch.delete(e.getKey());
      } else {
        batch.put(e.getKey(), e.getValue().value);
      }
    }
    changes.clear();
    return batch;
  }

  void clear() {
    changes.clear();
  }
}
