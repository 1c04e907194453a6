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
 */
public record KvLimits(int txnOpsMax, int requestBytesMax, int sessionsMax) {
  /** etcd's defaults: 128 ops per txn, 1.5 MiB per request. */
  public static final KvLimits DEFAULTS = new KvLimits(128, 1536 * 1024, 10_000);

  /** Deepest transaction nesting the codec decodes; the ops limit bounds real nesting far below. */
  public static final int TXN_DEPTH_MAX = 256;

  public KvLimits {
    validate(txnOpsMax, requestBytesMax, sessionsMax);
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
