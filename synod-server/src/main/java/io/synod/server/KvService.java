package io.synod.server;

import io.etcd.jetcd.api.KVGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.synod.kv.CompactionResponse;
import io.synod.kv.DeleteRangeResponse;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvErrors;
import io.synod.kv.KvException;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResult;
import io.synod.kv.PutResponse;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import io.synod.kv.TxnResponse;
import io.synod.node.Node;
import io.synod.node.NodeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The etcd v3 KV service. Writes, and linearizable reads, go through the replicated log (a follower
 * forwards them to the leader; the reply comes when this node applies the command). Serializable
 * reads are answered from this node's state without the network.
 */
final class KvService extends KVGrpc.KVImplBase {
  private final Node<KvResult> node;
  private final StoreMachine machine;
  private final long quotaBytes;
  private final ServerConfig config;
  private final EtcdProtos.Headers headers;
  /** Set while this member's NOSPACE alarm is being proposed. */
  private final java.util.concurrent.atomic.AtomicBoolean raisingNoSpace = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Replies are decoded and handed to gRPC on the thread that completes the node's future (the
   * node's loop): gRPC only queues the bytes for the channel's event loop, and handing each reply
   * to another thread first would cost a thread wake-up per request.
   */
  KvService(Node<KvResult> node, StoreMachine machine, ServerConfig config, EtcdProtos.Headers headers) {
    this.node = node;
    this.machine = machine;
    this.quotaBytes = config.effectiveQuotaBytes();
    this.config = config;
    this.headers = headers;
  }

  @Override
  public void range(io.etcd.jetcd.api.RangeRequest request, StreamObserver<io.etcd.jetcd.api.RangeResponse> out) {
    if (tooLarge(request.getSerializedSize(), out)) {
      return;
    }
    RangeRequest range = EtcdProtos.range(request);
    if (request.getSerializable()) {
      node.query(machine -> {
        try {
          return KvResult.ok(((StoreMachine) machine).store().range(range));
        } catch (KvException e) {
          return KvResult.error(e);
        }
      }).whenComplete((result, error) -> finish(result, error, out,
          r -> EtcdProtos.range((RangeResponse) r, headers)));
      return;
    }
    // Linearizable: from this member's state under a read lease where it holds, else through the log.
    CompletableFuture<KvResult> reply;
    try {
      reply = node.read(KvCodec.encodeCommand(KvCommand.of(range)));
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply.whenComplete((result, error) -> finish(result, error, out, r -> EtcdProtos.range((RangeResponse) r, headers)));
  }

  @Override
  public void put(io.etcd.jetcd.api.PutRequest request, StreamObserver<io.etcd.jetcd.api.PutResponse> out) {
    if (!tooLarge(request.getSerializedSize(), out) && !overQuota(out)) {
      submit(EtcdProtos.put(request), out, r -> EtcdProtos.put((PutResponse) r, headers));
    }
  }

  @Override
  public void deleteRange(io.etcd.jetcd.api.DeleteRangeRequest request,
      StreamObserver<io.etcd.jetcd.api.DeleteRangeResponse> out) {
    if (!tooLarge(request.getSerializedSize(), out)) {
      submit(EtcdProtos.deleteRange(request), out, r -> EtcdProtos.deleteRange((DeleteRangeResponse) r, headers));
    }
  }

  @Override
  public void txn(io.etcd.jetcd.api.TxnRequest request, StreamObserver<io.etcd.jetcd.api.TxnResponse> out) {
    if (tooLarge(request.getSerializedSize(), out)) {
      return;
    }
    io.synod.kv.TxnRequest txn;
    try {
      txn = EtcdProtos.txn(request);
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    if (hasPut(txn) && overQuota(out)) {
      return;
    }
    submit(txn, out, r -> EtcdProtos.txn((TxnResponse) r, headers));
  }

  @Override
  public void compact(io.etcd.jetcd.api.CompactionRequest request,
      StreamObserver<io.etcd.jetcd.api.CompactionResponse> out) {
    submit(EtcdProtos.compaction(request), out, r -> io.etcd.jetcd.api.CompactionResponse.newBuilder()
        .setHeader(headers.header(((CompactionResponse) r).header().revision())).build());
  }

  /**
   * etcd's space quota: once the store is over it, requests that add data (puts, and txns holding
   * one) are refused, while reads, deletes and compaction still work, so an operator can free space.
   * Checked at the member the client reached, against the state it has applied; that member also
   * raises the NOSPACE alarm, after which every member refuses such requests at apply until the
   * alarm is disarmed, even once compaction has brought the store back under the quota.
   */
  private boolean overQuota(StreamObserver<?> out) {
    if (machine.sizeBytes() <= quotaBytes) {
      return false;
    }
    raiseNoSpace();
    out.onError(Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: mvcc: database space exceeded")
        .asRuntimeException());
    return true;
  }

  /**
   * As etcd does when its quota is hit: raise the NOSPACE alarm for this member through the log (one
   * proposal at a time), after which every member refuses writes that add data at apply until the
   * alarm is disarmed ({@code etcdctl alarm disarm}).
   */
  private void raiseNoSpace() {
    if (machine.noSpaceAlarm() || !raisingNoSpace.compareAndSet(false, true)) {
      return;
    }
    node.submit(KvCodec.encodeCommand(KvCommand.of(new io.synod.kv.AlarmRequest(
            io.synod.kv.AlarmRequest.Action.ACTIVATE, config.self().memberId(), io.synod.kv.AlarmType.NOSPACE))))
        .whenComplete((result, error) -> raisingNoSpace.set(false));
  }

  private static boolean hasPut(io.synod.kv.TxnRequest txn) {
    for (List<io.synod.kv.RequestOp> branch : List.of(txn.success(), txn.failure())) {
      for (io.synod.kv.RequestOp op : branch) {
        if (op instanceof io.synod.kv.PutRequest || op instanceof io.synod.kv.TxnRequest t && hasPut(t)) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean tooLarge(int bytes, StreamObserver<?> out) {
    if (bytes <= config.requestBytesMax()) {
      return false;
    }
    out.onError(Status.INVALID_ARGUMENT.withDescription(KvErrors.message(KvException.Code.REQUEST_TOO_LARGE))
        .asRuntimeException());
    return true;
  }

  private <T> void submit(KvRequest request, StreamObserver<T> out, Function<io.synod.kv.KvResponse, T> toProto) {
    CompletableFuture<KvResult> reply;
    try {
      reply = node.submit(KvCodec.encodeCommand(ClientSession.command(request)));
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply.whenComplete((result, error) -> finish(result, error, out, toProto));
  }

  private static <T> void finish(KvResult result, Throwable error, StreamObserver<T> out,
      Function<io.synod.kv.KvResponse, T> toProto) {
    if (error != null) {
      out.onError(toStatus(error));
      return;
    }
    if (!result.isOk()) {
      out.onError(Status.Code.valueOf(KvErrors.grpcCode(result.errorCode())).toStatus()
          .withDescription(KvErrors.message(result.errorCode())).asRuntimeException());
      return;
    }
    T response;
    try {
      response = toProto.apply(result.response());
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription("synod: cannot encode the response").withCause(e).asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** Node failures in etcd's words, so clients retry where etcd's would. */
  static StatusRuntimeException toStatus(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof NodeException.NotLeader) {
      return Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException();
    }
    if (cause instanceof NodeException.Timeout) {
      return Status.UNAVAILABLE.withDescription("etcdserver: request timed out").asRuntimeException();
    }
    if (cause instanceof NodeException.Busy) {
      return Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: too many requests").asRuntimeException();
    }
    if (cause instanceof NodeException.Stopped) {
      return Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException();
    }
    if (cause instanceof KvException kv) {
      return Status.Code.valueOf(KvErrors.grpcCode(kv.code())).toStatus()
          .withDescription(KvErrors.message(kv.code())).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("synod: " + cause).asRuntimeException();
  }
}
