package io.synod.server.http;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.synod.node.core.NodeCore;
import io.synod.server.metrics.ServerMetrics;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster as this member sees it, for the status page ({@code /status.json}): its own figures
 * read locally, every other member's from its Maintenance Status answer (with Synod's extras in the
 * trailers, see {@link StatusExtras}), asked in parallel with a short deadline; a member that does
 * not answer in time is shown unreachable, with the reason. Answers are kept for a moment, so that
 * many open pages cost the peers no more than one.
 */
public final class ClusterStatus implements AutoCloseable {
  /** A member as configured. */
  public record MemberAddress(int id, String name, InetSocketAddress client) {}

  /** What this member knows about itself, read without blocking. */
  public interface Local {
    NodeCore.Status status();

    ServerMetrics.StoreFigures store();

    ServerMetrics.DiskFigures disk();

    List<ServerMetrics.LeaderChange> leaderChanges();

    /** Where this member serves HTTP (its actual port). */
    InetSocketAddress http();
  }

  static final long PEER_DEADLINE_MILLIS = 500;
  private static final long FRESH_NANOS = 250_000_000L;

  private final int selfId;
  private final long clusterId;
  private final List<MemberAddress> members;
  private final Local local;
  private final Map<Integer, ManagedChannel> channels = new LinkedHashMap<>();
  private String cached;
  private long cachedAtNanos;

  ClusterStatus(int selfId, long clusterId, List<MemberAddress> members, Local local) {
    this.selfId = selfId;
    this.clusterId = clusterId;
    this.members = List.copyOf(members);
    this.local = local;
    // Connected now, so that the first look at the page does not spend its deadline on connecting.
    for (MemberAddress m : this.members) {
      if (m.id() != selfId) {
        channel(m).getState(true);
      }
    }
  }

  /** The status as JSON; asks the other members at most every 250 ms. */
  synchronized String json() {
    long now = System.nanoTime();
    if (cached == null || now - cachedAtNanos >= FRESH_NANOS) {
      cached = collect();
      cachedAtNanos = System.nanoTime();
    }
    return cached;
  }

  private record Asked(Future<StatusResponse> answer, AtomicReference<Metadata> trailers) {}

  private String collect() {
    Map<Integer, Asked> asked = new LinkedHashMap<>();
    for (MemberAddress m : members) {
      if (m.id() != selfId) {
        ManagedChannel channel = channel(m);
        // A channel that failed to connect waits out a growing back-off (up to minutes) before it
        // tries again: a member that is back should show at once.
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
          channel.resetConnectBackoff();
        }
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Future<StatusResponse> answer = MaintenanceGrpc.newFutureStub(channel)
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
            .withDeadlineAfter(PEER_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance());
        asked.put(m.id(), new Asked(answer, trailers));
      }
    }
    NodeCore.Status self = local.status();
    Json json = new Json().beginObject()
        .field("member", selfId)
        .field("clusterId", Long.toUnsignedString(clusterId, 16))
        .field("timeMillis", System.currentTimeMillis())
        .field("leader", self.leaderId());
    json.name("members").beginArray();
    for (MemberAddress m : members) {
      json.beginObject()
          .field("id", m.id())
          .field("name", m.name())
          .field("client", HttpAddress.format(m.client()))
          .field("self", m.id() == selfId);
      if (m.id() == selfId) {
        json.field("reachable", true)
            .field("http", HttpAddress.format(local.http()))
            .field("role", self.role().name().toLowerCase(java.util.Locale.ROOT))
            .field("leader", self.leaderId())
            .field("ballot", self.ballotRound())
            .field("chosen", self.chosenUpTo())
            .field("applied", self.appliedUpTo())
            .field("revision", local.store().revision())
            .field("dbSizeBytes", local.store().sizeBytes())
            .field("walBytes", local.disk().walBytes())
            .field("snapshotBytes", local.disk().snapshotBytes());
      } else {
        peer(json, asked.get(m.id()), m);
      }
      json.endObject();
    }
    json.endArray();
    json.name("leaderChanges").beginArray();
    for (ServerMetrics.LeaderChange change : local.leaderChanges()) {
      json.beginObject()
          .field("timeMillis", change.timeMillis())
          .field("leader", change.leaderId())
          .field("ballot", change.ballotRound())
          .endObject();
    }
    json.endArray();
    return json.endObject().toString();
  }

  private void peer(Json json, Asked asked, MemberAddress m) {
    StatusResponse answer;
    try {
      answer = asked.answer().get(PEER_DEADLINE_MILLIS + 200, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      asked.answer().cancel(true);
      json.field("reachable", false).field("error", reason(e));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      json.field("reachable", false).field("error", "interrupted");
      return;
    }
    json.field("reachable", true)
        .field("role", answer.getLeader() == m.id() ? "leader" : "follower")
        .field("leader", answer.getLeader())
        .field("ballot", answer.getRaftTerm())
        .field("chosen", answer.getRaftIndex())
        .field("applied", answer.getRaftAppliedIndex())
        .field("revision", answer.getHeader().getRevision())
        .field("dbSizeBytes", answer.getDbSize());
    Metadata trailers = asked.trailers().get();
    if (trailers != null) {
      number(json, "walBytes", trailers.get(StatusExtras.WAL_BYTES));
      number(json, "snapshotBytes", trailers.get(StatusExtras.SNAPSHOT_BYTES));
      String http = trailers.get(StatusExtras.HTTP);
      if (http != null) {
        json.field("http", http);
      }
    }
  }

  /** Why a member did not answer, in a few words (gRPC's descriptions run long). */
  static String reason(Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof TimeoutException) {
      return "no answer within " + PEER_DEADLINE_MILLIS + " ms";
    }
    Status status = Status.fromThrowable(cause);
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "no answer within " + PEER_DEADLINE_MILLIS + " ms";
    }
    if (status.getCode() == Status.Code.UNKNOWN && status.getDescription() == null) {
      return String.valueOf(cause);
    }
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null) {
      root = root.getCause();
    }
    String detail = root != null && root.getMessage() != null ? root.getMessage() : status.getDescription();
    String reason = status.getCode() + (detail == null ? "" : ": " + detail);
    return reason.length() <= 160 ? reason : reason.substring(0, 160) + "...";
  }

  private static void number(Json json, String name, String value) {
    if (value != null) {
      try {
        json.field(name, Long.parseLong(value));
      } catch (NumberFormatException e) {
        // Not a figure this member can show; leave it out.
      }
    }
  }

  private ManagedChannel channel(MemberAddress m) {
    return channels.computeIfAbsent(m.id(),
        id -> NettyChannelBuilder.forAddress(m.client()).usePlaintext().build());
  }

  @Override
  public synchronized void close() {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow();
    }
    channels.clear();
  }
}
