package io.synod.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.kv.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.DeleteRangeRequest;
import io.synod.kv.KeyValue;
import io.synod.kv.PutRequest;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import io.synod.kv.TxnRequest;
import io.synod.kv.TxnResponse;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's v3election service: leader election over the KV, on the same queue of keys as locks
 * ({@link KeyQueue}). A candidate's key {@code name/<lease in hex>} holds its proclaimed value; the
 * leader is the candidate whose key was created first, and stays leader as long as its key lives (its
 * lease is kept alive and it does not resign). The leader key's create revision identifies its term:
 * Proclaim and Resign act only while the key still has it.
 */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final KeyQueue queue;
  private final EtcdProtos.Headers headers;

  ElectionService(KeyQueue queue, EtcdProtos.Headers headers) {
    this.queue = queue;
    this.headers = headers;
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
    if (request.getName().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("synod: an election needs a name").asRuntimeException());
      return;
    }
    if (request.getLease() <= 0) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(
          "synod: a candidate needs the id of a lease of its own (grant one first)").asRuntimeException());
      return;
    }
    KeyQueue.Cancel cancel = new KeyQueue.Cancel();
    if (out instanceof ServerCallStreamObserver<CampaignResponse> call) {
      call.setOnCancelHandler(cancel::cancel);
    }
    long lease = request.getLease();
    byte[] value = EtcdProtos.bytes(request.getValue());
    byte[] prefix = KeyQueue.prefix(EtcdProtos.bytes(request.getName()));
    byte[] key = KeyQueue.contenderKey(prefix, lease);
    TxnRequest enter = TxnRequest.when(Compare.createRevision(key, Compare.Result.EQUAL, 0))
        .then(new PutRequest(key, value, lease, false, false, false))
        .orElse(RangeRequest.key(key));
    Replies.answer(queue.kv().txn(enter).thenCompose((TxnResponse r) -> {
      if (r.succeeded()) {
        return CompletableFuture.completedFuture(r.header().revision());
      }
      // Already a candidate with this lease: keep its place, take the new value.
      KeyValue mine = ((RangeResponse) r.responses().get(0)).kvs().get(0);
      long rev = mine.createRevision();
      if (Arrays.equals(mine.value(), value)) {
        return CompletableFuture.completedFuture(rev);
      }
      return proclaim(key, rev, lease, value).thenApply(ignored -> rev);
    }).thenCompose(rev -> queue.waitDeletes(prefix, rev - 1, cancel)
        .handle((ignored, waitError) -> {
          if (waitError != null) {
            // The client went away or the wait broke: step out, as etcd's election does.
            resign(key, rev);
            throw new java.util.concurrent.CompletionException(waitError);
          }
          return rev;
        }))
        .thenCompose(rev -> queue.kv().range(RangeRequest.key(key)).thenApply(mine -> {
          // Its turn: the key must still be its own, or its lease expired while it waited.
          if (mine.kvs().isEmpty() || mine.kvs().get(0).createRevision() != rev) {
            throw new CoordinationError(CoordinationError.SESSION_EXPIRED);
          }
          return CampaignResponse.newBuilder()
              .setHeader(headers.header(mine.header().revision()))
              .setLeader(LeaderKey.newBuilder().setName(request.getName()).setKey(ByteString.copyFrom(key))
                  .setRev(rev).setLease(lease))
              .build();
        })), out, CoordinationError::toStatus);
  }

  /** Sets the leader key's value while it still has create revision {@code rev}; else "not leader". */
  private CompletableFuture<TxnResponse> proclaim(byte[] key, long rev, long lease, byte[] value) {
    return queue.kv().txn(TxnRequest.when(KeyQueue.stillCreatedAt(key, rev))
        .then(new PutRequest(key, value, lease, false, false, false))).thenApply(r -> {
          if (!r.succeeded()) {
            throw new CoordinationError(CoordinationError.NOT_LEADER);
          }
          return r;
        });
  }

  private CompletableFuture<TxnResponse> resign(byte[] key, long rev) {
    return queue.kv().txn(TxnRequest.when(KeyQueue.stillCreatedAt(key, rev)).then(DeleteRangeRequest.key(key)));
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
    if (!request.hasLeader()) {
      out.onError(CoordinationError.toStatus(new CoordinationError(CoordinationError.MISSING_LEADER_KEY)));
      return;
    }
    LeaderKey leader = request.getLeader();
    Replies.answer(proclaim(EtcdProtos.bytes(leader.getKey()), leader.getRev(), leader.getLease(),
            EtcdProtos.bytes(request.getValue()))
        .thenApply(r -> ProclaimResponse.newBuilder().setHeader(headers.header(r.header().revision())).build()),
        out, CoordinationError::toStatus);
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
    if (!request.hasLeader()) {
      out.onError(CoordinationError.toStatus(new CoordinationError(CoordinationError.MISSING_LEADER_KEY)));
      return;
    }
    LeaderKey leader = request.getLeader();
    Replies.answer(resign(EtcdProtos.bytes(leader.getKey()), leader.getRev())
        .thenApply(r -> ResignResponse.newBuilder().setHeader(headers.header(r.header().revision())).build()),
        out, CoordinationError::toStatus);
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    byte[] prefix = KeyQueue.prefix(EtcdProtos.bytes(request.getName()));
    queue.kv().range(KeyQueue.firstCreated(prefix)).whenComplete((r, error) -> {
      if (error != null) {
        out.onError(CoordinationError.toStatus(error));
      } else if (r.kvs().isEmpty()) {
        out.onError(CoordinationError.toStatus(new CoordinationError(CoordinationError.NO_LEADER)));
      } else {
        out.onNext(leaderResponse(r.header().revision(), r.kvs().get(0)));
        out.onCompleted();
      }
    });
  }

  private LeaderResponse leaderResponse(long revision, KeyValue kv) {
    return LeaderResponse.newBuilder().setHeader(headers.header(revision)).setKv(EtcdProtos.keyValue(kv)).build();
  }

  /**
   * Streams the leader and every value it proclaims, then the next leader once its key is gone, until
   * the client cancels: each time, the first key created under the prefix (or, with none, the first
   * put under it), then that key's puts until it is deleted.
   */
  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) out;
    Observation observation = new Observation(KeyQueue.prefix(EtcdProtos.bytes(request.getName())), call);
    call.setOnCancelHandler(observation::cancel);
    observation.findLeader();
  }

  /** One Observe stream: finds the leader, follows its key until deleted, finds the next. */
  private final class Observation {
    private final byte[] prefix;
    private final ServerCallStreamObserver<LeaderResponse> out;
    private KeyChanges.Watch watch;
    private boolean done;

    Observation(byte[] prefix, ServerCallStreamObserver<LeaderResponse> out) {
      this.prefix = prefix;
      this.out = out;
    }

    void findLeader() {
      queue.kv().range(KeyQueue.firstCreated(prefix)).whenComplete((r, error) -> {
        if (error != null) {
          fail(error);
        } else if (r.kvs().isEmpty()) {
          awaitFirstPut(r.header().revision());
        } else {
          follow(r.header().revision(), r.kvs().get(0));
        }
      });
    }

    private void awaitFirstPut(long fromRevision) {
      watch(prefix, Bytes.prefixEnd(prefix), fromRevision, (kv, deleted) -> {
        if (!deleted) {
          follow(kv.modRevision(), kv);
          return true;
        }
        return false;
      });
    }

    /** Sends {@code kv} as the leader, then its puts until it is deleted, then looks again. */
    private void follow(long revision, KeyValue kv) {
      send(revision, kv);
      watch(kv.key(), Bytes.EMPTY, revision + 1, (changed, deleted) -> {
        if (deleted) {
          findLeader();
          return true;
        }
        send(changed.modRevision(), changed);
        return false;
      });
    }

    private interface Step {
      /** Handles one change; true when this watch is done with. */
      boolean changed(KeyValue kv, boolean deleted);
    }

    private synchronized void watch(byte[] key, byte[] end, long from, Step step) {
      if (done) {
        return;
      }
      KeyChanges.Watch[] self = new KeyChanges.Watch[1];
      boolean[] finished = new boolean[1];
      KeyChanges.Watch w = queue.changes().watch(key, end, from, new KeyChanges.Listener() {
        @Override
        public void changed(KeyValue kv, boolean deleted) {
          synchronized (Observation.this) {
            if (done || finished[0]) {
              return;
            }
            finished[0] = step.changed(kv, deleted);
          }
          if (finished[0] && self[0] != null) {
            self[0].close();
          }
        }

        @Override
        public void ended(Throwable reason) {
          fail(reason);
        }
      });
      self[0] = w;
      watch = w;
      if (finished[0]) {
        w.close();
      }
    }

    private synchronized void send(long revision, KeyValue kv) {
      if (!done) {
        out.onNext(leaderResponse(revision, kv));
      }
    }

    private void fail(Throwable error) {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
      }
      closeWatch();
      out.onError(CoordinationError.toStatus(error));
    }

    void cancel() {
      synchronized (this) {
        done = true;
      }
      closeWatch();
    }

    private void closeWatch() {
      KeyChanges.Watch w;
      synchronized (this) {
        w = watch;
        watch = null;
      }
      if (w != null) {
        w.close();
      }
    }
  }
}
