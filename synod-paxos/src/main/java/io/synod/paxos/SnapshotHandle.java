package io.synod.paxos;

import io.synod.common.Ensure;

/**
 * Names a state-machine snapshot: the state after applying every slot up to and including
 * {@code slot}, under {@code configuration}. Slot 0 is the empty initial state.
 */
public record SnapshotHandle(long slot, Configuration configuration) {
  public SnapshotHandle {
    Ensure.argument(slot >= 0, "snapshot slot must not be negative");
    Ensure.notNull(configuration, "configuration");
  }
}
