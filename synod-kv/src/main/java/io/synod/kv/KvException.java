package io.synod.kv;

import io.synod.common.Ensure;

/**
 * A request the store refused, with etcd's error: {@link #code()} names it and {@link #getMessage()}
 * is etcd's exact gRPC description ("etcdserver: mvcc: required revision has been compacted"), which
 * Go clients match on. {@link KvErrors} maps codes to gRPC status codes for the server.
 *
 * <p>These are expected outcomes of bad or late requests, not bugs, so no stack trace is recorded.
 */
public final class KvException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong; see {@link KvErrors} for each one's message and gRPC status. */
  public enum Code {
    /** The requested revision was compacted away. */
    COMPACTED,
    /** The requested revision is newer than the store's. */
    FUTURE_REV,
    /** A put with ignore_value or ignore_lease named a key that does not exist. */
    KEY_NOT_FOUND,
    /** A transaction branch writes one key twice (or puts a key it also deletes). */
    DUPLICATE_KEY,
    /** A transaction has more ops than the limit. */
    TOO_MANY_OPS,
    /** The encoded request is larger than the limit. */
    REQUEST_TOO_LARGE,
    /** A request's key is empty. */
    EMPTY_KEY,
    /** A put with ignore_value also carries a value. */
    VALUE_PROVIDED,
    /** A put with ignore_lease also carries a lease. */
    LEASE_PROVIDED,
    /** The command bytes are malformed (bad encoding, unknown tag, out-of-range field). */
    INVALID_ARGUMENT,
    /** An exactly-once command is older than the last one applied for its client. */
    SEQUENCE_STALE,
    /** The NOSPACE alarm is raised: a request that adds data is refused until it is disarmed. */
    NO_SPACE,
    /** A put or lease call names a lease that does not exist (never granted, revoked or expired). */
    LEASE_NOT_FOUND,
    /** A grant asks for an id that an existing lease has. */
    LEASE_EXISTS,
    /** A grant asks for a TTL above {@link KvLimits#LEASE_TTL_MAX_SECONDS}. */
    LEASE_TTL_TOO_LARGE,
    /** A grant would hold more leases than {@link KvLimits#leasesMax()}. */
    TOO_MANY_LEASES
  }

  private final Code code;

  /** The error {@code code} with its standard message. */
  public KvException(Code code) {
    this(code, KvErrors.message(code));
  }

  /** The error {@code code} with a specific message (used for INVALID_ARGUMENT details). */
  public KvException(Code code, String message) {
    super(Ensure.notNull(message, "message"), null, false, false);
    this.code = Ensure.notNull(code, "code");
  }

  /** A malformed-input error whose message names what was wrong. */
  public static KvException invalid(String detail) {
    return new KvException(Code.INVALID_ARGUMENT, KvErrors.message(Code.INVALID_ARGUMENT) + ": " + detail);
  }

  public Code code() {
    return code;
  }
}
