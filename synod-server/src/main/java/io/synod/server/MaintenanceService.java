package io.synod.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.kv.AlarmMember;
import io.synod.kv.AlarmType;
import io.synod.kv.HashKvResult;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvException;
import io.synod.kv.KvResult;
import io.synod.kv.MvccStore;
import io.synod.node.Node;
import io.synod.node.core.NodeCore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Maintenance service: Status, Hash, HashKV, Snapshot, Alarm, Defragment and MoveLeader.
 * Everything that reads the store runs on the node's loop ({@link Node#query}), between slots, so it
 * sees one applied state; alarm changes go through the log; leadership moves through the Paxos core.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
  /** The etcd API version Synod speaks; clients gate features on it. */
  static final String API_VERSION = "3.5.0";
  /** Bytes per snapshot message (etcd sends 32 KiB pieces as well). */
  static final int SNAPSHOT_CHUNK_BYTES = 32 << 10;
  /** How long a leadership transfer may take before the client is told it took too long. */
  static final long MOVE_LEADER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final Node<KvResult> node;
  private final ServerConfig config;
  private final EtcdProtos.Headers headers;

  MaintenanceService(Node<KvResult> node, ServerConfig config, EtcdProtos.Headers headers) {
    this.node = node;
    this.config = config;
    this.headers = headers;
  }

  private static MvccStore store(io.synod.node.core.StateMachine<KvResult> machine) {
    return ((StoreMachine) machine).store();
  }

  /**
   * Status. The database size is the member's data on disk (its log segments, preallocated ones
   * included, and its stored snapshots): what the member costs in disk. The size in use is the
   * store's live bytes (every retained key, value and revision of history on the heap): what the
   * space quota is checked against, growing with writes and shrinking with compaction.
   */
  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    // Listed here, on the caller's thread: the node's loop does no file I/O for a status.
    long diskBytes = diskBytes(config.dataDir());
    record Taken(long revision, long sizeBytes, List<AlarmMember> alarms) {}
    node.query(machine -> new Taken(store(machine).revision(), store(machine).sizeBytes(), store(machine).alarms()))
        .whenComplete((state, error) -> {
          if (error != null) {
            out.onError(KvService.toStatus(error));
            return;
          }
          NodeCore.Status status = node.status();
          StatusResponse.Builder b = StatusResponse.newBuilder();
          // As etcd does, raised alarms show as the status's errors (etcdctl's ERRORS column).
          for (AlarmMember a : state.alarms()) {
            b.addErrors("memberID:" + a.memberId() + " alarm:" + a.alarm() + " ");
          }
          out.onNext(b
              .setHeader(headers.header(state.revision()))
              .setVersion(API_VERSION)
              .setDbSize(diskBytes)
              .setDbSizeInUse(state.sizeBytes())
              .setLeader(status.leaderId())
              .setRaftIndex(status.chosenUpTo())
              .setRaftTerm(status.ballotRound())
              .setRaftAppliedIndex(status.appliedUpTo())
              .build());
          out.onCompleted();
        });
  }

  /** Bytes of the regular files under {@code dir}; 0 if it cannot be listed. */
  static long diskBytes(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          return 0; // A file removed while walking (a trimmed segment) no longer counts.
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    node.query(machine -> new long[] {store(machine).hash(), store(machine).revision()})
        .whenComplete((h, error) -> {
          if (error != null) {
            out.onError(KvService.toStatus(error));
            return;
          }
          out.onNext(HashResponse.newBuilder().setHeader(headers.header(h[1])).setHash((int) h[0]).build());
          out.onCompleted();
        });
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    node.query(machine -> {
      try {
        return store(machine).hashKv(request.getRevision());
      } catch (KvException e) {
        throw new KvFailure(e);
      }
    }).whenComplete((HashKvResult h, Throwable error) -> {
      if (error != null) {
        out.onError(KvService.toStatus(error instanceof KvFailure f ? f.getCause() : error));
        return;
      }
      out.onNext(HashKVResponse.newBuilder()
          .setHeader(headers.header(h.currentRevision()))
          .setHash(h.hash())
          .setCompactRevision(h.compactRevision())
          .build());
      out.onCompleted();
    });
  }

  /** Carries a store's refusal out of a query. */
  private static final class KvFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KvFailure(KvException cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /**
   * Streams the store's whole state at one revision (taken on the node's loop between slots) as a
   * {@link SnapshotFile}: 32 KiB pieces with the bytes left after each, then the SHA-256 of all of
   * them as the last piece, as etcd does. Pieces are sent as the client's flow control admits them.
   */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    // Flow-control callbacks can only be set before this method returns.
    SnapshotSender sender = new SnapshotSender((ServerCallStreamObserver<SnapshotResponse>) out, headers.header(0));
    node.query(machine -> {
      MvccStore store = store(machine);
      return SnapshotFile.body(store.revision(), store.compactRevision(), store.appliedSlot(), store.snapshot());
    }).whenComplete((body, error) -> {
      if (error != null) {
        sender.fail(KvService.toStatus(error));
      } else {
        sender.start(body);
      }
    });
  }

  /** Sends one snapshot's pieces while the call is ready, resuming from gRPC's on-ready callback. */
  private static final class SnapshotSender {
    private final ServerCallStreamObserver<SnapshotResponse> out;
    private final io.etcd.jetcd.api.ResponseHeader header;
    /** Null until the state was taken. */
    private byte[] body;
    private int sent;
    private boolean done;

    SnapshotSender(ServerCallStreamObserver<SnapshotResponse> out, io.etcd.jetcd.api.ResponseHeader header) {
      this.out = out;
      this.header = header;
      out.setOnReadyHandler(this::drain);
      out.setOnCancelHandler(this::cancelled);
    }

    private synchronized void cancelled() {
      done = true;
    }

    synchronized void fail(Throwable error) {
      if (!done) {
        done = true;
        out.onError(error);
      }
    }

    synchronized void start(byte[] taken) {
      body = taken;
      drain();
    }

    private synchronized void drain() {
      while (!done && body != null && out.isReady()) {
        if (sent < body.length) {
          int n = Math.min(SNAPSHOT_CHUNK_BYTES, body.length - sent);
          SnapshotResponse.Builder piece = SnapshotResponse.newBuilder()
              .setRemainingBytes(body.length - sent - n)
              .setBlob(ByteString.copyFrom(body, sent, n));
          if (sent == 0) {
            piece.setHeader(header);
          }
          out.onNext(piece.build());
          sent += n;
        } else {
          out.onNext(SnapshotResponse.newBuilder().setRemainingBytes(0)
              .setBlob(ByteString.copyFrom(SnapshotFile.sha256(body, body.length))).build());
          out.onCompleted();
          done = true;
        }
      }
    }
  }

  /**
   * GET lists the alarms this member has applied (filtered by type unless NONE). ACTIVATE and
   * DEACTIVATE go through the log, so every member raises and clears them at the same slot.
   */
  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    AlarmType type = alarmType(request.getAlarmValue());
    if (type == null) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("synod: unknown alarm type " + request.getAlarmValue())
          .asRuntimeException());
      return;
    }
    switch (request.getAction()) {
      case GET -> node.query(machine -> store(machine).alarms()).whenComplete((alarms, error) -> {
        if (error != null) {
          out.onError(KvService.toStatus(error));
          return;
        }
        List<AlarmMember> matching = new ArrayList<>();
        for (AlarmMember a : alarms) {
          if (type == AlarmType.NONE || a.alarm() == type) {
            matching.add(a);
          }
        }
        out.onNext(alarmResponse(0, matching));
        out.onCompleted();
      });
      case ACTIVATE, DEACTIVATE -> {
        if (type == AlarmType.NONE) {
          // Nothing to raise or clear: etcd answers with no alarms.
          out.onNext(alarmResponse(0, List.of()));
          out.onCompleted();
          return;
        }
        io.synod.kv.AlarmRequest.Action action = request.getAction() == AlarmRequest.AlarmAction.ACTIVATE
            ? io.synod.kv.AlarmRequest.Action.ACTIVATE
            : io.synod.kv.AlarmRequest.Action.DEACTIVATE;
        node.submit(KvCodec.encodeCommand(KvCommand.of(
                new io.synod.kv.AlarmRequest(action, request.getMemberID(), type))))
            .whenComplete((result, error) -> {
              if (error != null) {
                out.onError(KvService.toStatus(error));
              } else if (!result.isOk()) {
                out.onError(KvService.toStatus(new KvException(result.errorCode(), result.errorMessage())));
              } else {
                io.synod.kv.AlarmResponse r = (io.synod.kv.AlarmResponse) result.response();
                out.onNext(alarmResponse(r.header().revision(), r.alarms()));
                out.onCompleted();
              }
            });
      }
      default -> out.onError(Status.INVALID_ARGUMENT
          .withDescription("synod: unknown alarm action " + request.getActionValue()).asRuntimeException());
    }
  }

  private static AlarmType alarmType(int value) {
    AlarmType[] types = AlarmType.values();
    return value >= 0 && value < types.length ? types[value] : null;
  }

  private AlarmResponse alarmResponse(long revision, List<AlarmMember> alarms) {
    AlarmResponse.Builder b = AlarmResponse.newBuilder().setHeader(headers.header(revision));
    for (AlarmMember a : alarms) {
      b.addAlarms(io.etcd.jetcd.api.AlarmMember.newBuilder().setMemberID(a.memberId())
          .setAlarmValue(a.alarm().ordinal()).build());
    }
    return b.build();
  }

  /**
   * Defragment: the in-memory store gives back the table space compaction left behind (see
   * {@link MvccStore#defragment()}), on the node's loop. The log and snapshots need nothing: trimmed
   * segments are deleted as they go.
   */
  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    node.query(machine -> {
      store(machine).defragment();
      return store(machine).revision();
    }).whenComplete((revision, error) -> {
      if (error != null) {
        out.onError(KvService.toStatus(error));
        return;
      }
      out.onNext(DefragmentResponse.newBuilder().setHeader(headers.header(revision)).build());
      out.onCompleted();
    });
  }

  /**
   * MoveLeader, as etcd answers it: only the leader takes it ("etcdserver: not leader"), the target
   * must be a member ("etcdserver: bad leader transferee"), and the call returns once this member
   * sees the target lead, or fails after {@link #MOVE_LEADER_TIMEOUT_NANOS}.
   */
  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    long target = request.getTargetID();
    boolean member = config.members().stream().anyMatch(m -> m.memberId() == target);
    if (!member) {
      out.onError(Status.FAILED_PRECONDITION.withDescription("etcdserver: bad leader transferee").asRuntimeException());
      return;
    }
    node.transferLeadership((int) target).whenComplete((outcome, error) -> {
      if (error != null) {
        out.onError(KvService.toStatus(error));
        return;
      }
      switch (outcome) {
        case NOT_LEADER -> out.onError(
            Status.FAILED_PRECONDITION.withDescription("etcdserver: not leader").asRuntimeException());
        case UNKNOWN_TARGET -> out.onError(
            Status.FAILED_PRECONDITION.withDescription("etcdserver: bad leader transferee").asRuntimeException());
        case ALREADY_LEADER -> {
          out.onNext(MoveLeaderResponse.newBuilder().setHeader(headers.header(0)).build());
          out.onCompleted();
        }
        case STARTED -> CompletableFuture.runAsync(() -> awaitLeader((int) target, out));
      }
    });
  }

  private void awaitLeader(int target, StreamObserver<MoveLeaderResponse> out) {
    boolean moved;
    try {
      moved = node.awaitStatus(s -> s.leaderId() == target, MOVE_LEADER_TIMEOUT_NANOS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      moved = false;
    }
    if (moved) {
      LOG.info("leadership moved from member {} to member {}", node.id(), target);
      out.onNext(MoveLeaderResponse.newBuilder().setHeader(headers.header(0)).build());
      out.onCompleted();
    } else {
      out.onError(Status.UNAVAILABLE
          .withDescription("etcdserver: request timed out, leader transfer took too long").asRuntimeException());
    }
  }
}
