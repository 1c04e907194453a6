package io.synod.server.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the health checks ask of the member. The futures fail with an exception whose message is
 * what etcd would say (e.g. {@code etcdserver: no leader}).
 */
public interface Probes {
  /** A one-key read served from this member's state, on the node's loop (etcd's serializable read). */
  CompletableFuture<Void> serializableRead();

  /** A one-key read through the log, which needs the leader and a quorum (etcd's linearizable read). */
  CompletableFuture<Void> linearizableRead();

  /** Whether this member knows a leader. */
  boolean hasLeader();

  /**
   * The alarms active in the cluster, by etcd's names ({@code NOSPACE}, {@code CORRUPT}); empty
   * while none is raised.
   */
  List<String> activeAlarms();
}
