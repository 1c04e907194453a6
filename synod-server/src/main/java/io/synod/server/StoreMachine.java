package io.synod.server;

import io.synod.kv.KvResult;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.MvccStore;
import io.synod.node.core.StateMachine;
import java.util.List;

/**
 * The node's state machine: synod-kv's MVCC store, handing typed results to the node, and its
 * {@link LeaseKeeper}, which the node's ticks drive (lease expiries and checkpoints on the leader).
 */
final class StoreMachine implements StateMachine<KvResult> {
  private final MvccStore store;
  private final LeaseKeeper keeper;
  /** The store's size after the last applied slot, for threads other than the node's loop. */
  private volatile long sizeBytes;
  private volatile long revision;
  private volatile long compactRevision;
  private volatile boolean noSpaceAlarm;
  private volatile long keyCount;
  /** Hears how long each command took to apply (on the node's loop). */
  private final java.util.function.LongConsumer applyNanos;
  private final io.synod.kv.watch.WatchHub watches;
  private volatile Runnable afterApply = () -> { };

  StoreMachine(MvccStore store) {
    this(store, nanos -> { });
  }

  StoreMachine(MvccStore store, java.util.function.LongConsumer applyNanos) {
    this(store, applyNanos, io.synod.kv.watch.WatchConfig.DEFAULTS, LeaseKeeper.Config.DEFAULTS);
  }

  StoreMachine(MvccStore store, java.util.function.LongConsumer applyNanos, io.synod.kv.watch.WatchConfig watchConfig,
      LeaseKeeper.Config leases) {
    this.store = store;
    this.keeper = new LeaseKeeper(store, leases);
    this.applyNanos = applyNanos;
    this.watches = new io.synod.kv.watch.WatchHub(store, watchConfig);
    published();
  }

  /** The member's watchers; the node's loop only. */
  io.synod.kv.watch.WatchHub watches() {
    return watches;
  }

  /** Runs {@code task} on the node's loop after each applied slot and restore (the watch service's flush). */
  void afterApply(Runnable task) {
    this.afterApply = task;
  }

  private void published() {
    sizeBytes = store.sizeBytes();
    revision = store.revision();
    compactRevision = store.compactRevision();
    noSpaceAlarm = store.noSpaceAlarm();
    keyCount = store.keyCount();
  }

  /** Whether the NOSPACE alarm was raised as of the last slot applied here; readable from any thread. */
  boolean noSpaceAlarm() {
    return noSpaceAlarm;
  }

  /** Keys present as of the last slot applied here; readable from any thread. */
  long keyCount() {
    return keyCount;
  }

  /** The store's revision as of the last slot applied here; readable from any thread. */
  long revision() {
    return revision;
  }

  /** The store's compact revision as of the last slot applied here; readable from any thread. */
  long compactRevision() {
    return compactRevision;
  }

  /** The store's size as of the last slot applied here; readable from any thread. */
  long sizeBytes() {
    return sizeBytes;
  }

  MvccStore store() {
    return store;
  }

  /** The lease keeper; only on the node's loop (in a query). */
  LeaseKeeper keeper() {
    return keeper;
  }

  @Override
  public List<byte[]> tick(long nowNanos, boolean leader) {
    return keeper.tick(nowNanos, leader);
  }

  @Override
  public KvResult apply(long slot, byte[] command, int offset, int length, boolean resultWanted) {
    long start = System.nanoTime();
    KvResult result = store.apply(slot, command, offset, length, resultWanted);
    applyNanos.accept(System.nanoTime() - start);
    return result;
  }

  @Override
  public KvResult read(byte[] command, int offset, int length) {
    return store.read(command, offset, length);
  }

  @Override
  public void slotApplied(long slot) {
    store.slotApplied(slot);
    published();
    afterApply.run();
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
    published();
    afterApply.run();
  }
}
