package io.synod.server;

import io.synod.common.Ensure;
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
 */
public record ServerConfig(
    int id, List<Member> members, Path dataDir, int requestBytesMax, int txnOpsMax, boolean wipeOnCorruption) {

  public static final int REQUEST_BYTES_DEFAULT = 1_572_864;
  public static final int TXN_OPS_DEFAULT = 128;

  public ServerConfig {
    members = List.copyOf(members);
    Ensure.argument(members.stream().anyMatch(m -> m.id() == id), "member " + id + " is not in the member list");
    Ensure.argument(requestBytesMax >= 1024, "request size limit must be at least 1 KiB");
    Ensure.argument(txnOpsMax >= 1, "txn ops limit must be at least 1");
    Ensure.notNull(dataDir, "data directory");
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
