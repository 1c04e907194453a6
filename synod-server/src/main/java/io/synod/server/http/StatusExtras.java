package io.synod.server.http;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.synod.server.metrics.ServerMetrics;
import java.net.InetSocketAddress;

/**
 * Adds Synod's own figures to the trailers of the Maintenance Status answer, which etcd's message
 * has no field for: the bytes of the log and of the snapshots on disk, and the member's HTTP
 * address. Another member's status page reads them; etcd clients ignore them. Other calls pass
 * through untouched.
 */
public final class StatusExtras implements ServerInterceptor {
  static final Metadata.Key<String> WAL_BYTES = Metadata.Key.of("synod-wal-bytes", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> SNAPSHOT_BYTES =
      Metadata.Key.of("synod-snapshot-bytes", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> HTTP = Metadata.Key.of("synod-http", Metadata.ASCII_STRING_MARSHALLER);

  private final ServerMetrics.DiskFigures disk;
  private volatile InetSocketAddress http;

  public StatusExtras(ServerMetrics.DiskFigures disk) {
    this.disk = disk;
  }

  /** The address this member serves HTTP on, once it does. */
  public void http(InetSocketAddress address) {
    this.http = address;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    if (call.getMethodDescriptor() != MaintenanceGrpc.getStatusMethod()) {
      return next.startCall(call, headers);
    }
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (status.isOk()) {
          trailers.put(WAL_BYTES, Long.toString(disk.walBytes()));
          trailers.put(SNAPSHOT_BYTES, Long.toString(disk.snapshotBytes()));
          InetSocketAddress address = http;
          if (address != null) {
            trailers.put(HTTP, HttpAddress.format(address));
          }
        }
        super.close(status, trailers);
      }
    }, headers);
  }
}
