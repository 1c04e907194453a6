package io.synod.server;

import io.synod.kv.DeleteRangeRequest;
import io.synod.kv.DeleteRangeResponse;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvException;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResponse;
import io.synod.kv.KvResult;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import io.synod.kv.TxnRequest;
import io.synod.kv.TxnResponse;
import io.synod.node.Node;
import java.util.concurrent.CompletableFuture;

/**
 * The member's own KV, for services built on it (locks, elections): the same commands a client's
 * requests become, submitted to the node, with results as synod-kv's typed responses. A store error
 * completes the future with its {@link KvException}; a node failure with the node's exception (both
 * turned into etcd's gRPC errors by {@link KvService#toStatus}).
 *
 * <p>Futures complete on the node's loop thread: what is chained on them must not block.
 */
final class LocalKv {
  private final Node<KvResult> node;

  LocalKv(Node<KvResult> node) {
    this.node = node;
  }

  /** A linearizable range: under a read lease from this member's state, else through the log. */
  CompletableFuture<RangeResponse> range(RangeRequest request) {
    return node.read(KvCodec.encodeCommand(KvCommand.of(request))).thenApply(r -> (RangeResponse) unwrap(r));
  }

  CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return submit(request).thenApply(r -> (TxnResponse) r);
  }

  CompletableFuture<DeleteRangeResponse> delete(byte[] key) {
    return submit(DeleteRangeRequest.key(key)).thenApply(r -> (DeleteRangeResponse) r);
  }

  private CompletableFuture<KvResponse> submit(KvRequest request) {
    return node.submit(KvCodec.encodeCommand(KvCommand.of(request))).thenApply(LocalKv::unwrap);
  }

  private static KvResponse unwrap(KvResult result) {
    if (!result.isOk()) {
      throw new java.util.concurrent.CompletionException(new KvException(result.errorCode(), result.errorMessage()));
    }
    return result.response();
  }
}
