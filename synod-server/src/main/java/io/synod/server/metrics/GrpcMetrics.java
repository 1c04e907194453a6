package io.synod.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts gRPC calls as etcd's servers do (go-grpc-prometheus): {@code grpc_server_started_total} by
 * method and {@code grpc_server_handled_total} by method and status code, with the labels
 * {@code grpc_type}, {@code grpc_service}, {@code grpc_method} and {@code grpc_code}. The counters of
 * a method are looked up once and kept; a call then costs a map lookup, a small wrapper of the call
 * and two counter increments.
 */
public final class GrpcMetrics implements ServerInterceptor {
  private static final Status.Code[] CODES = Status.Code.values();

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, MethodCounters> byMethod = new ConcurrentHashMap<>();

  GrpcMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The counters of one method: started, and handled by status code (created on first use). */
  private final class MethodCounters {
    final String type;
    final String service;
    final String method;
    final Counter started;
    final AtomicReferenceArray<Counter> handled = new AtomicReferenceArray<>(CODES.length);

    MethodCounters(MethodDescriptor<?, ?> descriptor) {
      this.type = switch (descriptor.getType()) {
        case UNARY -> "unary";
        case CLIENT_STREAMING -> "client_stream";
        case SERVER_STREAMING -> "server_stream";
        case BIDI_STREAMING -> "bidi_stream";
        case UNKNOWN -> "unknown";
      };
      String service = descriptor.getServiceName();
      this.service = service == null ? "" : service;
      String bare = descriptor.getBareMethodName();
      this.method = bare == null ? descriptor.getFullMethodName() : bare;
      this.started = Counter.builder("grpc.server.started")
          .description("Total number of RPCs started on the server")
          .tags("grpc_type", type, "grpc_service", this.service, "grpc_method", method)
          .register(registry);
    }

    Counter handled(Status.Code code) {
      Counter counter = handled.get(code.ordinal());
      if (counter == null) {
        // The registry hands out one counter per name and tags, so a race here is harmless.
        counter = Counter.builder("grpc.server.handled")
            .description("Total number of RPCs completed on the server, regardless of success or failure")
            .tags("grpc_type", type, "grpc_service", service, "grpc_method", method, "grpc_code", code.name())
            .register(registry);
        handled.set(code.ordinal(), counter);
      }
      return counter;
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    MethodDescriptor<Q, A> descriptor = call.getMethodDescriptor();
    MethodCounters counters = byMethod.get(descriptor.getFullMethodName());
    if (counters == null) {
      counters = byMethod.computeIfAbsent(descriptor.getFullMethodName(), name -> new MethodCounters(descriptor));
    }
    counters.started.increment();
    return next.startCall(new CountingCall<>(call, counters), headers);
  }

  private static final class CountingCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private final MethodCounters counters;

    CountingCall(ServerCall<Q, A> call, MethodCounters counters) {
      super(call);
      this.counters = counters;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      counters.handled(status.getCode()).increment();
      super.close(status, trailers);
    }
  }
}
