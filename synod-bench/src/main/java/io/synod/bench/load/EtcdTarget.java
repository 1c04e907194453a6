package io.synod.bench.load;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An etcd v3 endpoint list (Synod or etcd) through the raw KV stubs: one plaintext channel per
 * endpoint, callbacks on the transport's threads, a deadline on every call.
 */
final class EtcdTarget implements KvTarget {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final KVGrpc.KVStub[] stubs;
  private final ByteString[] keys;
  private final ByteString[] values;
  private final long timeoutMillis;
  /** The ids of the leases {@link #prepareLeases} granted. */
  private long[] leaseIds = new long[0];
  /** One KeepAlive stream per connection, opened on first use and again after it failed. */
  private final KeepAliveStream[] streams;

  EtcdTarget(List<InetSocketAddress> endpoints, int keyCount, byte[][] values, Duration timeout) {
    this.timeoutMillis = timeout.toMillis();
    this.stubs = new KVGrpc.KVStub[endpoints.size()];
    this.streams = new KeepAliveStream[endpoints.size()];
    for (int i = 0; i < endpoints.size(); i++) {
      InetSocketAddress endpoint = endpoints.get(i);
      ManagedChannel channel = NettyChannelBuilder.forAddress(endpoint.getHostString(), endpoint.getPort())
          .usePlaintext()
          .directExecutor()
          .maxInboundMessageSize(16 << 20)
          .build();
      channels.add(channel);
      stubs[i] = KVGrpc.newStub(channel);
    }
    this.keys = new ByteString[keyCount];
    for (int i = 0; i < keyCount; i++) {
      keys[i] = ByteString.copyFrom(keyName(i), StandardCharsets.US_ASCII);
    }
    this.values = new ByteString[values.length];
    for (int i = 0; i < values.length; i++) {
      this.values[i] = ByteString.copyFrom(values[i]);
    }
  }

  static String keyName(int key) {
    return String.format(Locale.ROOT, "synod-bench/k%05d", key);
  }

  @Override
  public int connections() {
    return stubs.length;
  }

  private KVGrpc.KVStub stub(int client) {
    return stubs[client % stubs.length].withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void put(int client, int key, Done done) {
    PutRequest request = PutRequest.newBuilder()
        .setKey(keys[key])
        .setValue(values[ThreadLocalRandom.current().nextInt(values.length)])
        .build();
    stub(client).put(request, new Reply<PutResponse>(done) {
      @Override
      String check(PutResponse response) {
        return null;
      }
    });
  }

  @Override
  public void get(int client, int key, boolean linearizable, Done done) {
    RangeRequest request = RangeRequest.newBuilder().setKey(keys[key]).setSerializable(!linearizable).build();
    stub(client).range(request, new Reply<RangeResponse>(done) {
      @Override
      String check(RangeResponse response) {
        return response.getKvsCount() == 1 ? null : "range returned " + response.getKvsCount() + " keys";
      }
    });
  }

  @Override
  public void prepare(int keyCount, Duration bound) throws Exception {
    Pipelined.run(keyCount, 64, bound, (i, done) -> put(i, i, done));
  }

  @Override
  public void prepareLeases(int leases, long ttlSeconds, Duration bound) throws Exception {
    long[] ids = new long[leases];
    Pipelined.run(leases, 64, bound, (i, done) -> {
      ManagedChannel channel = channels.get(i % channels.size());
      LeaseGrpc.newStub(channel).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).leaseGrant(
          LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build(), new Reply<LeaseGrantResponse>(done) {
            @Override
            String check(LeaseGrantResponse response) {
              ids[i] = response.getID();
              return response.getID() == 0 ? "grant returned lease 0: " + response.getError() : null;
            }
          });
    });
    leaseIds = ids;
  }

  @Override
  public void keepAlive(int client, int lease, Done done) {
    int connection = client % streams.length;
    KeepAliveStream stream;
    synchronized (streams) {
      stream = streams[connection];
      if (stream == null || stream.failed) {
        stream = new KeepAliveStream(channels.get(connection));
        streams[connection] = stream;
      }
    }
    stream.send(leaseIds[lease], done);
  }

  /**
   * One bidirectional KeepAlive stream: requests are written under its lock (a gRPC stream is not
   * thread-safe), and each answer completes the oldest keep-alive of its lease still waiting.
   */
  private static final class KeepAliveStream implements StreamObserver<LeaseKeepAliveResponse> {
    private final StreamObserver<LeaseKeepAliveRequest> requests;
    private final ConcurrentHashMap<Long, ConcurrentLinkedQueue<Done>> waiting = new ConcurrentHashMap<>();
    volatile boolean failed;

    KeepAliveStream(ManagedChannel channel) {
      this.requests = LeaseGrpc.newStub(channel).leaseKeepAlive(this);
    }

    void send(long leaseId, Done done) {
      waiting.computeIfAbsent(leaseId, id -> new ConcurrentLinkedQueue<>()).add(done);
      synchronized (this) {
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
      }
    }

    @Override
    public void onNext(LeaseKeepAliveResponse response) {
      ConcurrentLinkedQueue<Done> queue = waiting.get(response.getID());
      Done done = queue == null ? null : queue.poll();
      if (done != null) {
        done.completed(response.getTTL() > 0 ? null
            : new IllegalStateException("lease " + Long.toHexString(response.getID()) + " not found"));
      }
    }

    @Override
    public void onError(Throwable error) {
      failed = true;
      for (ConcurrentLinkedQueue<Done> queue : waiting.values()) {
        for (Done done = queue.poll(); done != null; done = queue.poll()) {
          done.completed(error);
        }
      }
    }

    @Override
    public void onCompleted() {
      onError(new IllegalStateException("the server ended the KeepAlive stream"));
    }

    void close() {
      synchronized (this) {
        if (!failed) {
          requests.onCompleted();
        }
      }
    }
  }

  @Override
  public void close() {
    synchronized (streams) {
      for (KeepAliveStream stream : streams) {
        if (stream != null) {
          stream.close();
        }
      }
    }
    for (ManagedChannel channel : channels) {
      channel.shutdown();
    }
    for (ManagedChannel channel : channels) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
          channel.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Turns one unary call's observer events into exactly one {@link Done} report. */
  private abstract static class Reply<T> implements StreamObserver<T> {
    private final Done done;
    private String problem;

    Reply(Done done) {
      this.done = done;
    }

    /** A description of what is wrong with the response, or null. */
    abstract String check(T response);

    @Override
    public void onNext(T response) {
      problem = check(response);
    }

    @Override
    public void onError(Throwable error) {
      done.completed(error);
    }

    @Override
    public void onCompleted() {
      done.completed(problem == null ? null : new IllegalStateException(problem));
    }
  }
}
