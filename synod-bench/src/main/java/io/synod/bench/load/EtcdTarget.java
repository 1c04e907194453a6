package io.synod.bench.load;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
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

  EtcdTarget(List<InetSocketAddress> endpoints, int keyCount, byte[][] values, Duration timeout) {
    this.timeoutMillis = timeout.toMillis();
    this.stubs = new KVGrpc.KVStub[endpoints.size()];
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
  public void close() {
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
