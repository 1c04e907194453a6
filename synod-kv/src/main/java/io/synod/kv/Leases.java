package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * etcd's leases as replicated state: per lease its granted TTL, the remaining TTL of the last
 * checkpoint since it was granted or kept alive, a renewal counter and the keys attached to it. The
 * table changes only when a {@link LeaseRequest} is applied and when a write attaches or detaches a
 * key; it holds no time at all. When a lease runs out is the {@link LeaseKeeper}'s business: it
 * proposes {@code EXPIRE} and {@code CHECKPOINT} commands, which carry the renewal counter they were
 * computed from, and this table ignores them when the lease was renewed since.
 *
 * <p>Each lease is an engine entry ({@link EngineKeys#leaseKey}), so leases travel in snapshots and
 * count in the state hash; the attached keys are not stored twice: they are rebuilt from the live
 * keys' records on load.
 *
 * <p>The table also keeps a bounded list of what changed ({@link Change}), for the
 * {@link LeaseKeeper} of the same replica to date with its clock; it is kept only once a keeper
 * asked for it ({@link #track}), and a list that grows past its bound collapses into "reload all".
 */
final class Leases {
  /** One lease. */
  static final class Lease {
    final long id;
    final long ttlSeconds;
    long checkpointMillis = -1;
    long renewal;
    final TreeSet<byte[]> keys = new TreeSet<>(Bytes::compare);

    Lease(long id, long ttlSeconds) {
      this.id = id;
      this.ttlSeconds = ttlSeconds;
    }

    byte[] encode() {
      return new ByteWriter(24).writeZigZag(ttlSeconds).writeZigZag(checkpointMillis).writeZigZag(renewal)
          .toByteArray();
    }

    LeaseInfo info() {
      return new LeaseInfo(id, ttlSeconds, checkpointMillis, renewal, new ArrayList<>(keys));
    }
  }

  /** What happened to a lease, for the keeper: {@code millis} is the TTL to count from now. */
  record Change(Kind kind, long id, long millis, long renewal) {
    enum Kind { RENEWED, CHECKPOINTED, REMOVED }
  }

  private static final int CHANGES_MAX = 100_000;

  private final TreeMap<Long, Lease> byId = new TreeMap<>();
  private boolean tracking;
  private final List<Change> changes = new ArrayList<>();
  private boolean reloadAll = true;

  // ---------------------------------------------------------------- the table

  Lease get(long id) {
    return byId.get(id);
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  int size() {
    return byId.size();
  }

  Iterable<Lease> all() {
    return byId.values();
  }

  /** Rebuilds the table from the engine (after open or restore); {@code live} lists every live key. */
  void load(StoreState state) {
    byId.clear();
    state.engine.scan(EngineKeys.LEASES_START, EngineKeys.LEASES_END, (key, value) -> {
      long id = EngineKeys.parseLeaseKey(key);
      try {
        ByteReader in = new ByteReader(value);
        Lease lease = new Lease(id, in.readZigZag());
        lease.checkpointMillis = in.readZigZag();
        lease.renewal = in.readZigZag();
        in.expectEnd();
        byId.put(id, lease);
      } catch (KvException e) {
        throw new Ensure.InvariantViolation("corrupt stored lease " + id + ": " + e.getMessage());
      }
      return true;
    });
    if (!byId.isEmpty()) {
      for (KeyIndex.Hit hit : state.index.liveIn(KeyRange.of(new byte[] {0}, new byte[] {0}), Long.MAX_VALUE)) {
        long leaseId = state.record(state.slotWrites, hit.revision()).lease();
        if (leaseId != 0) {
          Lease lease = byId.get(leaseId);
          Ensure.that(lease != null, "a live key is attached to lease %d, which does not exist", leaseId);
          lease.keys.add(hit.key());
        }
      }
    }
    changes.clear();
    reloadAll = true;
  }

  /** A write moved {@code key} from lease {@code from} to lease {@code to} (0: none). */
  void moved(byte[] key, long from, long to) {
    if (from == to) {
      return;
    }
    if (from != 0) {
      Lease lease = byId.get(from);
      Ensure.that(lease != null, "a key leaves lease %d, which does not exist", from);
      Ensure.that(lease.keys.remove(key), "a key leaves a lease it was attached to");
    }
    if (to != 0) {
      Lease lease = byId.get(to);
      Ensure.that(lease != null, "a key joins lease %d, which does not exist", to);
      lease.keys.add(key);
    }
  }

  // ---------------------------------------------------------------- apply

  static LeaseResponse execute(StoreState state, LeaseRequest request) throws KvException {
    Leases leases = state.leases;
    switch (request.op()) {
      case GRANT:
        return leases.grant(state, request);
      case REVOKE: {
        Lease lease = leases.require(request.id());
        leases.remove(state, lease);
        Marks.hit("kv.lease-revoked");
        return new LeaseResponse(new ResponseHeader(state.currentRevision), lease.id, 0, true);
      }
      case KEEP_ALIVE: {
        Lease lease = leases.require(request.id());
        lease.renewal++;
        lease.checkpointMillis = -1;
        leases.store(state, lease);
        leases.note(new Change(Change.Kind.RENEWED, lease.id, lease.ttlSeconds * 1000, lease.renewal));
        return new LeaseResponse(new ResponseHeader(state.currentRevision), lease.id, lease.ttlSeconds, true);
      }
      case CHECKPOINT: {
        Lease lease = leases.byId.get(request.id());
        if (lease == null || lease.renewal != request.renewal()) {
          Marks.hit("kv.lease-checkpoint-ignored");
          return new LeaseResponse(new ResponseHeader(state.currentRevision), request.id(), 0, false);
        }
        lease.checkpointMillis = Math.min(request.remainingMillis(), lease.ttlSeconds * 1000);
        leases.store(state, lease);
        leases.note(new Change(Change.Kind.CHECKPOINTED, lease.id, lease.checkpointMillis, lease.renewal));
        return new LeaseResponse(new ResponseHeader(state.currentRevision), lease.id, lease.ttlSeconds, true);
      }
      case EXPIRE: {
        Lease lease = leases.byId.get(request.id());
        if (lease == null || lease.renewal != request.renewal()) {
          // Renewed (or revoked) after the leader decided: a keep-alive that was answered wins.
          Marks.hit("kv.lease-expiry-ignored");
          return new LeaseResponse(new ResponseHeader(state.currentRevision), request.id(), 0, false);
        }
        leases.remove(state, lease);
        Marks.hit("kv.lease-expired");
        return new LeaseResponse(new ResponseHeader(state.currentRevision), lease.id, 0, true);
      }
      default:
        throw new Ensure.InvariantViolation("unknown lease op " + request.op());
    }
  }

  private LeaseResponse grant(StoreState state, LeaseRequest request) throws KvException {
    if (request.ttlSeconds() > KvLimits.LEASE_TTL_MAX_SECONDS) {
      throw new KvException(KvException.Code.LEASE_TTL_TOO_LARGE);
    }
    long id = request.id();
    if (id != 0 && byId.containsKey(id)) {
      throw new KvException(KvException.Code.LEASE_EXISTS);
    }
    if (byId.size() >= state.limits.leasesMax()) {
      throw new KvException(KvException.Code.TOO_MANY_LEASES);
    }
    if (id == 0) {
      id = pickId(state);
    }
    long ttl = Math.max(request.ttlSeconds(), state.limits.leaseTtlMinSeconds());
    Lease lease = new Lease(id, ttl);
    byId.put(id, lease);
    store(state, lease);
    note(new Change(Change.Kind.RENEWED, id, ttl * 1000, lease.renewal));
    Marks.hit("kv.lease-granted");
    return new LeaseResponse(new ResponseHeader(state.currentRevision), id, ttl, true);
  }

  /**
   * A new id, the same on every replica: the replicated counter, spread over the positive 63-bit
   * numbers by an invertible mix (so two counter values never give one id), skipping 0 and ids that
   * clients chose themselves.
   */
  private long pickId(StoreState state) {
    byte[] stored = state.slotWrites.get(EngineKeys.LEASE_COUNTER);
    long counter = stored == null ? 0 : EngineKeys.decodeLong(stored);
    long id;
    do {
      counter++;
      id = mix63(counter);
    } while (id == 0 || byId.containsKey(id));
    state.slotWrites.put(EngineKeys.LEASE_COUNTER, EngineKeys.encodeLong(counter));
    return id;
  }

  /** An invertible map of the 63-bit numbers: odd multipliers and xor-shifts mod 2^63. */
  static long mix63(long x) {
    long mask = Long.MAX_VALUE;
    x &= mask;
    x = (x * 0x9E3779B97F4A7C15L) & mask;
    x ^= x >>> 29;
    x = (x * 0xBF58476D1CE4E5B9L) & mask;
    x ^= x >>> 32;
    return x;
  }

  private Lease require(long id) throws KvException {
    Lease lease = byId.get(id);
    if (lease == null) {
      throw new KvException(KvException.Code.LEASE_NOT_FOUND);
    }
    return lease;
  }

  private void store(StoreState state, Lease lease) {
    state.slotWrites.put(EngineKeys.leaseKey(lease.id), lease.encode());
  }

  /**
   * Deletes {@code lease} and every key attached to it, the keys in one write transaction (one
   * revision, through the path puts and deletes take), so watchers see them as delete events.
   */
  private void remove(StoreState state, Lease lease) {
    if (!lease.keys.isEmpty()) {
      WriteTxn tx = new WriteTxn(state);
      try {
        for (byte[] key : new ArrayList<>(lease.keys)) {
          tx.delete(key);
        }
        tx.commit();
      } finally {
        tx.abort();
      }
    }
    Ensure.that(lease.keys.isEmpty(), "a removed lease's keys are gone");
    byId.remove(lease.id);
    state.slotWrites.delete(EngineKeys.leaseKey(lease.id));
    note(new Change(Change.Kind.REMOVED, lease.id, 0, lease.renewal));
  }

  // ---------------------------------------------------------------- changes for the keeper

  /** From now on, keep the list of changes for a keeper. */
  void track() {
    tracking = true;
    reloadAll = true;
    changes.clear();
  }

  private void note(Change change) {
    if (!tracking || reloadAll) {
      return;
    }
    if (changes.size() >= CHANGES_MAX) {
      changes.clear();
      reloadAll = true;
      return;
    }
    changes.add(change);
  }

  /** Whether the keeper must rebuild everything from the table (and forget the list). */
  boolean takeReloadAll() {
    boolean reload = reloadAll;
    reloadAll = false;
    if (reload) {
      changes.clear();
    }
    return reload;
  }

  /** The changes since the last call, in apply order. */
  List<Change> takeChanges() {
    if (changes.isEmpty()) {
      return List.of();
    }
    List<Change> out = new ArrayList<>(changes);
    changes.clear();
    return out;
  }
}
