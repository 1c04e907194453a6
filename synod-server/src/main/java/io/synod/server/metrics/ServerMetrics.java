package io.synod.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.synod.node.Node;
import io.synod.node.core.NodeCore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The member's Prometheus metrics, named after etcd's ({@code etcd_server_proposals_committed_total}
 * is {@code synod_server_proposals_committed_total} here) so that etcd dashboards and alerts carry
 * over. The node reports to it as its {@link Node.Observer}; everything else is read when scraped.
 *
 * <p>Hot paths only add to counters and record into fixed histograms ({@link Timer#record(long,
 * TimeUnit)}), which allocates nothing.
 */
public final class ServerMetrics implements Node.Observer, AutoCloseable {
  /** What the member's state machine shows, read from any thread. */
  public interface StoreFigures {
    long revision();

    long sizeBytes();

    long keyCount();
  }

  /** A recent change of the leader this member sees; {@code leaderId} 0 means it lost its leader. */
  public record LeaderChange(long timeMillis, int leaderId, long ballotRound) {}

  private static final int LEADER_CHANGES_KEPT = 20;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer walFsync;
  private final Timer apply;
  private final Counter leaderChanges;
  private final GrpcMetrics grpc;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  /** The leader the node last reported (loop thread only). */
  private int lastLeader;
  private volatile int leaderId;
  private volatile boolean leading;
  private final ArrayList<LeaderChange> recentLeaderChanges = new ArrayList<>();

  public ServerMetrics() {
    // etcd's buckets for its WAL fsync histogram: 1 ms to about 8 s, doubling.
    walFsync = Timer.builder("synod.disk.wal.fsync.duration")
        .description("The latency of the log's fsyncs")
        .serviceLevelObjectives(doubling(Duration.ofMillis(1), 14))
        .register(registry);
    // The store applies in memory: 10 µs to about 1.3 s, doubling.
    apply = Timer.builder("synod.server.apply.duration")
        .description("The latency of applying one command to the state machine")
        .serviceLevelObjectives(doubling(Duration.ofNanos(10_000), 18))
        .register(registry);
    leaderChanges = Counter.builder("synod.server.leader.changes.seen")
        .description("The number of leader changes seen")
        .register(registry);
    Gauge.builder("synod.server.has.leader", this, m -> m.leaderId != 0 ? 1 : 0)
        .description("Whether a leader exists: 1 if one does, 0 if not")
        .register(registry);
    Gauge.builder("synod.server.is.leader", this, m -> m.leading ? 1 : 0)
        .description("Whether this member is the leader: 1 if it is, 0 if not")
        .register(registry);
    grpc = new GrpcMetrics(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Registers the figures the running node and its store offer; call once, after the node started. */
  public void bind(Node<?> node, StoreFigures store, DiskFigures disk) {
    FunctionCounter.builder("synod.server.proposals.committed", node, n -> n.status().chosenUpTo())
        .description("The number of consensus proposals committed (the highest chosen slot known here)")
        .register(registry);
    FunctionCounter.builder("synod.server.proposals.applied", node, n -> n.status().appliedUpTo())
        .description("The number of consensus proposals applied (the highest slot applied here)")
        .register(registry);
    Gauge.builder("synod.server.proposals.pending", node, Node::pendingRequests)
        .description("The number of client requests submitted here and waiting for their outcome")
        .register(registry);
    FunctionCounter.builder("synod.server.proposals.failed", node, Node::failedRequests)
        .description("The number of client requests that failed without an outcome (busy or timed out)")
        .register(registry);
    // Read leases (docs/READ-LEASES.md): the local-read ratio is local / (local + through_log).
    FunctionCounter.builder("synod.server.reads.local", node, n -> n.readCounts().local())
        .description("Linearizable reads answered from this member's state under a read lease")
        .register(registry);
    FunctionCounter.builder("synod.server.reads.through.log", node, n -> n.readCounts().throughLog())
        .description("Linearizable reads sent through the log because no read lease allowed a local answer")
        .register(registry);
    FunctionCounter.builder("synod.server.reads.lease.expired", node, Node::localReadsExpired)
        .description("Local answers that came too late for their read lease and were read again")
        .register(registry);
    FunctionCounter.builder("synod.server.reads.waited", node, Node::readsWaited)
        .description("Reads that waited for writes this member had accepted to be applied")
        .register(registry);
    Gauge.builder("synod.server.slots.held.for.lease.holders", node,
            n -> n.status() == null ? 0 : Math.max(0, n.status().chosenUpTo() - n.status().appliedUpTo()))
        .description("Slots chosen but not yet applied here: with read leases, held back until every lease "
            + "holder accepted them or its promises ran out (write stalls)")
        .register(registry);
    gauge("synod.mvcc.db.total.size.in.bytes", "The store's size in bytes", store, StoreFigures::sizeBytes);
    gauge("synod.mvcc.keys", "The number of keys present at the current revision", store, StoreFigures::keyCount);
    gauge("synod.mvcc.current.revision", "The store's current revision", store, StoreFigures::revision);
    gauge("synod.disk.wal.size.in.bytes", "Bytes of the log's segment files on disk", disk, d -> d.walBytes());
    gauge("synod.disk.snapshot.size.in.bytes", "Bytes of the stored snapshots on disk", disk, d -> d.snapshotBytes());
    // Watchers: the Watch service does not exist yet; its watcher count belongs here as
    // synod_mvcc_watcher (etcd_debugging_mvcc_watcher_total) once it does.
  }

  private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value).description(description).register(registry);
  }

  /** Times each command the state machine applies. */
  public void applied(long nanos) {
    apply.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A gRPC interceptor that counts calls by method and status code. */
  public GrpcMetrics grpc() {
    return grpc;
  }

  @Override
  public void walSynced(long nanos) {
    walFsync.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void statusChanged(NodeCore.Status status) {
    int leader = status.leaderId();
    leading = status.role() == io.synod.paxos.Replica.Role.LEADER;
    if (leader == lastLeader) {
      return;
    }
    // As etcd counts: a change to a leader other than the one before, none included.
    if (leader != 0) {
      leaderChanges.increment();
    }
    lastLeader = leader;
    leaderId = leader;
    LeaderChange change = new LeaderChange(System.currentTimeMillis(), leader, status.ballotRound());
    synchronized (recentLeaderChanges) {
      if (recentLeaderChanges.size() == LEADER_CHANGES_KEPT) {
        recentLeaderChanges.remove(0);
      }
      recentLeaderChanges.add(change);
    }
  }

  /** The last leader changes this member saw, oldest first (at most 20). */
  public List<LeaderChange> recentLeaderChanges() {
    synchronized (recentLeaderChanges) {
      return List.copyOf(recentLeaderChanges);
    }
  }

  /** The metrics in Prometheus's text format (version 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  private static Duration[] doubling(Duration first, int count) {
    Duration[] bounds = new Duration[count];
    for (int i = 0; i < count; i++) {
      bounds[i] = first.multipliedBy(1L << i);
    }
    return bounds;
  }

  /** Sizes of the member's files on disk. */
  public interface DiskFigures {
    long walBytes();

    long snapshotBytes();
  }
}
