package io.synod.server;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.synod.node.Node;
import java.util.function.Supplier;

/**
 * Adds this member's read counts to the response headers of the Maintenance Status RPC:
 * {@code synod-reads-local} (linearizable reads answered from its own state under a read lease) and
 * {@code synod-reads-through-log} (those that went through the log), both since the process
 * started. etcd clients ignore headers they do not know, so {@code etcdctl endpoint status} is
 * unchanged; system tests read them to see that reads were really served locally. Other methods
 * pass through untouched, so nothing is added to the path of a read or a write.
 */
final class ReadCountHeaders implements ServerInterceptor {
  static final Metadata.Key<String> READS_LOCAL = Metadata.Key.of("synod-reads-local", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> READS_THROUGH_LOG =
      Metadata.Key.of("synod-reads-through-log", Metadata.ASCII_STRING_MARSHALLER);
  private static final String STATUS = MaintenanceGrpc.getStatusMethod().getFullMethodName();

  private final Supplier<Node.ReadCounts> counts;

  ReadCountHeaders(Supplier<Node.ReadCounts> counts) {
    this.counts = counts;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    if (!call.getMethodDescriptor().getFullMethodName().equals(STATUS)) {
      return next.startCall(call, headers);
    }
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        // Taken as the answer leaves, after the status itself was read.
        Node.ReadCounts c = counts.get();
        responseHeaders.put(READS_LOCAL, Long.toString(c.local()));
        responseHeaders.put(READS_THROUGH_LOG, Long.toString(c.throughLog()));
        super.sendHeaders(responseHeaders);
      }
    }, headers);
  }
}
