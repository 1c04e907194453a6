package io.synod.server;

import io.synod.kv.MvccStore;
import io.synod.node.StateMachine;

/** The node's state machine: synod-kv's MVCC store. */
final class StoreMachine implements StateMachine {
  private final MvccStore store;

  StoreMachine(MvccStore store) {
    this.store = store;
  }

  MvccStore store() {
    return store;
  }

  @Override
  public byte[] apply(long slot, byte[] command) {
    return store.apply(slot, command);
  }

  @Override
  public void slotApplied(long slot) {
    store.slotApplied(slot);
  }

  @Override
  public long appliedSlot() {
    return store.appliedSlot();
  }

  @Override
  public byte[] snapshot() {
    return store.snapshot();
  }

  @Override
  public void restore(long slot, byte[] snapshot) {
    store.restore(slot, snapshot);
  }
}
