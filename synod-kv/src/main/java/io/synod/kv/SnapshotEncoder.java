package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.kv.engine.Engine;

/**
 * A snapshot of the store ({@link StoreSnapshot}'s format) encoded a part at a time, on the store's
 * own thread, between slots: each {@link #step} encodes about a budget of bytes from an engine view
 * opened when the snapshot started, so that the result is the state as of that moment whatever was
 * applied between steps, and no one step holds the node's loop for long.
 */
public final class SnapshotEncoder {
  private final MvccStore store;
  private final long slot;
  private final ByteWriter out;
  private Engine.View view;
  /** The last key encoded so far, null before the first. */
  private byte[] lastKey;
  private boolean stopped;

  SnapshotEncoder(MvccStore store, Engine engine, long slot) {
    this.store = store;
    this.slot = slot;
    this.out = StoreSnapshot.start(engine, slot);
    this.view = engine.openView();
  }

  /** The slot the snapshot is of (the store's applied slot when it started). */
  public long slot() {
    return slot;
  }

  /**
   * Encodes at least one more entry and about {@code budgetBytes} in all; returns the whole snapshot
   * once every entry is in, null while some remain.
   */
  public byte[] step(long budgetBytes) {
    Ensure.that(view != null, "the snapshot is finished or was abandoned");
    int start = out.size();
    stopped = false;
    view.scanAfter(lastKey, (key, value) -> {
      StoreSnapshot.writeEntry(out, key, value);
      if (out.size() - start >= budgetBytes) {
        // The view's arrays must not be kept: the position is kept as a copy.
        lastKey = key.clone();
        stopped = true;
        return false;
      }
      return true;
    });
    if (stopped) {
      return null;
    }
    close();
    return StoreSnapshot.finish(out);
  }

  /** Gives the snapshot up (the state is being replaced); the engine forgets what it kept for it. */
  public void abandon() {
    close();
  }

  private void close() {
    if (view != null) {
      view.close();
      view = null;
      store.snapshotClosed(this);
    }
  }
}
