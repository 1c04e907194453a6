package io.synod.sim;

import io.synod.kv.Bytes;
import io.synod.kv.CompactionRequest;
import io.synod.kv.Compare;
import io.synod.kv.DeleteRangeRequest;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvRequest;
import io.synod.kv.LeaseRequest;
import io.synod.kv.PutRequest;
import io.synod.kv.RangeRequest;
import io.synod.kv.TxnRequest;
import io.synod.lincheck.KvInput;

/**
 * One operation of a simulated client: an etcd KV request, and where and when it was sent. GET,
 * PUT, DELETE and CAS are checked for linearizability; READ_AT (a get at an earlier revision) and
 * COMPACT are not part of that model and are checked against the {@link RevisionLog} instead.
 */
final class ClientOp {
  enum Kind {
    /** A single-key range at the current revision. */
    GET,
    PUT,
    /** A single-key delete range. */
    DELETE,
    /** A transaction: if the key holds {@code expected} (or is absent), put {@code value}, else nothing. */
    CAS,
    /** A single-key range at {@code revision}: the key's value then, or the compacted error. */
    READ_AT,
    /** Compacts history up to {@code revision}. */
    COMPACT,
    /** Grants lease {@code leaseId} (see {@link LeaseChecks}). */
    LEASE_GRANT,
    LEASE_KEEP_ALIVE,
    /** Puts {@code key} attached to lease {@code leaseId}. */
    LEASE_PUT,
    LEASE_REVOKE
  }

  final int client;
  final Kind kind;
  /** Answered from its replica's state under a read lease, not through the log. */
  boolean answeredLocally;
  /** Its replica's host delivered a local answer too late for the lease, and the read started over. */
  boolean hostStalled;
  final String key;
  /** The value PUT and CAS write, unique to this operation. */
  final String value;
  /** The value CAS expects; null: the key must be absent. */
  final String expected;
  /** CAS on an absent key: compare the version with 0 rather than the create revision. */
  final boolean absentByVersion;
  /** The revision READ_AT reads at and COMPACT compacts to. */
  final long revision;
  /** The lease a lease operation is about. */
  long leaseId;
  /** When a replica first applied it (lease operations only); -1: not yet. */
  long firstAppliedNanos = -1;

  /** The replica the request went to, and which life of it (a crash ends the request). */
  int node;
  int nodeLife;
  long requestId;
  SimCommandId commandId;
  long callNanos;
  /** The replica took the request (did not refuse it as busy when it was handed over). */
  boolean taken;
  /** The operation's id in the client history; -1 until recorded (a refused request never is). */
  long historyId = -1;

  ClientOp(int client, Kind kind, String key, String value, String expected, boolean absentByVersion, long revision) {
    this.client = client;
    this.kind = kind;
    this.key = key;
    this.value = value;
    this.expected = expected;
    this.absentByVersion = absentByVersion;
    this.revision = revision;
  }

  /** A lease operation of client {@code client} on lease {@code leaseId}, attaching {@code key}. */
  static ClientOp lease(int client, Kind kind, String key, long leaseId) {
    ClientOp op = new ClientOp(client, kind, key, kind == Kind.LEASE_PUT ? "leased" : null, null, false, 0);
    op.leaseId = leaseId;
    return op;
  }

  /** Whether the operation is a lease operation. */
  boolean isLease() {
    return kind == Kind.LEASE_GRANT || kind == Kind.LEASE_KEEP_ALIVE || kind == Kind.LEASE_PUT
        || kind == Kind.LEASE_REVOKE;
  }

  /** Whether the operation is part of the linearizability model. */
  boolean modelled() {
    return kind != Kind.READ_AT && kind != Kind.COMPACT && !isLease();
  }

  /** The operation as the linearizability checker's model sees it. */
  KvInput input() {
    return switch (kind) {
      case GET -> KvInput.get(key);
      case PUT -> KvInput.put(key, value);
      case DELETE -> KvInput.delete(key);
      case CAS -> KvInput.cas(key, expected, value);
      default -> throw new IllegalStateException(kind + " is not modelled");
    };
  }

  /** The command as a client's server sends it into the log. */
  /** Whether this operation only reads (a get, at the current revision or an older one). */
  boolean readOnly() {
    return kind == Kind.GET || kind == Kind.READ_AT;
  }

  byte[] command() {
    return KvCodec.encodeCommand(KvCommand.of(request()));
  }

  private KvRequest request() {
    byte[] k = Bytes.utf8(key);
    return switch (kind) {
      case GET -> RangeRequest.key(k);
      case READ_AT -> RangeRequest.key(k).atRevision(revision);
      case PUT -> PutRequest.of(k, Bytes.utf8(value));
      case DELETE -> DeleteRangeRequest.key(k);
      case CAS -> TxnRequest.when(condition(k)).then(PutRequest.of(k, Bytes.utf8(value)));
      case COMPACT -> CompactionRequest.of(revision);
      case LEASE_GRANT -> LeaseRequest.grant(leaseId, LeaseChecks.TTL_SECONDS);
      case LEASE_KEEP_ALIVE -> LeaseRequest.keepAlive(leaseId);
      case LEASE_PUT -> PutRequest.of(k, Bytes.utf8(value)).withLease(leaseId);
      case LEASE_REVOKE -> LeaseRequest.revoke(leaseId);
    };
  }

  /** etcd's idioms: the value equals, or the key does not exist (create revision or version 0). */
  private Compare condition(byte[] k) {
    if (expected != null) {
      return Compare.value(k, Compare.Result.EQUAL, Bytes.utf8(expected));
    }
    return absentByVersion
        ? Compare.version(k, Compare.Result.EQUAL, 0)
        : Compare.createRevision(k, Compare.Result.EQUAL, 0);
  }

  /** A value as a report shows it: a long one by its start and its length. */
  static String shown(String value) {
    return value.length() <= 24 ? value : value.substring(0, 12) + "...(" + value.length() + " chars)";
  }

  @Override
  public String toString() {
    return switch (kind) {
      case GET -> "get(" + key + ")";
      case READ_AT -> "get(" + key + " at revision " + revision + ")";
      case PUT -> "put(" + key + ", " + shown(value) + ")";
      case DELETE -> "delete(" + key + ")";
      case CAS -> "cas(" + key + ", " + (expected == null ? "absent" : shown(expected)) + " -> " + shown(value) + ")";
      case COMPACT -> "compact(" + revision + ")";
      case LEASE_GRANT -> "lease-grant(" + leaseId + ")";
      case LEASE_KEEP_ALIVE -> "lease-keep-alive(" + leaseId + ")";
      case LEASE_PUT -> "put(" + key + " with lease " + leaseId + ")";
      case LEASE_REVOKE -> "lease-revoke(" + leaseId + ")";
    } + " by client " + client;
  }
}
