package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.kv.engine.Engine;
import io.synod.kv.engine.WriteBatch;

/**
 * The replicated key-value state machine: etcd v3's multi-version store, applied deterministically
 * from the Paxos log.
 *
 * <p>History: every write transaction takes the next revision (a new store is at revision 1, the
 * first write makes it 2); an in-memory {@link KeyIndex} maps each key to the revisions at which it
 * changed, and the engine holds each change under its revision. The index is not persisted: it is
 * rebuilt by scanning the engine's changes on open, which keeps the engine format the only one to
 * get right, at the cost of a scan proportional to the retained history.
 *
 * <p>Slots: the node calls {@link #apply(long, byte[])} for each command of a slot, in order, then
 * {@link #slotApplied(long)}. The slot's changes reach the engine in one atomic batch together with
 * the slot number, so after a crash the store is at a slot boundary and the node replays the log from
 * {@link #appliedSlot()} + 1. A command of a later slot also completes the earlier one.
 *
 * <p>Determinism: applying reads no clock and no randomness, and iterates only ordered maps; the
 * same commands in the same order (under the same {@link KvLimits}) give the same replies and the same
 * {@link #stateHash()} on every replica.
 *
 * <p>Threading: one thread (the node's loop) owns the store, including local reads; nothing here is
 * thread-safe. The store does not own the engine: the caller closes it.
 */
public final class MvccStore {
  private static final long NO_PENDING_SLOT = -1;

  private final StoreState state;
  private long appliedSlot;
  private long pendingSlot = NO_PENDING_SLOT;
  /** The snapshot being encoded in steps, if any. */
  private SnapshotEncoder openSnapshot;
  private EventListener listener;

  /**
   * Hears of the store's changes, on the thread that applies (the node's loop). The calls happen
   * after the engine holds what they report, so a listener may read that history back at once
   * ({@link #history}). A listener must not apply commands or restore the store.
   */
  public interface EventListener {
    /**
     * A slot committed: {@code events} are its changes in revision order (never empty), ending at
     * {@link #revision()}; every revision from the previous call's last one + 1 is in them.
     */
    void applied(java.util.List<WatchEvent> events);

    /**
     * The store was replaced by a snapshot: revisions may have jumped forward (without events) and
     * history below the snapshot's compact revision is gone.
     */
    void restored();
  }

  private MvccStore(StoreState state) {
    this.state = state;
    this.appliedSlot = state.engine.appliedSlot();
  }

  /** Opens a store on {@code engine} (empty or holding a store's state) and rebuilds its index. */
  public static MvccStore open(Engine engine, KvLimits limits) {
    Ensure.notNull(engine, "engine");
    Ensure.notNull(limits, "limits");
    StoreState state = new StoreState(engine, limits);
    state.load();
    return new MvccStore(state);
  }

  public static MvccStore open(Engine engine) {
    return open(engine, KvLimits.DEFAULTS);
  }

  // ---- the apply path ----

  /**
   * Applies one encoded {@link KvCommand} of {@code slot} and returns the encoded {@link KvResult}.
   * Never throws for bad input: a malformed or oversized command gets an error reply and changes
   * nothing. {@code slot} must be after {@link #appliedSlot()}.
   */
  public byte[] apply(long slot, byte[] command) {
    Ensure.notNull(command, "command");
    return KvCodec.encodeResult(apply(slot, command, 0, command.length, true));
  }

  /**
   * Applies the encoded {@link KvCommand} in {@code command[offset, offset + length)} of {@code slot},
   * decoding it once, in place, and returns its result. When {@code resultWanted} is false nobody
   * reads the result: a range (which changes nothing) is then not run at all, and null is returned
   * for it. Never throws for bad input: a malformed or oversized command gets an error result and
   * changes nothing. {@code slot} must be after {@link #appliedSlot()}.
   */
  public KvResult apply(long slot, byte[] command, int offset, int length, boolean resultWanted) {
    Ensure.notNull(command, "command");
    beginSlot(slot);
    KvCommand decoded;
    try {
      decoded = decode(command, offset, length);
    } catch (KvException e) {
      return KvResult.error(e);
    }
    if (!resultWanted && decoded.request() instanceof RangeRequest) {
      return null;
    }
    return execute(decoded);
  }

  /** Like {@link #apply(long, byte[])} for a decoded command (no request-size check). */
  public KvResult apply(long slot, KvCommand command) {
    Ensure.notNull(command, "command");
    beginSlot(slot);
    return execute(command);
  }

  /**
   * Every command of {@code slot} has been applied: its changes and the slot number go to the engine
   * in one batch. Called for every slot, also one with no commands for this store.
   */
  public void slotApplied(long slot) {
    Ensure.argument(slot > appliedSlot, "slot " + slot + " was already applied");
    Ensure.argument(pendingSlot == NO_PENDING_SLOT || pendingSlot == slot,
        "slot " + pendingSlot + " is being applied, not " + slot);
    pendingSlot = slot;
    commitSlot();
  }

  /**
   * Sets the one listener that hears of every change made from now on (null: none). Every write
   * path (put, delete, txn, and any later kind) goes through the one write transaction, so every
   * change is reported. Call between slots.
   */
  public void setEventListener(EventListener listener) {
    requireBetweenSlots("setEventListener");
    this.listener = listener;
    state.eventsWanted = listener != null;
  }

  /**
   * Reads back the changes with revisions from {@code fromRevision} on, in revision order, stopping
   * at the first revision boundary at or after {@code eventsMax} events (a revision is never split,
   * so a chunk may hold more when one revision has more changes) or at the current revision. With
   * {@code withPrev}, each event carries the key-value it replaced. {@code fromRevision} must be
   * above {@link #compactRevision()} (older history is gone) and at most {@link #revision()} + 1
   * (then the chunk is empty).
   */
  public HistoryChunk history(long fromRevision, int eventsMax, boolean withPrev) {
    return history(fromRevision, eventsMax, Long.MAX_VALUE, withPrev);
  }

  /**
   * Like {@link #history(long, int, boolean)}, also stopping at the first revision boundary at or
   * after {@code bytesMax} bytes of events ({@link WatchEvent#sizeBytes()}), so a chunk of large
   * values stays bounded in memory.
   */
  public HistoryChunk history(long fromRevision, int eventsMax, long bytesMax, boolean withPrev) {
    requireBetweenSlots("history");
    Ensure.argument(eventsMax > 0, "eventsMax must be positive");
    Ensure.argument(bytesMax > 0, "bytesMax must be positive");
    Ensure.argument(fromRevision > state.compactRevision, "history at or below the compact revision is gone");
    long current = state.currentRevision;
    Ensure.argument(fromRevision <= current + 1, "history from revision " + fromRevision + " is ahead of " + current);
    java.util.List<WatchEvent> events = new java.util.ArrayList<>();
    long[] through = {current};
    long[] bytes = {0};
    byte[] from = EngineKeys.revisionKey(new Revision(fromRevision, 0));
    byte[] to = EngineKeys.revisionKey(new Revision(current + 1, 0));
    state.engine.scan(from, to, (key, value) -> {
      Revision rev = EngineKeys.parseRevisionKey(key);
      boolean full = events.size() >= eventsMax || bytes[0] >= bytesMax;
      if (full && rev.main() != events.get(events.size() - 1).revision()) {
        through[0] = rev.main() - 1;
        return false;
      }
      StoredRecord record = StoredRecord.decode(value);
      KeyValue prev = withPrev ? previous(record.key(), rev) : null;
      WatchEvent event = record.tombstone()
          ? WatchEvent.delete(record.key(), rev.main(), prev)
          : WatchEvent.put(record.toKeyValue(rev.main()), prev);
      events.add(event);
      bytes[0] += event.sizeBytes();
      return true;
    });
    Ensure.that(events.isEmpty() || events.get(events.size() - 1).revision() <= through[0],
        "a history chunk ends at a revision boundary");
    return new HistoryChunk(events, Math.max(through[0], fromRevision - 1));
  }

  /** The key-value {@code key} had just before the change at {@code rev}, or null if it was absent. */
  private KeyValue previous(byte[] key, Revision rev) {
    if (rev.sub() > 0) {
      // A txn may change a key at most once (etcd's rule), so a sub-revision's previous value is the
      // key's value before the txn as well.
      Marks.hit("kv.history-prev-in-txn");
    }
    Revision live = state.index.liveAt(key, rev.main() - 1);
    return live == null ? null : state.keyValue(state.slotWrites, new KeyIndex.Hit(key, live));
  }

  /** The last slot whose effects the engine holds (0 for a new store). */
  public long appliedSlot() {
    return appliedSlot;
  }

  private void beginSlot(long slot) {
    // Checked with an if so the hot path builds no message string.
    if (slot <= appliedSlot) {
      throw new IllegalArgumentException("slot " + slot + " was already applied");
    }
    if (pendingSlot != NO_PENDING_SLOT && slot != pendingSlot) {
      if (slot < pendingSlot) {
        throw new IllegalArgumentException("slot " + slot + " is before slot " + pendingSlot);
      }
      Marks.hit("kv.slot-completed-by-next");
      commitSlot();
    }
    pendingSlot = slot;
  }

  private void commitSlot() {
    Ensure.that(pendingSlot != NO_PENDING_SLOT, "a slot is pending");
    Ensure.that(pendingSlot > appliedSlot, "slots are committed in order");
    WriteBatch batch = state.slotWrites.drainToBatch();
    state.engine.write(batch, pendingSlot);
    appliedSlot = pendingSlot;
    pendingSlot = NO_PENDING_SLOT;
    Ensure.that(state.engine.appliedSlot() == appliedSlot, "engine recorded the applied slot");
    if (!state.slotEvents.isEmpty()) {
      java.util.List<WatchEvent> events = java.util.List.copyOf(state.slotEvents);
      state.slotEvents.clear();
      Ensure.that(events.get(events.size() - 1).revision() == state.currentRevision,
          "a slot's events end at the current revision");
      if (listener != null) {
        listener.applied(events);
      }
    }
  }

  private KvResult execute(KvCommand command) {
    KvRequest request = command.request();
    // A range changes nothing, so running it again is harmless; not remembering it keeps large read
    // replies out of the exactly-once table.
    if (!command.hasSession() || request instanceof RangeRequest) {
      return run(request);
    }
    switch (state.sessions.check(command.clientId(), command.sequence())) {
      case DUPLICATE:
        Marks.hit("kv.session-duplicate");
        return decodeStoredReply(state.sessions.reply(state.slotWrites, command.clientId()));
      case STALE:
        Marks.hit("kv.session-stale");
        return KvResult.error(new KvException(KvException.Code.SEQUENCE_STALE));
      default:
        KvResult result = run(request);
        state.sessions.record(state.slotWrites, command.clientId(), command.sequence(), KvCodec.encodeResult(result));
        return result;
    }
  }

  private static KvResult decodeStoredReply(byte[] reply) {
    try {
      return KvCodec.decodeResult(reply);
    } catch (KvException e) {
      throw new Ensure.InvariantViolation("corrupt remembered reply: " + e.getMessage());
    }
  }

  private KvResult run(KvRequest request) {
    try {
      RequestChecks.check(request, state.limits);
      return KvResult.ok(dispatch(request));
    } catch (KvException e) {
      return KvResult.error(e);
    }
  }

  private KvResponse dispatch(KvRequest request) throws KvException {
    if (!state.alarms.isEmpty() && state.noSpace() && Alarms.addsData(request)) {
      Marks.hit("kv.refused-no-space");
      throw new KvException(KvException.Code.NO_SPACE);
    }
    if (request instanceof RangeRequest r) {
      return RangeExecutor.execute(state, state.slotWrites, r, state.currentRevision);
    }
    if (request instanceof TxnRequest t) {
      return TxnExecutor.execute(state, t);
    }
    if (request instanceof CompactionRequest c) {
      return Compaction.execute(state, c);
    }
    if (request instanceof AlarmRequest a) {
      return Alarms.execute(state, a);
    }
    if (request instanceof LeaseRequest l) {
      return Leases.execute(state, l);
    }
    WriteTxn tx = new WriteTxn(state);
    try {
      KvResponse response = request instanceof PutRequest p
          ? WriteOps.put(tx, p)
          : WriteOps.delete(tx, (DeleteRangeRequest) request);
      tx.commit();
      return response;
    } finally {
      tx.abort();
    }
  }

  // ---- local reads ----

  /**
   * Serves a range from this replica's state (a read under a read lease, or in tests). Applies the
   * same checks and semantics as a range through the log.
   */
  public RangeResponse range(RangeRequest request) throws KvException {
    RequestChecks.check(request, state.limits);
    return RangeExecutor.execute(state, state.slotWrites, request, state.currentRevision);
  }

  /**
   * Runs the encoded command {@code command[offset, offset + length)} against the state as it is, if
   * it is a range (a read changes nothing), for a read answered locally under a read lease; null for
   * any other command, which must go through the log. A malformed or refused range gets its error
   * result, as through the log.
   */
  public KvResult read(byte[] command, int offset, int length) {
    Ensure.notNull(command, "command");
    Ensure.that(pendingSlot == NO_PENDING_SLOT, "no read in the middle of applying a slot");
    KvCommand decoded;
    try {
      decoded = decode(command, offset, length);
    } catch (KvException e) {
      return KvResult.error(e);
    }
    return decoded.request() instanceof RangeRequest range ? run(range) : null;
  }

  /** Decodes a command within the request size limit; the same checks for applied and local commands. */
  private KvCommand decode(byte[] command, int offset, int length) throws KvException {
    if (length > state.limits.requestBytesMax()) {
      throw new KvException(KvException.Code.REQUEST_TOO_LARGE);
    }
    try {
      return KvCodec.decodeCommand(command, offset, length);
    } catch (KvException e) {
      Marks.hit("kv.malformed-command");
      throw e;
    }
  }

  /** The current revision: that of the last write transaction, 1 for a new store. */
  public long revision() {
    return state.currentRevision;
  }

  /** About how many bytes the store's engine holds (see {@link Engine#sizeBytes()}). */
  public long sizeBytes() {
    return state.engine.sizeBytes();
  }

  /** How many keys are present at the current revision (deleted ones not counted). */
  public long keyCount() {
    return state.index.liveKeyCount();
  }

  /** The last compaction's revision, or -1 if the store was never compacted (etcd's convention). */
  public long compactRevision() {
    return state.compactRevision;
  }

  /** Whether any member's NOSPACE alarm is raised (writes that add data are then refused). */
  public boolean noSpaceAlarm() {
    return !state.alarms.isEmpty() && state.noSpace();
  }

  /** The raised alarms, ordered by member id then type (etcd's {@code alarm list}). */
  public java.util.List<AlarmMember> alarms() {
    return java.util.List.copyOf(state.alarms);
  }

  /** Lease {@code id} as the applied state holds it, or null if it does not exist. */
  public LeaseInfo lease(long id) {
    Leases.Lease lease = state.leases.get(id);
    return lease == null ? null : lease.info();
  }

  /** The ids of every lease, in numeric order (etcd's LeaseLeases). */
  public java.util.List<Long> leaseIds() {
    java.util.List<Long> ids = new java.util.ArrayList<>(state.leases.size());
    for (Leases.Lease lease : state.leases.all()) {
      ids.add(lease.id);
    }
    return ids;
  }

  /** How many leases exist. */
  public int leaseCount() {
    return state.leases.size();
  }

  /** The lease table, for this replica's {@link LeaseKeeper}. */
  Leases leases() {
    return state.leases;
  }

  public KvLimits limits() {
    return state.limits;
  }

  // ---- whole-state operations (between slots) ----

  /**
   * A 64-bit hash of the whole state: every retained change, the revision counters and the
   * exactly-once table, but not the applied slot. Replicas at the same slot have the same hash.
   */
  public long stateHash() {
    requireBetweenSlots("stateHash");
    StateHash hash = new StateHash();
    state.engine.scan(EngineKeys.ALL_START, EngineKeys.ALL_END, (key, value) -> {
      hash.update(key).update(value);
      return true;
    });
    return hash.update(state.currentRevision).update(state.compactRevision).finish();
  }

  /**
   * etcd's HashKV: a CRC-32C over every stored change with a main revision in
   * ({@link #compactRevision()}, {@code rev}], in revision order, each as its engine key (main and sub
   * revision) and its stored record (key, value, create revision, version, lease, or a tombstone).
   * {@code rev} 0 means the current revision. What is hashed is replicated state only: compaction
   * goes through the log, so members that applied the same slots (whether they got there by the log,
   * a snapshot or a rebuild) give the same hash for the same revision.
   *
   * @throws KvException COMPACTED if {@code rev} is at or below the compact revision, FUTURE_REV if
   *     it is above the current one
   */
  public HashKvResult hashKv(long rev) throws KvException {
    requireBetweenSlots("hashKv");
    long current = state.currentRevision;
    long compacted = state.compactRevision;
    long upTo = rev == 0 ? current : rev;
    if (rev < 0 || (rev > 0 && rev <= compacted)) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    if (upTo > current) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    byte[] from = EngineKeys.revisionKey(new Revision(Math.max(compacted + 1, 0), 0));
    byte[] to = EngineKeys.revisionKey(new Revision(upTo + 1, 0));
    state.engine.scan(from, to, (key, value) -> {
      crc.update(key);
      crc.update(value);
      return true;
    });
    return new HashKvResult((int) crc.getValue(), compacted, upTo, current);
  }

  /**
   * etcd's Hash: a 32-bit fold of {@link #stateHash()}, the hash of the whole replicated state
   * (history, revision counters, alarms and the exactly-once table).
   */
  public int hash() {
    long h = stateHash();
    return (int) (h ^ (h >>> 32));
  }

  /**
   * etcd's Defragment: asks the engine to give back space its entries no longer use (the in-memory
   * engine shrinks its tables to the live entries, RocksDB compacts its files). Changes no entry.
   */
  public void defragment() {
    requireBetweenSlots("defragment");
    state.engine.defragment();
  }

  /** The whole state as of {@link #appliedSlot()}, in the {@link StoreSnapshot} format. */
  public byte[] snapshot() {
    requireBetweenSlots("snapshot");
    return StoreSnapshot.encode(state.engine, appliedSlot);
  }

  /**
   * Starts a snapshot of the state as of {@link #appliedSlot()} to be encoded in steps, with slots
   * applied between them ({@link SnapshotEncoder}). One at a time; a {@link #restore} abandons it.
   */
  public SnapshotEncoder startSnapshot() {
    requireBetweenSlots("snapshot");
    Ensure.that(openSnapshot == null, "a snapshot is already being encoded");
    openSnapshot = new SnapshotEncoder(this, state.engine, appliedSlot);
    return openSnapshot;
  }

  void snapshotClosed(SnapshotEncoder encoder) {
    if (openSnapshot == encoder) {
      openSnapshot = null;
    }
  }

  /**
   * Replaces the whole state with {@code snapshot}, the state after applying {@code slot}. The
   * snapshot is decoded and checked completely first: a malformed one throws
   * {@link IllegalArgumentException} and changes nothing.
   */
  public void restore(long slot, byte[] snapshot) {
    StoreSnapshot.Contents contents = StoreSnapshot.decode(snapshot);
    Ensure.argument(contents.slot() == slot, "snapshot is of slot " + contents.slot() + ", not " + slot);
    Ensure.argument(slot >= appliedSlot, "snapshot slot " + slot + " is before applied slot " + appliedSlot);
    if (openSnapshot != null) {
      // Its view would keep every entry the restore replaces.
      openSnapshot.abandon();
    }
    state.slotWrites.clear();
    state.slotEvents.clear();
    pendingSlot = NO_PENDING_SLOT;
    WriteBatch batch = new WriteBatch().deleteRange(EngineKeys.ALL_START, EngineKeys.ALL_END);
    for (byte[][] entry : contents.entries()) {
      batch.put(entry[0], entry[1]);
    }
    state.engine.write(batch, slot);
    appliedSlot = slot;
    state.load();
    if (listener != null) {
      listener.restored();
    }
  }

  /** Makes every completed slot durable in the engine (before the node trims its log). */
  public void flush() {
    state.engine.flush();
  }

  private void requireBetweenSlots(String what) {
    if (pendingSlot != NO_PENDING_SLOT) {
      throw new IllegalStateException(what + " while slot " + pendingSlot + " is being applied; call slotApplied first");
    }
  }
}
