package io.synod.kv;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.List;

/**
 * One write transaction (a put, a delete-range or a txn): its changes share main revision
 * {@code beginRevision + 1} with sub-revisions 0, 1, 2... in the order they are made. Changes go to
 * the index at once (later ops of the txn read them) and to a child overlay; {@link #commit}
 * publishes them and advances the revision if anything changed, {@link #abort} erases them.
 */
final class WriteTxn {
  private final StoreState state;
  private final Overlay writes;
  private final long beginRevision;
  private final List<byte[]> undo = new ArrayList<>();
  /** The txn's changes as watch events, when the store reports them; published on commit. */
  private final List<WatchEvent> events;
  /** Keys whose lease changes, as (key, from, to), applied to the lease table on commit. */
  private final List<LeaseMove> leaseMoves = new ArrayList<>();
  private long sub;
  private boolean finished;

  private record LeaseMove(byte[] key, long from, long to) {}

  WriteTxn(StoreState state) {
    this.state = state;
    this.writes = state.slotWrites.child();
    this.beginRevision = state.currentRevision;
    this.events = state.eventsWanted ? new ArrayList<>() : null;
  }

  /** Reads through this overlay see the txn's own writes. */
  Overlay reads() {
    return writes;
  }

  /** The revision this txn's changes get. */
  long writeRevision() {
    return beginRevision + 1;
  }

  /** The revision reads inside the txn see: the new one once the txn has changed something (etcd). */
  long viewRevision() {
    return sub > 0 ? beginRevision + 1 : beginRevision;
  }

  /** The store's revision before this txn: compares and the txn's pre-checks read it. */
  long beginRevision() {
    return beginRevision;
  }

  /** {@code key}'s current key-value, this txn's changes included, or null. */
  KeyValue current(byte[] key) {
    Revision live = state.index.liveAt(key, Long.MAX_VALUE);
    return live == null ? null : state.keyValue(writes, new KeyIndex.Hit(key, live));
  }

  /** The keys of {@code range} that exist now, this txn's changes included. */
  List<KeyIndex.Hit> currentIn(KeyRange range) {
    return state.index.liveIn(range, Long.MAX_VALUE);
  }

  /** Whether no lease {@code id} exists (a put may not attach a key to it). */
  boolean leaseMissing(long id) {
    return state.leases.get(id) == null;
  }

  /** Writes {@code key} = {@code value}; {@code prev} is its current key-value or null. */
  void put(byte[] key, byte[] value, long lease, KeyValue prev) {
    Revision rev = next();
    long createRevision = prev == null ? rev.main() : prev.createRevision();
    long version = prev == null ? 1 : prev.version() + 1;
    writes.put(EngineKeys.revisionKey(rev), StoredRecord.put(key, createRevision, version, lease, value).encode());
    state.index.append(key, rev, false);
    undo.add(key);
    if (events != null) {
      events.add(WatchEvent.put(new KeyValue(key, createRevision, rev.main(), version, value, lease), prev));
    }
    long from = prev == null ? 0 : prev.lease();
    if (from != lease) {
      leaseMoves.add(new LeaseMove(key, from, lease));
    }
  }

  /** Deletes {@code key}, which must exist now. */
  void delete(byte[] key) {
    Ensure.that(state.index.liveAt(key, Long.MAX_VALUE) != null, "only an existing key is deleted");
    // Read only when wanted: with no watcher and no lease, the common case reads nothing more.
    KeyValue prev = events != null || !state.leases.isEmpty() ? current(key) : null;
    long from = prev == null ? 0 : prev.lease();
    Revision rev = next();
    writes.put(EngineKeys.revisionKey(rev), StoredRecord.tombstone(key).encode());
    state.index.append(key, rev, true);
    undo.add(key);
    if (events != null) {
      events.add(WatchEvent.delete(key, rev.main(), prev));
    }
    if (from != 0) {
      leaseMoves.add(new LeaseMove(key, from, 0));
    }
  }

  private Revision next() {
    Ensure.that(!finished, "write after the txn finished");
    Ensure.that(state.currentRevision == beginRevision, "no other write interleaves with a txn");
    return new Revision(beginRevision + 1, sub++);
  }

  void commit() {
    Ensure.that(!finished, "txn finished twice");
    finished = true;
    if (sub > 0) {
      state.setCurrentRevision(writes, beginRevision + 1);
      if (events != null) {
        state.slotEvents.addAll(events);
      }
    }
    for (LeaseMove move : leaseMoves) {
      state.leases.moved(move.key(), move.from(), move.to());
    }
    writes.mergeIntoParent();
  }

  /** Erases every change of this txn from the index; its overlay is dropped unpublished. */
  void abort() {
    if (finished) {
      return;
    }
    finished = true;
    for (int i = undo.size() - 1; i >= 0; i--) {
      state.index.removeLast(undo.get(i));
    }
    writes.clear();
  }
}
