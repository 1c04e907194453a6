package io.synod.bench.load;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.synod.bench.JsonLine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Watch fan-out: {@code watchers} watches of one prefix (each on its own gRPC stream, spread over the
 * endpoints, as separate clients would be), and puts under that prefix at a fixed rate (open loop,
 * spread over the endpoints). Each put's value starts with the generator's clock at sending, so each
 * delivered event gives one delivery latency (put sent to event received, at every watcher). Reports
 * delivery latency percentiles, events delivered against events expected, and, with server PIDs, the
 * servers' resident memory per watcher (after the watches were created, against before).
 */
final class WatchFanOut {
  private static final String PREFIX = "synod-bench/watch/";

  private WatchFanOut() {}

  static JsonLine run(LoadGenerator.Options options, int watchers, int putRate) throws Exception {
    List<InetSocketAddress> endpoints = options.endpoints();
    List<ManagedChannel> channels = new ArrayList<>();
    for (InetSocketAddress e : endpoints) {
      channels.add(NettyChannelBuilder.forAddress(e.getHostString(), e.getPort()).usePlaintext()
          .maxInboundMessageSize(16 << 20).build());
    }
    Recorder latency = new Recorder(3);
    AtomicLong delivered = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    AtomicLong putErrors = new AtomicLong();
    AtomicLong sentInWindow = new AtomicLong();
    AtomicLong answeredInWindow = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    // The window by the generator's clock; an event counts if its put was sent inside it.
    AtomicLong windowStart = new AtomicLong(Long.MAX_VALUE);
    AtomicLong windowEnd = new AtomicLong(Long.MAX_VALUE);
    ScheduledExecutorService putter = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loadgen-watch-puts");
      t.setDaemon(true);
      return t;
    });
    List<StreamObserver<WatchRequest>> streams = new ArrayList<>();
    try {
      long rssBefore = serverRssBytes(options.serverPids());
      CountDownLatch created = new CountDownLatch(watchers);
      ByteString prefix = ByteString.copyFrom(PREFIX, StandardCharsets.US_ASCII);
      ByteString rangeEnd = ByteString.copyFrom(prefixEnd(PREFIX.getBytes(StandardCharsets.US_ASCII)));
      for (int i = 0; i < watchers; i++) {
        WatchGrpc.WatchStub stub = WatchGrpc.newStub(channels.get(i % channels.size()));
        StreamObserver<WatchRequest> requests = stub.watch(new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            if (r.getCreated()) {
              created.countDown();
            }
            long now = System.nanoTime();
            for (io.etcd.jetcd.api.Event e : r.getEventsList()) {
              ByteBuffer value = e.getKv().getValue().asReadOnlyByteBuffer();
              if (value.remaining() < 8) {
                continue;
              }
              long sentAt = value.getLong();
              if (sentAt >= windowStart.get() && sentAt < windowEnd.get()) {
                latency.recordValue(Math.max(0, (now - sentAt) / 1_000));
                delivered.incrementAndGet();
              }
            }
            if (r.getCanceled()) {
              firstError.compareAndSet(null, "watch cancelled: " + r.getCancelReason());
            }
          }

          @Override
          public void onError(Throwable t) {
            firstError.compareAndSet(null, "watch stream failed: " + t);
          }

          @Override
          public void onCompleted() {
          }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(
            WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd)).build());
        streams.add(requests);
      }
      if (!created.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + (watchers - created.getCount()) + " of " + watchers
            + " watches were created within 60 s");
      }
      long rssAfter = serverRssBytes(options.serverPids());
      List<KVGrpc.KVStub> kv = new ArrayList<>();
      for (ManagedChannel c : channels) {
        kv.add(KVGrpc.newStub(c));
      }
      byte[] padding = new byte[Math.max(8, options.valueBytes())];
      AtomicLong sent = new AtomicLong();
      long periodNanos = 1_000_000_000L / putRate;
      putter.scheduleAtFixedRate(() -> {
        long n = sent.getAndIncrement();
        ByteBuffer value = ByteBuffer.wrap(padding.clone());
        long sentAt = System.nanoTime();
        value.putLong(0, sentAt);
        PutRequest put = PutRequest.newBuilder()
            .setKey(ByteString.copyFrom(PREFIX + (n % options.keys()), StandardCharsets.US_ASCII))
            .setValue(ByteString.copyFrom(value.array())).build();
        boolean counted = sentAt >= windowStart.get() && sentAt < windowEnd.get();
        if (counted) {
          sentInWindow.incrementAndGet();
        }
        kv.get((int) (n % kv.size())).withDeadlineAfter(options.timeoutMillis(), TimeUnit.MILLISECONDS)
            .put(put, new StreamObserver<PutResponse>() {
              @Override
              public void onNext(PutResponse r) {
                if (counted) {
                  acked.incrementAndGet();
                  answeredInWindow.incrementAndGet();
                }
              }

              @Override
              public void onError(Throwable t) {
                if (counted) {
                  answeredInWindow.incrementAndGet();
                }
                putErrors.incrementAndGet();
                firstError.compareAndSet(null, "put failed: " + t);
              }

              @Override
              public void onCompleted() {
              }
            });
      }, 0, periodNanos, TimeUnit.NANOSECONDS);
      TimeUnit.SECONDS.sleep(options.rampSeconds());
      long start = System.nanoTime();
      windowStart.set(start);
      TimeUnit.SECONDS.sleep(options.seconds());
      long end = System.nanoTime();
      windowEnd.set(end);
      double seconds = (end - start) / 1e9;
      // Puts sent in the window may still be unanswered and their events on their way: a bounded
      // grace period (the put timeout, at most 10 s) for them.
      long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(10_000, options.timeoutMillis()));
      while ((answeredInWindow.get() < sentInWindow.get() || delivered.get() < acked.get() * watchers)
          && System.nanoTime() < graceEnd) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      long expected = acked.get() * watchers;
      Histogram h = latency.getIntervalHistogram();
      boolean any = h.getTotalCount() > 0;
      return new JsonLine()
          .put("system", options.system())
          .put("workload", "watch-fanout")
          .put("watchers", watchers)
          .put("put_rate_s", putRate)
          .put("seconds", seconds)
          .put("puts_acked", acked.get())
          .put("put_errors", putErrors.get())
          .put("events_expected", expected)
          .put("events_delivered", delivered.get())
          .put("p50_us", any ? h.getValueAtPercentile(50) : -1)
          .put("p99_us", any ? h.getValueAtPercentile(99) : -1)
          .put("p999_us", any ? h.getValueAtPercentile(99.9) : -1)
          .put("max_us", any ? h.getMaxValue() : -1)
          .put("server_rss_bytes_per_watcher", rssBefore < 0 || rssAfter < 0 ? -1 : (rssAfter - rssBefore) / watchers)
          .put("value_bytes", padding.length)
          .put("first_error", firstError.get())
          .put("time", Instant.now().toString());
    } finally {
      putter.shutdownNow();
      for (StreamObserver<WatchRequest> s : streams) {
        try {
          s.onCompleted();
        } catch (RuntimeException ignored) {
          // The stream may have failed already.
        }
      }
      for (ManagedChannel c : channels) {
        c.shutdownNow();
        c.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static byte[] prefixEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return java.util.Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0};
  }

  /** The summed resident set size of the given (local, Linux) processes, or -1 if none or unreadable. */
  private static long serverRssBytes(List<Long> pids) {
    if (pids.isEmpty()) {
      return -1;
    }
    long total = 0;
    for (long pid : pids) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
    }
    return total;
  }

  static String describe(JsonLine line) {
    return String.format(Locale.ROOT, "watch fan-out: %s", line);
  }
}
