package io.synod.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.LeaseGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvErrors;
import io.synod.kv.KvException;
import io.synod.kv.KvResult;
import io.synod.kv.LeaseInfo;
import io.synod.kv.LeaseRequest;
import io.synod.kv.LeaseResponse;
import io.synod.node.Node;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * etcd's Lease service. Grant, Revoke and KeepAlive go through the log from any member, like KV
 * writes: a keep-alive is answered only once it is chosen and applied, so a deposed leader cannot
 * promise anything. TimeToLive and Leases are answered by the member the client reached, from its
 * applied lease table and its own {@link io.synod.kv.LeaseKeeper} estimate (a follower's estimate
 * counts from when it applied the last renewal or checkpoint; etcd asks the leader instead).
 *
 * <p>jetcd's generated service has no LeaseLeases (etcd 3.3 added it), so {@link #definition}
 * adds it by hand: an empty request and a response of a header and the lease ids, encoded with
 * protobuf's wire format directly.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  /** Keep-alives of one stream awaiting their answer at once; beyond it the stream is refused. */
  static final int KEEP_ALIVES_IN_FLIGHT_MAX = 10_000;

  private final Node<KvResult> node;
  private final StoreMachine machine;
  private final EtcdProtos.Headers headers;

  LeaseService(Node<KvResult> node, StoreMachine machine, EtcdProtos.Headers headers) {
    this.node = node;
    this.machine = machine;
    this.headers = headers;
  }

  /** The service with LeaseLeases added, under etcd's service name. */
  ServerServiceDefinition definition() {
    ServerServiceDefinition generated = bindService();
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
    for (io.grpc.ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      builder.addMethod(method);
    }
    MethodDescriptor<byte[], byte[]> leases = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(generated.getServiceDescriptor().getName(), "LeaseLeases"))
        .setRequestMarshaller(RawMarshaller.INSTANCE)
        .setResponseMarshaller(RawMarshaller.INSTANCE)
        .build();
    builder.addMethod(leases, ServerCalls.asyncUnaryCall(this::leaseLeases));
    return builder.build();
  }

  @Override
  public void leaseGrant(io.etcd.jetcd.api.LeaseGrantRequest request, StreamObserver<io.etcd.jetcd.api.LeaseGrantResponse> out) {
    if (request.getTTL() < 0) {
      // etcd reads a negative TTL as an overflow of its largest one.
      fail(out, KvException.Code.LEASE_TTL_TOO_LARGE);
      return;
    }
    submit(ClientSession.command(LeaseRequest.grant(request.getID(), request.getTTL())), out, r ->
        out.onNext(io.etcd.jetcd.api.LeaseGrantResponse.newBuilder().setHeader(headers.header(r.header().revision()))
            .setID(r.id()).setTTL(r.ttlSeconds()).build()));
  }

  @Override
  public void leaseRevoke(io.etcd.jetcd.api.LeaseRevokeRequest request, StreamObserver<io.etcd.jetcd.api.LeaseRevokeResponse> out) {
    if (request.getID() == 0) {
      fail(out, KvException.Code.LEASE_NOT_FOUND);
      return;
    }
    submit(ClientSession.command(LeaseRequest.revoke(request.getID())), out, r ->
        out.onNext(io.etcd.jetcd.api.LeaseRevokeResponse.newBuilder().setHeader(headers.header(r.header().revision()))
            .build()));
  }

  @Override
  public StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveResponse> responses) {
    return new KeepAliveStream(responses);
  }

  @Override
  public void leaseTimeToLive(io.etcd.jetcd.api.LeaseTimeToLiveRequest request,
      StreamObserver<io.etcd.jetcd.api.LeaseTimeToLiveResponse> out) {
    long id = request.getID();
    boolean withKeys = request.getKeys();
    Replies.answer(node.query(m -> {
      StoreMachine sm = (StoreMachine) m;
      LeaseInfo lease = sm.store().lease(id);
      long revision = sm.store().revision();
      io.etcd.jetcd.api.LeaseTimeToLiveResponse.Builder b = io.etcd.jetcd.api.LeaseTimeToLiveResponse.newBuilder()
          .setHeader(headers.header(revision)).setID(id);
      if (lease == null) {
        return b.setTTL(-1).build(); // etcd's answer for a lease that is gone ("already expired")
      }
      long remaining = sm.keeper().remainingNanos(id);
      if (remaining < 0) {
        remaining = (lease.checkpointMillis() >= 0 ? lease.checkpointMillis() : lease.ttlSeconds() * 1000) * 1_000_000L;
      }
      b.setTTL(remaining / 1_000_000_000L).setGrantedTTL(lease.ttlSeconds());
      if (withKeys) {
        for (byte[] key : lease.keys()) {
          b.addKeys(ByteString.copyFrom(key));
        }
      }
      return b.build();
    }), out, KvService::toStatus);
  }

  private void leaseLeases(byte[] request, StreamObserver<byte[]> out) {
    Replies.answer(node.query(m -> {
      StoreMachine sm = (StoreMachine) m;
      return encodeLeases(headers.header(sm.store().revision()), sm.store().leaseIds());
    }), out, KvService::toStatus);
  }

  /** etcd's LeaseLeasesResponse: field 1 the header, field 2 one LeaseStatus (field 1: ID) per lease. */
  static byte[] encodeLeases(io.etcd.jetcd.api.ResponseHeader header, List<Long> ids) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(64 + 12 * ids.size());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeMessage(1, header);
      for (long id : ids) {
        out.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(CodedOutputStream.computeInt64Size(1, id));
        out.writeInt64(1, id);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a lease list in memory", e);
    }
  }

  private <T> void submit(KvCommand command, StreamObserver<T> out, Consumer<LeaseResponse> onOk) {
    CompletableFuture<KvResult> reply;
    try {
      reply = node.submit(KvCodec.encodeCommand(command));
    } catch (RuntimeException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply.whenComplete((result, error) -> {
      if (error != null) {
        out.onError(KvService.toStatus(error));
      } else if (!result.isOk()) {
        fail(out, result.errorCode());
      } else {
        onOk.accept((LeaseResponse) result.response());
        out.onCompleted();
      }
    });
  }

  private static void fail(StreamObserver<?> out, KvException.Code code) {
    out.onError(Status.Code.valueOf(KvErrors.grpcCode(code)).toStatus().withDescription(KvErrors.message(code))
        .asRuntimeException());
  }

  /**
   * One KeepAlive stream: each request is a keep-alive through the log, answered with the lease's
   * TTL once applied, or TTL 0 when the lease does not exist (as etcd answers). Answers go out in
   * the order they are applied; onNext is called under the stream's lock, since a failure can
   * complete on a thread other than the node's loop.
   */
  private final class KeepAliveStream implements StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveRequest> {
    private final StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveResponse> responses;
    private int inFlight;
    private boolean clientDone;
    private boolean closed;

    KeepAliveStream(StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveResponse> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(io.etcd.jetcd.api.LeaseKeepAliveRequest request) {
      long id = request.getID();
      synchronized (this) {
        if (closed) {
          return;
        }
        if (inFlight >= KEEP_ALIVES_IN_FLIGHT_MAX) {
          close(Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: too many requests").asRuntimeException());
          return;
        }
        inFlight++;
      }
      if (id == 0) {
        answered(id, null, null);
        return;
      }
      CompletableFuture<KvResult> reply;
      try {
        reply = node.submit(KvCodec.encodeCommand(KvCommand.of(LeaseRequest.keepAlive(id))));
      } catch (RuntimeException e) {
        answered(id, null, e);
        return;
      }
      reply.whenComplete((result, error) -> answered(id, result, error));
    }

    private synchronized void answered(long id, KvResult result, Throwable error) {
      inFlight--;
      if (closed) {
        return;
      }
      if (error != null) {
        close(KvService.toStatus(error));
        return;
      }
      io.etcd.jetcd.api.LeaseKeepAliveResponse.Builder b = io.etcd.jetcd.api.LeaseKeepAliveResponse.newBuilder().setID(id);
      if (result != null && result.isOk()) {
        LeaseResponse r = (LeaseResponse) result.response();
        b.setHeader(headers.header(r.header().revision())).setTTL(r.ttlSeconds());
      } else if (result == null || result.errorCode() == KvException.Code.LEASE_NOT_FOUND) {
        b.setHeader(headers.header(machine.revision())).setTTL(0);
      } else {
        close(Status.Code.valueOf(KvErrors.grpcCode(result.errorCode())).toStatus()
            .withDescription(KvErrors.message(result.errorCode())).asRuntimeException());
        return;
      }
      responses.onNext(b.build());
      if (clientDone && inFlight == 0) {
        closed = true;
        responses.onCompleted();
      }
    }

    private void close(RuntimeException status) {
      closed = true;
      responses.onError(status);
    }

    @Override
    public synchronized void onError(Throwable t) {
      closed = true;
    }

    @Override
    public synchronized void onCompleted() {
      clientDone = true;
      if (!closed && inFlight == 0) {
        closed = true;
        responses.onCompleted();
      }
    }
  }

  /** Hands the bytes of a message through as they are. */
  private enum RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read the request").withCause(e).asRuntimeException();
      }
    }
  }
}
