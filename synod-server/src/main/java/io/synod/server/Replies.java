package io.synod.server;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Ends a unary gRPC call with a future's outcome. */
final class Replies {
  private Replies() {}

  /** Sends {@code reply}'s value and completes, or fails the call with {@code toStatus} of its error. */
  static <T> void answer(CompletableFuture<T> reply, StreamObserver<T> out,
      Function<Throwable, StatusRuntimeException> toStatus) {
    reply.whenComplete((value, error) -> {
      if (error != null) {
        out.onError(toStatus.apply(error));
      } else {
        out.onNext(value);
        out.onCompleted();
      }
    });
  }
}
