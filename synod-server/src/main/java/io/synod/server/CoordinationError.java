package io.synod.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * An error of the lock and election services in etcd's words: etcd returns these from its
 * concurrency package as plain errors, which gRPC reports as UNKNOWN with the message.
 */
final class CoordinationError extends RuntimeException {
  static final String SESSION_EXPIRED = "mutex: session is expired";
  static final String NOT_LEADER = "election: not leader";
  static final String NO_LEADER = "election: no leader";
  static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";

  CoordinationError(String message) {
    super(message, null, false, false);
  }

  /** Any failure of a lock or election request as the gRPC status the client gets. */
  static StatusRuntimeException toStatus(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof CoordinationError e) {
      return Status.UNKNOWN.withDescription(e.getMessage()).asRuntimeException();
    }
    if (cause instanceof CancellationException) {
      return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
    }
    if (cause instanceof StatusRuntimeException s) {
      return s;
    }
    return KvService.toStatus(cause);
  }
}
