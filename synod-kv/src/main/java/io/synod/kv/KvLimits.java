package io.synod.kv;

import io.synod.common.Ensure;

/**
 * The store's limits. They decide whether a command fails, so they are part of the replicated
 * configuration: every replica must apply with the same limits, or replicas diverge.
 *
 * @param txnOpsMax ops per transaction, counted like etcd's {@code --max-txn-ops}: the largest of the
 *     compare, success and failure lists, with nested transactions checked against what remains
 * @param requestBytesMax the largest encoded command accepted (etcd's {@code --max-request-bytes})
 * @param sessionsMax exactly-once clients remembered; the least recently used is forgotten first
 * @param leasesMax leases that may exist at once; a grant beyond it is refused (TOO_MANY_LEASES)
 * @param leaseTtlMinSeconds a grant asking for less gets this TTL (etcd raises a small TTL to a
 *     minimum derived from the election timeout, so a lease outlives a leader change)
 */
public record KvLimits(int txnOpsMax, int requestBytesMax, int sessionsMax, int leasesMax, long leaseTtlMinSeconds) {
  /** etcd's defaults: 128 ops per txn, 1.5 MiB per request, a 2 s minimum TTL (1 s election timeout). */
  public static final KvLimits DEFAULTS = new KvLimits(128, 1536 * 1024, 10_000);

  /** etcd's largest lease TTL ({@code MaxLeaseTTL}, about 285 years). */
  public static final long LEASE_TTL_MAX_SECONDS = 9_000_000_000L;
  /** Leases by default: a million, about 200 MB of heap with their bookkeeping. */
  public static final int LEASES_MAX_DEFAULT = 1_000_000;
  /** etcd's minimum TTL under its default election timeout of 1 s: ceil(1.5 s). */
  public static final long LEASE_TTL_MIN_DEFAULT_SECONDS = 2;

  /** The limits with the default lease limits. */
  public KvLimits(int txnOpsMax, int requestBytesMax, int sessionsMax) {
    this(txnOpsMax, requestBytesMax, sessionsMax, LEASES_MAX_DEFAULT, LEASE_TTL_MIN_DEFAULT_SECONDS);
  }

  /**
   * etcd's minimum lease TTL for an election timeout: 1.5 election timeouts, rounded up to whole
   * seconds ({@code minTTL} in etcd's lessor).
   */
  public static long leaseTtlMinSeconds(long electionTimeoutNanos) {
    long nanos = electionTimeoutNanos * 3 / 2;
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /** Deepest transaction nesting the codec decodes; the ops limit bounds real nesting far below. */
  public static final int TXN_DEPTH_MAX = 256;

  public KvLimits {
    validate(txnOpsMax, requestBytesMax, sessionsMax);
    Ensure.argument(leasesMax >= 1, "leasesMax must be at least 1");
    Ensure.argument(leaseTtlMinSeconds >= 1, "leaseTtlMinSeconds must be at least 1");
    Ensure.argument(leaseTtlMinSeconds <= LEASE_TTL_MAX_SECONDS, "leaseTtlMinSeconds must be at most the largest TTL");
  }

  private static void validate(int txnOpsMax, int requestBytesMax, int sessionsMax) {
    Ensure.argument(txnOpsMax >= 1, "txnOpsMax must be at least 1");
    Ensure.argument(txnOpsMax <= 65_536, "txnOpsMax must be at most 65536");
    Ensure.argument(requestBytesMax >= 1024, "requestBytesMax must be at least 1 KiB");
    Ensure.argument(requestBytesMax <= 64 * 1024 * 1024, "requestBytesMax must be at most 64 MiB");
    Ensure.argument(sessionsMax >= 1, "sessionsMax must be at least 1");
    Ensure.argument(sessionsMax <= 10_000_000, "sessionsMax must be at most 10 million");
  }
}
