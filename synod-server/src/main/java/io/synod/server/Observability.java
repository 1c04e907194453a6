package io.synod.server;

import io.grpc.ServerInterceptor;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvException;
import io.synod.kv.KvResult;
import io.synod.kv.RangeRequest;
import io.synod.node.Node;
import io.synod.node.core.NodeCore;
import io.synod.server.http.ClusterStatus;
import io.synod.server.http.DiskUsage;
import io.synod.server.http.HttpEndpoint;
import io.synod.server.http.Probes;
import io.synod.server.http.StatusExtras;
import io.synod.server.metrics.ServerMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What a server shows of itself: its metrics (the node's observer, the store's apply timer, a gRPC
 * interceptor) and, if configured, its HTTP port ({@link HttpEndpoint}). Prepared before the node
 * starts, so that a busy HTTP port stops the start before the storage is opened.
 */
final class Observability implements AutoCloseable {
  /** The key the health checks read: any key would do, this one is short and unlikely to be large. */
  private static final byte[] HEALTH_KEY = "health".getBytes(StandardCharsets.UTF_8);

  private final ServerConfig config;
  private final ServerMetrics metrics = new ServerMetrics();
  private final DiskUsage disk;
  private final StatusExtras statusExtras;
  /** Null without an HTTP port. */
  private final HttpEndpoint http;

  private Observability(ServerConfig config, HttpEndpoint http) {
    this.config = config;
    this.disk = new DiskUsage(config.dataDir());
    this.statusExtras = new StatusExtras(disk);
    this.http = http;
  }

  /**
   * Binds the HTTP port if one is configured.
   *
   * @throws IOException naming the member and the address if the port cannot be bound
   */
  static Observability prepare(ServerConfig config) throws IOException {
    HttpEndpoint http = config.httpAddress() == null ? null : HttpEndpoint.bind(config.id(), config.httpAddress());
    return new Observability(config, http);
  }

  Node.Observer nodeObserver() {
    return metrics;
  }

  /** Times the store's applies. */
  java.util.function.LongConsumer applyTimer() {
    return metrics::applied;
  }

  /** Counts every gRPC call by method and status code. */
  ServerInterceptor grpcMetrics() {
    return metrics.grpc();
  }

  /** Adds this member's disk figures and HTTP address to its Maintenance Status answers. */
  ServerInterceptor statusExtras() {
    return statusExtras;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  /** The address the HTTP port listens on (the actual port), or null without one. */
  InetSocketAddress httpAddress() {
    return http == null ? null : http.address();
  }

  /** Binds the metrics to the running node and store, and starts serving HTTP if configured. */
  void start(Node<KvResult> node, StoreMachine machine) {
    ServerMetrics.StoreFigures store = new ServerMetrics.StoreFigures() {
      @Override
      public long revision() {
        return machine.revision();
      }

      @Override
      public long sizeBytes() {
        return machine.sizeBytes();
      }

      @Override
      public long keyCount() {
        return machine.keyCount();
      }
    };
    metrics.bind(node, store, disk);
    if (http == null) {
      return;
    }
    statusExtras.http(http.address());
    List<ClusterStatus.MemberAddress> members = new ArrayList<>();
    for (Member m : config.members()) {
      members.add(new ClusterStatus.MemberAddress(m.id(), m.name(), m.client()));
    }
    ClusterStatus.Local local = new ClusterStatus.Local() {
      @Override
      public NodeCore.Status status() {
        return node.status();
      }

      @Override
      public ServerMetrics.StoreFigures store() {
        return store;
      }

      @Override
      public ServerMetrics.DiskFigures disk() {
        return disk;
      }

      @Override
      public List<ServerMetrics.LeaderChange> leaderChanges() {
        return metrics.recentLeaderChanges();
      }

      @Override
      public InetSocketAddress http() {
        return http.address();
      }
    };
    http.start(new HttpEndpoint.Sources(metrics, probes(node, machine), local, config.clusterId(), members));
  }

  private Probes probes(Node<KvResult> node, StoreMachine machine) {
    long quotaBytes = config.effectiveQuotaBytes();
    return new Probes() {
      @Override
      public CompletableFuture<Void> serializableRead() {
        return etcdErrors(node.query(m -> {
          try {
            ((StoreMachine) m).store().range(RangeRequest.key(HEALTH_KEY).withKeysOnly(true).withLimit(1));
            return null;
          } catch (KvException e) {
            throw new CompletionException(e);
          }
        }));
      }

      @Override
      public CompletableFuture<Void> linearizableRead() {
        if (!hasLeader()) {
          return CompletableFuture.failedFuture(new IllegalStateException("etcdserver: no leader"));
        }
        byte[] command = KvCodec.encodeCommand(KvCommand.of(RangeRequest.key(HEALTH_KEY).withKeysOnly(true).withLimit(1)));
        return etcdErrors(node.submit(command).thenApply(result -> {
          if (!result.isOk()) {
            throw new CompletionException(new IllegalStateException(
                io.synod.kv.KvErrors.message(result.errorCode())));
          }
          return null;
        }));
      }

      @Override
      public boolean hasLeader() {
        return node.status().leaderId() != 0;
      }

      /**
       * NOSPACE while the store is over its space quota (puts are then refused with etcd's
       * "database space exceeded"). Synod raises no CORRUPT alarm: a member that finds its storage
       * corrupt stops (or rebuilds from its peers with --wipe-on-corruption) instead of serving.
       */
      @Override
      public List<String> activeAlarms() {
        return machine.sizeBytes() > quotaBytes ? List.of("NOSPACE") : List.of();
      }
    };
  }

  /** The future's failure, if any, with etcd's words for it as the message. */
  private static <T> CompletableFuture<Void> etcdErrors(CompletableFuture<T> future) {
    CompletableFuture<Void> mapped = new CompletableFuture<>();
    future.whenComplete((value, error) -> {
      if (error == null) {
        mapped.complete(null);
      } else {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause instanceof IllegalStateException ? cause.getMessage()
            : KvService.toStatus(cause).getStatus().getDescription();
        mapped.completeExceptionally(new IllegalStateException(message, cause));
      }
    });
    return mapped;
  }

  /** Stops serving HTTP and releases the metrics. */
  @Override
  public void close() {
    try {
      if (http != null) {
        http.close();
      }
    } finally {
      metrics.close();
    }
  }
}
