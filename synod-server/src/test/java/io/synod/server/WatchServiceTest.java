package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Watch service through raw gRPC stubs against one member (progress interval 200 ms): several
 * watches on one stream, filters, cancel, requested watch ids, fragments, progress notifications and
 * progress requests. Every wait is on a response, bounded.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WatchServiceTest {
  private static final long WAIT_SECONDS = 10;

  @TempDir
  static Path dir;

  private static SynodServer server;
  private static ManagedChannel channel;
  private static KVGrpc.KVBlockingStub kv;

  @BeforeAll
  static void start() throws Exception {
    List<Integer> ports = TestPorts.free(2);
    List<Member> members = Member.parseAll("1=127.0.0.1:" + ports.get(0) + "/127.0.0.1:" + ports.get(1));
    server = SynodServer.start(new ServerConfig(1, members, dir.resolve("m1"), ServerConfig.REQUEST_BYTES_DEFAULT,
        ServerConfig.TXN_OPS_DEFAULT, false, 0, 0, io.synod.paxos.ReadLeaseConfig.off(), 1.0, null, 200));
    channel = NettyChannelBuilder.forAddress(members.get(0).client()).usePlaintext()
        .maxInboundMessageSize(16 << 20).build();
    kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private static ByteString b(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  /** One watch stream whose responses land in a queue. */
  private static final class Client {
    final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    final StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        responses.add(r);
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });

    void create(WatchCreateRequest.Builder c) {
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
    }

    WatchResponse next() throws InterruptedException {
      WatchResponse r = responses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(r).as("a watch response within %d s", WAIT_SECONDS).isNotNull();
      return r;
    }

    void close() {
      requests.onCompleted();
    }
  }

  private static long put(String key, String value) {
    return kv.put(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build()).getHeader().getRevision();
  }

  private static WatchCreateRequest.Builder prefix(String p) {
    byte[] end = p.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return WatchCreateRequest.newBuilder().setKey(b(p)).setRangeEnd(ByteString.copyFrom(end));
  }

  @Test
  void watchesOnOneStreamGetTheirOwnIdsFiltersAndCancel() throws Exception {
    Client c = new Client();
    try {
      c.create(prefix("s/"));
      c.create(prefix("s/").addFilters(WatchCreateRequest.FilterType.NOPUT));
      WatchResponse first = c.next();
      WatchResponse second = c.next();
      assertThat(first.getCreated()).isTrue();
      assertThat(second.getCreated()).isTrue();
      assertThat(List.of(first.getWatchId(), second.getWatchId())).containsExactly(0L, 1L);
      long rev = put("s/a", "1");
      kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("s/a")).build());
      WatchResponse put = c.next();
      assertThat(put.getWatchId()).isEqualTo(0);
      assertThat(put.getEvents(0).getKv().getModRevision()).isEqualTo(rev);
      List<WatchResponse> deletes = List.of(c.next(), c.next());
      assertThat(deletes).extracting(WatchResponse::getWatchId).containsExactlyInAnyOrder(0L, 1L);
      for (WatchResponse d : deletes) {
        assertThat(d.getEvents(0).getType()).isEqualTo(io.etcd.jetcd.api.Event.EventType.DELETE);
        assertThat(d.getEvents(0).getKv().getModRevision()).isEqualTo(rev + 1);
      }
      c.requests.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
      WatchResponse canceled = c.next();
      assertThat(canceled.getCanceled()).isTrue();
      assertThat(canceled.getWatchId()).isEqualTo(0);
      put("s/b", "1");
      kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("s/b")).build());
      WatchResponse after = c.next();
      assertThat(after.getWatchId()).as("only the NOPUT watch is left").isEqualTo(1);
      assertThat(after.getEvents(0).getKv().getKey().toStringUtf8()).isEqualTo("s/b");
    } finally {
      c.close();
    }
  }

  @Test
  void aRequestedWatchIdIsUsedAndADuplicateIsRefused() throws Exception {
    Client c = new Client();
    try {
      UnknownFieldSet id42 = UnknownFieldSet.newBuilder()
          .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build();
      c.create(prefix("id/").setUnknownFields(id42));
      WatchResponse created = c.next();
      assertThat(created.getWatchId()).isEqualTo(42);
      assertThat(created.getCanceled()).isFalse();
      c.create(prefix("id/").setUnknownFields(id42));
      WatchResponse refused = c.next();
      assertThat(refused.getCreated()).isTrue();
      assertThat(refused.getCanceled()).isTrue();
      assertThat(refused.getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
    } finally {
      c.close();
    }
  }

  @Test
  void aRevisionLargerThanTheLimitGoesOutInFragmentsWhenAllowed() throws Exception {
    String big = "x".repeat(1 << 20);
    put("f/1", big);
    put("f/2", big);
    put("f/3", big);
    Client c = new Client();
    try {
      UnknownFieldSet fragment = UnknownFieldSet.newBuilder()
          .addField(8, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
      c.create(prefix("f/").setPrevKv(true).setUnknownFields(fragment));
      assertThat(c.next().getCreated()).isTrue();
      long rev = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("f/")).setRangeEnd(b("f0")).build())
          .getHeader().getRevision();
      List<WatchResponse> parts = new ArrayList<>();
      int events = 0;
      while (events < 3) {
        WatchResponse r = c.next();
        parts.add(r);
        events += r.getEventsCount();
      }
      assertThat(events).isEqualTo(3);
      assertThat(parts.size()).as("one revision of three 1 MiB previous values, over 1.5 MiB").isGreaterThan(1);
      for (int i = 0; i < parts.size(); i++) {
        boolean marked = !parts.get(i).getUnknownFields().getField(7).getVarintList().isEmpty();
        assertThat(marked).as("fragment flag of part %d", i).isEqualTo(i < parts.size() - 1);
        assertThat(parts.get(i).getHeader().getRevision()).isEqualTo(rev);
      }
    } finally {
      c.close();
    }
  }

  /**
   * A client that stops reading: its events back up through the transport and the stream's outbox
   * into the hub, which cancels the watcher past its bound (8 MiB) with a reason; meanwhile every
   * write is answered, as applying never waits for a watcher.
   */
  @Test
  void aClientThatStopsReadingIsCancelledWithAReasonAndWritesGoOn() throws Exception {
    BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<WatchRequest>> call =
        new java.util.concurrent.atomic.AtomicReference<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(
        new io.grpc.stub.ClientResponseObserver<WatchRequest, WatchResponse>() {
          @Override
          public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchRequest> requestStream) {
            requestStream.disableAutoRequestWithInitial(1);
            call.set(requestStream);
          }

          @Override
          public void onNext(WatchResponse r) {
            responses.add(r);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });
    try {
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(prefix("slow/")).build());
      WatchResponse created = responses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(created).isNotNull();
      assertThat(created.getCreated()).isTrue();
      // 24 MiB of puts: beyond the transport's window, the outbox and the watcher's 8 MiB bound.
      String value = "v".repeat(512 << 10);
      for (int i = 0; i < 48; i++) {
        put("slow/" + i, value);
      }
      WatchResponse canceled = null;
      for (int i = 0; i < 200 && canceled == null; i++) {
        call.get().request(1);
        WatchResponse r = responses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(r).as("a response once the client reads again").isNotNull();
        if (r.getCanceled()) {
          canceled = r;
        }
      }
      assertThat(canceled).as("the slow watcher is cancelled").isNotNull();
      assertThat(canceled.getCancelReason()).startsWith("watcher too slow");
      assertThat(canceled.getCompactRevision()).isZero();
    } finally {
      requests.onCompleted();
    }
  }

  @Test
  void progressNotificationsAndProgressRequests() throws Exception {
    long rev = put("p/other", "1");
    Client c = new Client();
    try {
      c.create(WatchCreateRequest.newBuilder().setKey(b("p/k")).setProgressNotify(true));
      assertThat(c.next().getCreated()).isTrue();
      WatchResponse progress = c.next();
      assertThat(progress.getEventsCount()).isZero();
      assertThat(progress.getWatchId()).isEqualTo(0);
      assertThat(progress.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
      c.requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      WatchResponse answer = c.next();
      for (int i = 0; i < 20 && answer.getWatchId() != -1; i++) {
        assertThat(answer.getEventsCount()).as("only progress notifications in between").isZero();
        answer = c.next();
      }
      assertThat(answer.getWatchId()).as("the progress answer belongs to no watch").isEqualTo(-1);
      assertThat(answer.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
    } finally {
      c.close();
    }
  }
}
