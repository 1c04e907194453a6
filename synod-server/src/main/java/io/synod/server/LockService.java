package io.synod.server;

import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.kv.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KeyValue;
import io.synod.kv.PutRequest;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import io.synod.kv.TxnRequest;
import io.synod.kv.TxnResponse;
import java.util.List;

/**
 * etcd's v3lock service: distributed locks over the KV, held as long as the holder's lease lives.
 *
 * <p>Lock(name, lease) puts the key {@code name/<lease in hex>} with the lease (or finds it there
 * already) and waits until every key under {@code name/} created before it is gone; the reply's key is
 * the lock's handle and its create revision is the fencing token, larger for every later holder. When
 * the turn comes the key is read again: a waiter whose lease expired while it waited gets "mutex:
 * session is expired" instead of a lock it does not hold. A waiter whose client cancels the request
 * has its key deleted. Unlock(key) deletes the key.
 */
final class LockService extends LockGrpc.LockImplBase {
  private final KeyQueue queue;
  private final EtcdProtos.Headers headers;

  LockService(KeyQueue queue, EtcdProtos.Headers headers) {
    this.queue = queue;
    this.headers = headers;
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> out) {
    if (request.getName().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("synod: a lock needs a name").asRuntimeException());
      return;
    }
    if (request.getLease() <= 0) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(
          "synod: a lock needs the id of a lease of its holder (grant one first)").asRuntimeException());
      return;
    }
    KeyQueue.Cancel cancel = new KeyQueue.Cancel();
    if (out instanceof ServerCallStreamObserver<LockResponse> call) {
      call.setOnCancelHandler(cancel::cancel);
    }
    long lease = request.getLease();
    byte[] prefix = KeyQueue.prefix(EtcdProtos.bytes(request.getName()));
    byte[] key = KeyQueue.contenderKey(prefix, lease);
    TxnRequest enqueue = TxnRequest.when(Compare.createRevision(key, Compare.Result.EQUAL, 0))
        .then(new PutRequest(key, Bytes.EMPTY, lease, false, false, false), KeyQueue.firstCreated(prefix))
        .orElse(RangeRequest.key(key), KeyQueue.firstCreated(prefix));
    queue.kv().txn(enqueue).whenComplete((TxnResponse r, Throwable error) -> {
      if (error != null) {
        out.onError(CoordinationError.toStatus(error));
        return;
      }
      long myRev = r.succeeded() ? r.header().revision() : ((RangeResponse) r.responses().get(0)).kvs().get(0).createRevision();
      List<KeyValue> owner = ((RangeResponse) r.responses().get(1)).kvs();
      if (owner.isEmpty() || owner.get(0).createRevision() == myRev) {
        reply(out, r.header().revision(), key);
        return;
      }
      queue.waitDeletes(prefix, myRev - 1, cancel).whenComplete((ignored, waitError) -> {
        if (waitError != null) {
          // The client went away or the wait broke: leave the queue, as etcd's mutex does.
          queue.kv().delete(key);
          out.onError(CoordinationError.toStatus(waitError));
          return;
        }
        // Its turn: the key must still be there, or the lease expired while it waited.
        queue.kv().range(RangeRequest.key(key)).whenComplete((RangeResponse mine, Throwable readError) -> {
          if (readError != null) {
            queue.kv().delete(key);
            out.onError(CoordinationError.toStatus(readError));
          } else if (mine.kvs().isEmpty() || mine.kvs().get(0).createRevision() != myRev) {
            out.onError(CoordinationError.toStatus(new CoordinationError(CoordinationError.SESSION_EXPIRED)));
          } else {
            reply(out, mine.header().revision(), key);
          }
        });
      });
    });
  }

  private void reply(StreamObserver<LockResponse> out, long revision, byte[] key) {
    out.onNext(LockResponse.newBuilder().setHeader(headers.header(revision))
        .setKey(com.google.protobuf.ByteString.copyFrom(key)).build());
    out.onCompleted();
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
    Replies.answer(queue.kv().delete(EtcdProtos.bytes(request.getKey()))
        .thenApply(r -> UnlockResponse.newBuilder().setHeader(headers.header(r.header().revision())).build()),
        out, CoordinationError::toStatus);
  }
}
