package io.synod.sim;

import io.synod.kv.KvCodec;
import io.synod.kv.KvException;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResult;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.MvccStore;
import io.synod.kv.engine.InMemoryEngine;
import io.synod.kv.watch.WatchConfig;
import io.synod.kv.watch.WatchHub;
import io.synod.node.core.StateMachine;
import java.util.ArrayList;
import java.util.List;

/**
 * One replica's state machine in the simulator: the production {@link MvccStore} on an
 * {@link InMemoryEngine}, plugged into the node as the server plugs it in (the server's
 * {@code StoreMachine}), and watched: it tells the {@link SafetyOracle} which commands it really
 * applied in each slot and lets it hash the state, and tells the {@link Workload} each command's
 * result, from which the workload keeps the history of revisions.
 *
 * <p>The store is volatile, like a replica's memory: a restart builds a new one from the snapshot.
 */
final class SimMachine implements StateMachine<KvResult> {
  private final int replicaId;
  private final SafetyOracle oracle;
  private final Workload workload;
  private final MvccStore store = MvccStore.open(new InMemoryEngine());
  /** The production lease keeper, driven by the node's ticks as the server's is. */
  private final LeaseKeeper keeper;
  /** The commands applied in the slot being applied, in order. */
  private final List<SimCommandId> slotCommands = new ArrayList<>();

  /** The replica's watchers, fed by the store as it applies, as on a server. */
  private final WatchHub watches;

  SimMachine(int replicaId, SafetyOracle oracle, Workload workload, boolean watchSkipsResumeRevision,
      java.util.Set<LeaseKeeper.Fault> leaseFaults) {
    this.replicaId = replicaId;
    this.oracle = oracle;
    this.workload = workload;
    this.watches = watchSkipsResumeRevision
        ? WatchHub.withPlantedSkip(store, WatchConfig.DEFAULTS)
        : new WatchHub(store, WatchConfig.DEFAULTS);
    this.keeper = new LeaseKeeper(store, LeaseChecks.KEEPER, leaseFaults);
  }

  WatchHub watches() {
    return watches;
  }

  @Override
  public List<byte[]> tick(long nowNanos, boolean leader) {
    return keeper.tick(nowNanos, leader);
  }

  @Override
  public KvResult apply(long slot, byte[] command, int offset, int length, boolean resultWanted) {
    SimCommandId id = SimCommandId.beforePayload(command, offset);
    oracle.commandApplied(replicaId, slot, id);
    slotCommands.add(id);
    KvResult result = store.apply(slot, command, offset, length, resultWanted || id.origin() < 0);
    // A node's own command (a lease expiry or checkpoint) is decoded again for the checks, which
    // have no client request to learn it from.
    workload.applied(replicaId, id, id.origin() < 0 ? decode(command, offset, length) : null, result);
    return result;
  }

  @Override
  public KvResult read(byte[] command, int offset, int length) {
    return store.read(command, offset, length);
  }

  @Override
  public void slotApplied(long slot) {
    store.slotApplied(slot);
    oracle.slotApplied(replicaId, slot, slotCommands, store::stateHash);
    slotCommands.clear();
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
  public SnapshotEncoder startSnapshot() {
    io.synod.kv.SnapshotEncoder encoder = store.startSnapshot();
    return SnapshotEncoder.of(encoder::step, encoder::abandon);
  }

  @Override
  public void restore(long slot, byte[] snapshot) {
    store.restore(slot, snapshot);
    slotCommands.clear();
    oracle.checkHash(replicaId, slot, store.stateHash());
  }

  private static KvRequest decode(byte[] command, int offset, int length) {
    try {
      return KvCodec.decodeCommand(command, offset, length).request();
    } catch (KvException e) {
      throw new SimViolation("a node logged an internal command that does not decode: " + e.getMessage());
    }
  }

  /** A digest of the whole store; scans it. */
  long stateHash() {
    return store.stateHash();
  }
}
