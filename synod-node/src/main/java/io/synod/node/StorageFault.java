package io.synod.node;

/**
 * Named fault points in {@link ReplicaStorage}: deliberate bugs that only the simulator's
 * planted-bug tests switch on, to show that the simulator and its checks catch them (the storage
 * counterpart of {@code io.synod.paxos.Fault} and {@code io.synod.node.core.NodeFault}). They reach
 * a storage only through the factory methods documented as test-only; the production ones plant
 * none, and no configuration file or flag can turn one on.
 */
public enum StorageFault {
  /**
   * Writes the acceptor state over the old file in place (truncate, write, sync) instead of to a
   * temp file that is synced and renamed over it: a crash part way leaves the promise torn, empty or
   * gone, and a replica that restarts then finds its acceptor state corrupt.
   */
  NON_ATOMIC_ACCEPTOR_STATE
}
