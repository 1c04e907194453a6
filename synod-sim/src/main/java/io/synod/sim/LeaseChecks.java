package io.synod.sim;

import io.synod.common.Marks;
import io.synod.kv.KvException;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResult;
import io.synod.kv.LeaseKeeper;
import io.synod.kv.LeaseRequest;
import io.synod.kv.LeaseResponse;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The lease part of the workload and its checks. Clients grant leases (with ids of their own), keep
 * them alive now and then, attach keys outside the linearizability model's key space, revoke some
 * and abandon others, which then expire. The leader's {@link LeaseKeeper} proposes expiries and
 * checkpoints through the node, as in production.
 *
 * <p>Checks: a lease expires at the same revision on every replica; and never early: from the first
 * apply, on any replica, of the last grant or keep-alive whose answer a client got, to the first
 * apply of the expiry, at least the TTL passes on a clock within the run's drift bound (simulated
 * time times 1 + rho). Applies are the earliest the leader could have dated a renewal, and a replica
 * applies an expiry only after the leader proposed it, so a correct keeper passes under any leader
 * changes, partitions and pauses.
 */
final class LeaseChecks {
  private static final long MS = SimOptions.MS;
  /** The TTL clients ask for (above the store's 2 s minimum). */
  static final long TTL_SECONDS = 3;
  /** The keepers' configuration in the simulator: checkpoints every second, so many happen. */
  static final LeaseKeeper.Config KEEPER = new LeaseKeeper.Config(1_000 * MS, 500 * MS, 100);
  /** The share of client operations that are lease operations. */
  static final double SHARE = 0.06;

  private static final class State {
    long ttlNanos;
    /** The first apply of the last grant or keep-alive a client got an answer to; -1: none. */
    long promisedFromNanos = -1;
    long expiredAtNanos = -1;
    long expiredRevision = -1;
    int expiredOn;
  }

  private final Scheduler scheduler;
  private final double rho;
  /** The lease each client keeps alive now (0: none), by client id. */
  private final long[] clientLease;
  /** Leases by id (looked up, and iterated only in id order). */
  private final TreeMap<Long, State> leases = new TreeMap<>();
  private int expiries;
  private int keepAlivesAnswered;

  LeaseChecks(Scheduler scheduler, int clients, double rho) {
    this.scheduler = scheduler;
    this.rho = rho;
    this.clientLease = new long[clients + 1];
  }

  /** Client {@code client}'s next lease operation, its {@code seq}-th operation. */
  ClientOp nextOp(int client, long seq, SplittableRandom random) {
    long lease = clientLease[client];
    String key = "lease/" + client;
    if (lease == 0 || random.nextInt(16) == 0) {
      // A new lease; the old one, no longer kept alive, expires.
      lease = client * 1_000_000_000L + seq;
      clientLease[client] = lease;
      return ClientOp.lease(client, ClientOp.Kind.LEASE_GRANT, key, lease);
    }
    int dice = random.nextInt(10);
    if (dice < 6) {
      return ClientOp.lease(client, ClientOp.Kind.LEASE_KEEP_ALIVE, key, lease);
    }
    if (dice < 9) {
      return ClientOp.lease(client, ClientOp.Kind.LEASE_PUT, key, lease);
    }
    clientLease[client] = 0;
    return ClientOp.lease(client, ClientOp.Kind.LEASE_REVOKE, key, lease);
  }

  /** A replica applied the client's lease operation {@code op}. */
  void applied(ClientOp op) {
    if (op.firstAppliedNanos < 0) {
      op.firstAppliedNanos = scheduler.now();
    }
  }

  /**
   * A replica answered {@code op} with {@code result}, and the client got the answer if
   * {@code delivered} (it was still waiting); returns false if the reply does not answer the
   * operation.
   */
  boolean answered(ClientOp op, KvResult result, boolean delivered) {
    if (!result.isOk()) {
      // A lease revoked, expired or not granted yet (its grant's outcome unknown).
      return result.errorCode() == KvException.Code.LEASE_NOT_FOUND && op.kind != ClientOp.Kind.LEASE_GRANT;
    }
    if (op.kind == ClientOp.Kind.LEASE_PUT) {
      return result.response() instanceof io.synod.kv.PutResponse;
    }
    if (!(result.response() instanceof LeaseResponse r) || r.id() != op.leaseId) {
      return false;
    }
    if (op.kind == ClientOp.Kind.LEASE_REVOKE) {
      return true;
    }
    if (r.ttlSeconds() != TTL_SECONDS) {
      return false;
    }
    if (op.firstAppliedNanos < 0) {
      throw new SimViolation(op + " was answered but no replica applied it");
    }
    if (!delivered) {
      return true; // the client gave up first: it was promised nothing
    }
    if (op.kind == ClientOp.Kind.LEASE_KEEP_ALIVE) {
      keepAlivesAnswered++;
    }
    State s = leases.computeIfAbsent(op.leaseId, id -> new State());
    s.ttlNanos = r.ttlSeconds() * 1_000_000_000L;
    s.promisedFromNanos = Math.max(s.promisedFromNanos, op.firstAppliedNanos);
    if (s.expiredAtNanos >= 0) {
      checkNotEarly(op.leaseId, s);
    }
    return true;
  }

  /** Replica {@code replicaId} applied a node's own command {@code request} with {@code result}. */
  void internalApplied(int replicaId, KvRequest request, KvResult result) {
    if (!(request instanceof LeaseRequest lease)
        || (lease.op() != LeaseRequest.Op.EXPIRE && lease.op() != LeaseRequest.Op.CHECKPOINT)) {
      throw new SimViolation("replica " + replicaId + " applied a node's own command that is no lease expiry or "
          + "checkpoint: " + request);
    }
    if (!result.isOk() || !(result.response() instanceof LeaseResponse r)) {
      throw new SimViolation("replica " + replicaId + " failed to apply " + request + ": " + result.errorMessage());
    }
    if (lease.op() != LeaseRequest.Op.EXPIRE || !r.changed()) {
      return;
    }
    State s = leases.computeIfAbsent(lease.id(), id -> new State());
    long revision = r.header().revision();
    if (s.expiredRevision < 0) {
      s.expiredAtNanos = scheduler.now();
      s.expiredRevision = revision;
      s.expiredOn = replicaId;
      expiries++;
      Marks.hit("sim.lease-expired");
      checkNotEarly(lease.id(), s);
    } else if (s.expiredRevision != revision) {
      throw new SimViolation("lease " + lease.id() + " expired at revision " + revision + " on replica " + replicaId
          + " but at revision " + s.expiredRevision + " on replica " + s.expiredOn);
    }
  }

  private void checkNotEarly(long id, State s) {
    if (s.promisedFromNanos < 0) {
      return;
    }
    double elapsed = (s.expiredAtNanos - s.promisedFromNanos) * (1 + rho);
    if (elapsed < s.ttlNanos) {
      throw new SimViolation("lease " + id + " expired at " + s.expiredAtNanos / MS + " ms, only "
          + (s.expiredAtNanos - s.promisedFromNanos) / MS + " ms after the grant or keep-alive applied at "
          + s.promisedFromNanos / MS + " ms, whose answer a client got: its TTL is " + s.ttlNanos / MS + " ms");
    }
    Marks.hit("sim.lease-expiry-not-early");
  }

  String stats() {
    return "leases(granted=" + leases.size() + " kept-alive=" + keepAlivesAnswered + " expired=" + expiries + ")";
  }
}
