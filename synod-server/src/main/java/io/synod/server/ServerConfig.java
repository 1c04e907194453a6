package io.synod.server;

import io.synod.common.Ensure;
import io.synod.paxos.ReadLeaseConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one server process needs, validated.
 *
 * @param id this server's member id
 * @param members every member of the cluster (this one included)
 * @param dataDir this server's storage directory
 * @param requestBytesMax largest client request accepted (etcd's default is 1.5 MiB)
 * @param txnOpsMax most operations in one transaction (etcd's default is 128)
 * @param wipeOnCorruption rebuild from peers instead of refusing to start on corrupt storage
 * @param quotaBytes once the store holds more than this, writes that add data are refused with
 *     etcd's "database space exceeded" until compaction frees space; 0 picks the default
 * @param autoCompactionRetention keep this many revisions of history and compact older ones
 *     automatically (etcd's revision mode); 0 keeps everything until a client compacts
 * @param readLeases read leases (docs/READ-LEASES.md): linearizable reads answered from this
 *     member's own state where its lease allows
 * @param testOnlyClockRate the rate of the member's clock against the system's (1.0 in production;
 *     tests of read leases under drift set another)
 * @param httpAddress where to serve metrics, health and the status page over HTTP; null for nowhere
 * @param watchProgressNotifyIntervalMillis how often a watcher that asked for progress notifications
 *     and got no events hears the current revision (etcd's default: 10 minutes)
 */
public record ServerConfig(
    int id, List<Member> members, Path dataDir, int requestBytesMax, int txnOpsMax, boolean wipeOnCorruption,
    long quotaBytes, long autoCompactionRetention, ReadLeaseConfig readLeases, double testOnlyClockRate,
    InetSocketAddress httpAddress, long watchProgressNotifyIntervalMillis) {

  public static final int REQUEST_BYTES_DEFAULT = 1_572_864;
  public static final int TXN_OPS_DEFAULT = 128;
  /**
   * The history lives on the heap, so unlike etcd (whose history is on disk) a member compacts by
   * default: 100,000 revisions is tens of megabytes of history at etcd's typical value sizes, and
   * sustained writes then hold steady instead of filling the heap and the space quota.
   */
  public static final long AUTO_COMPACTION_RETENTION_DEFAULT = 100_000;
  /** etcd's progress notification interval, 10 minutes. */
  public static final long WATCH_PROGRESS_NOTIFY_INTERVAL_MILLIS_DEFAULT = 600_000;

  public ServerConfig {
    members = List.copyOf(members);
    // The messages name the command-line options these fields come from.
    Ensure.argument(members.stream().anyMatch(m -> m.id() == id), "--id " + id + " is not among the --members ids "
        + members.stream().map(m -> Integer.toString(m.id())).toList());
    Ensure.argument(requestBytesMax >= 1024, "--max-request-bytes must be at least 1024, not " + requestBytesMax);
    Ensure.argument(txnOpsMax >= 1, "--max-txn-ops must be at least 1, not " + txnOpsMax);
    Ensure.notNull(dataDir, "data directory");
    Ensure.argument(quotaBytes >= 0, "--quota-backend-bytes must not be negative, not " + quotaBytes);
    Ensure.notNull(readLeases, "readLeases");
    Ensure.argument(testOnlyClockRate > 0.5 && testOnlyClockRate < 2, "the test clock rate must be within (0.5, 2)");
    Ensure.argument(autoCompactionRetention >= 0,
        "--auto-compaction-retention must not be negative, not " + autoCompactionRetention);
    Ensure.argument(watchProgressNotifyIntervalMillis >= 1, "--experimental-watch-progress-notify-interval must be "
        + "at least 1 ms, not " + watchProgressNotifyIntervalMillis);
  }

  /** A configuration with etcd's watch progress notification interval. */
  public ServerConfig(
      int id, List<Member> members, Path dataDir, int requestBytesMax, int txnOpsMax, boolean wipeOnCorruption,
      long quotaBytes, long autoCompactionRetention, ReadLeaseConfig readLeases, double testOnlyClockRate,
      InetSocketAddress httpAddress) {
    this(id, members, dataDir, requestBytesMax, txnOpsMax, wipeOnCorruption, quotaBytes, autoCompactionRetention,
        readLeases, testOnlyClockRate, httpAddress, WATCH_PROGRESS_NOTIFY_INTERVAL_MILLIS_DEFAULT);
  }

  /** The member's watch limits, with the configured progress notification interval. */
  public io.synod.kv.watch.WatchConfig watchConfig() {
    return io.synod.kv.watch.WatchConfig.DEFAULTS.withProgressIntervalNanos(watchProgressNotifyIntervalMillis * 1_000_000L);
  }

  /** A configuration with read leases off, the system clock and no HTTP port. */
  public ServerConfig(
      int id, List<Member> members, Path dataDir, int requestBytesMax, int txnOpsMax, boolean wipeOnCorruption,
      long quotaBytes, long autoCompactionRetention) {
    this(id, members, dataDir, requestBytesMax, txnOpsMax, wipeOnCorruption, quotaBytes, autoCompactionRetention,
        ReadLeaseConfig.off(), 1.0, null);
  }

  /** A configuration with the system clock and no HTTP port. */
  public ServerConfig(
      int id, List<Member> members, Path dataDir, int requestBytesMax, int txnOpsMax, boolean wipeOnCorruption,
      long quotaBytes, long autoCompactionRetention, ReadLeaseConfig readLeases, double testOnlyClockRate) {
    this(id, members, dataDir, requestBytesMax, txnOpsMax, wipeOnCorruption, quotaBytes, autoCompactionRetention,
        readLeases, testOnlyClockRate, null);
  }

  /**
   * The quota in force: the configured one, or by default an eighth of the JVM's heap limit. The
   * store lives on the heap with its indexes on top of its bytes, the latest snapshot is kept as one
   * array of about its size, and taking the next one needs more for a moment, so the store gets a
   * small share of the heap (etcd's default, 2 GiB, counts disk instead).
   */
  public long effectiveQuotaBytes() {
    return quotaBytes > 0 ? quotaBytes : Runtime.getRuntime().maxMemory() / 8;
  }

  public Member self() {
    return members.stream().filter(m -> m.id() == id).findFirst().orElseThrow();
  }

  /** A cluster id every member computes alike from the member list (etcd derives its own similarly). */
  public long clusterId() {
    long h = 0x9E3779B97F4A7C15L;
    for (Member m : members) {
      h = (h ^ m.id()) * 0x100000001B3L;
      h = (h ^ m.peerUrl().hashCode()) * 0x100000001B3L;
    }
    return h == 0 ? 1 : h & Long.MAX_VALUE;
  }
}
