package io.synod.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.synod.kv.KvCommand;
import io.synod.kv.KvRequest;

/**
 * Exactly-once writes across client retries, reachable from any gRPC client: a request that carries
 * the metadata {@code synod-client-id} (a non-zero 64-bit number the client picks at random once per
 * session) and {@code synod-sequence} (1, 2, 3, ... per request of that session; a retry reuses the
 * number) is applied at most once, and a retry gets the original reply. Requests without them behave
 * as in etcd. A client keeps one request in flight per session: an older sequence than the last
 * applied one is refused with FAILED_PRECONDITION.
 */
final class ClientSession implements ServerInterceptor {
  static final Metadata.Key<String> CLIENT_ID = Metadata.Key.of("synod-client-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> SEQUENCE = Metadata.Key.of("synod-sequence", Metadata.ASCII_STRING_MARSHALLER);

  /** The session of the current call, if it has one. */
  private static final Context.Key<long[]> SESSION = Context.key("synod-session");

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String client = headers.get(CLIENT_ID);
    String sequence = headers.get(SEQUENCE);
    if (client == null && sequence == null) {
      return next.startCall(call, headers);
    }
    long clientId;
    long seq;
    try {
      if (client == null || sequence == null) {
        throw new NumberFormatException("both synod-client-id and synod-sequence are needed");
      }
      clientId = Long.parseLong(client.trim());
      seq = Long.parseLong(sequence.trim());
      if (clientId == 0 || seq < 1) {
        throw new NumberFormatException("synod-client-id must not be 0 and synod-sequence starts at 1");
      }
    } catch (NumberFormatException e) {
      call.close(Status.INVALID_ARGUMENT.withDescription("synod: bad session metadata (synod-client-id "
          + client + ", synod-sequence " + sequence + "): " + e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return Contexts.interceptCall(Context.current().withValue(SESSION, new long[] {clientId, seq}), call, headers, next);
  }

  /** {@code request} as a logged command: in the current call's session if it has one. */
  static KvCommand command(KvRequest request) {
    long[] session = SESSION.get();
    return session == null ? KvCommand.of(request) : KvCommand.session(session[0], session[1], request);
  }
}
