package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Lease service against a three-member cluster of real server processes, driven by the real
 * etcdctl 3.4 (its output checked as etcd makes it print) and by jetcd. Each test works on its own
 * key prefix and its own leases.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LeaseSystemTest {
  private static final long CALL_TIMEOUT_SECONDS = 10;
  /** etcd's minimum TTL under the members' 1 s election timeout. */
  private static final long TTL_MIN_SECONDS = 2;
  private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\((\\d+)s\\)\n");

  @TempDir
  static Path dir;

  @RegisterExtension
  static final LogsOnFailure LOGS = new LogsOnFailure();

  private static Cluster cluster;
  private static Etcdctl etcdctl;
  private static String all;
  private static String follower;
  private static Client client;
  private static Lease leases;
  private static KV kv;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    LOGS.watch(cluster);
    etcdctl = new Etcdctl(dir.resolve("etcdctl"));
    all = cluster.clientEndpoints();
    follower = cluster.clientEndpoint(cluster.awaitLeader() % 3 + 1);
    client = cluster.jetcdClient();
    leases = client.getLeaseClient();
    kv = client.getKVClient();
  }

  @AfterAll
  static void stopCluster() {
    Cluster.close(client, cluster);
  }

  @Test
  void etcdctlGrantsAttachesKeepsAliveListsAndRevokesDeletingTheKeys() throws IOException {
    String granted = ok(follower, "lease", "grant", "600");
    Matcher m = GRANTED.matcher(granted);
    assertThat(m.matches()).as(granted).isTrue();
    String id = m.group(1);
    assertThat(m.group(2)).isEqualTo("600");
    long leaseId = Long.parseUnsignedLong(id, 16);

    assertThat(ok(all, "put", "--lease=" + id, "ctl/a", "1")).isEqualTo("OK\n");
    assertThat(ok(follower, "put", "--lease=" + id, "ctl/b", "2")).isEqualTo("OK\n");
    assertThat(ok(all, "put", "ctl/c", "3")).isEqualTo("OK\n");
    assertThat(ok(all, "get", "ctl/a", "-w", "json")).contains("\"lease\":" + leaseId + "}");

    assertThat(ok(follower, "lease", "keep-alive", "--once", id))
        .isEqualTo("lease " + id + " keepalived with TTL(600)\n");
    String ttl = ok(all, "lease", "timetolive", "--keys", id);
    assertThat(ttl).matches("lease " + id + " granted with TTL\\(600s\\), remaining\\((599|600)s\\), "
        + "attached keys\\(\\[ctl/a ctl/b\\]\\)\n");
    String list = ok(follower, "lease", "list");
    assertThat(list).startsWith("found ").contains("\n" + id + "\n");

    long before = revision(ok(all, "get", "ctl/c", "-w", "json"));
    assertThat(ok(follower, "lease", "revoke", id)).isEqualTo("lease " + id + " revoked\n");
    assertThat(ok(all, "get", "ctl/", "--prefix", "--keys-only")).isEqualTo("ctl/c\n\n");
    assertThat(revision(ok(all, "get", "ctl/c", "-w", "json"))).as("both keys go in one revision")
        .isEqualTo(before + 1);
    assertThat(ok(all, "lease", "timetolive", id)).isEqualTo("lease " + id + " already expired\n");
    assertThat(ok(all, "lease", "list")).doesNotContain(id);

    Etcdctl.Result again = etcdctl.run(all, "lease", "revoke", id);
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.stderr()).contains("Error: failed to revoke lease (etcdserver: requested lease not found)");
    Etcdctl.Result putMissing = etcdctl.run(all, "put", "--lease=" + id, "ctl/d", "4");
    assertThat(putMissing.exitCode()).isNotZero();
    assertThat(putMissing.stderr()).contains("Error: etcdserver: requested lease not found");
    Etcdctl.Result keepMissing = etcdctl.run(all, "lease", "keep-alive", "--once", id);
    assertThat(keepMissing.exitCode()).isNotZero();
    assertThat(keepMissing.stderr()).contains("requested lease not found");
  }

  @Test
  void etcdctlRaisesSmallTtlsAndRefusesHugeOnes() throws IOException {
    Matcher m = GRANTED.matcher(ok(all, "lease", "grant", "1"));
    assertThat(m.matches()).isTrue();
    assertThat(Long.parseLong(m.group(2))).isEqualTo(TTL_MIN_SECONDS);
    Etcdctl.Result huge = etcdctl.run(all, "lease", "grant", "9000000001");
    assertThat(huge.exitCode()).isNotZero();
    assertThat(huge.stderr()).contains("Error: failed to grant lease (etcdserver: too large lease TTL)");
  }

  @Test
  void anExpiringLeaseDeletesItsKeysNoEarlierThanItsTtl() throws IOException {
    long start = System.nanoTime();
    Matcher m = GRANTED.matcher(ok(follower, "lease", "grant", "2"));
    assertThat(m.matches()).isTrue();
    String id = m.group(1);
    ok(follower, "put", "--lease=" + id, "exp/a", "1");
    ok(all, "put", "--lease=" + id, "exp/b", "2");
    String gone = Await.until("lease " + id + " to expire and take its keys", Duration.ofSeconds(20), () -> {
      String keys = ok(all, "get", "exp/", "--prefix", "--keys-only");
      return keys.isEmpty() ? keys : null;
    }, () -> "");
    assertThat(gone).isEmpty();
    assertThat(System.nanoTime() - start).as("not before the TTL ran out")
        .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
    assertThat(ok(follower, "lease", "timetolive", id)).isEqualTo("lease " + id + " already expired\n");
  }

  @Test
  void jetcdGrantPutKeepAliveTimeToLiveAndRevoke() throws Exception {
    long id = get(leases.grant(300)).getID();
    assertThat(get(leases.grant(300)).getID()).isNotEqualTo(id);
    ByteSequence key = bytes("jetcd/leased");
    get(kv.put(key, bytes("v"), PutOption.builder().withLeaseId(id).build()));
    assertThat(get(kv.get(key)).getKvs().get(0).getLease()).isEqualTo(id);
    assertThat(get(leases.keepAliveOnce(id)).getTTL()).isEqualTo(300);
    var ttl = get(leases.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
    assertThat(ttl.getGrantedTTL()).isEqualTo(300);
    assertThat(ttl.getTTL()).isBetween(290L, 300L);
    assertThat(ttl.getKeys()).containsExactly(key);
    get(leases.revoke(id));
    assertThat(get(kv.get(key)).getKvs()).isEmpty();
    assertThat(get(leases.timeToLive(id, LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
  }

  @Test
  void grantWithAChosenIdAndTheSameIdAgainOverRawGrpc() {
    long chosen = 0x1234_5678L;
    io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(cluster.clientEndpoint(1)).usePlaintext()
        .build();
    try {
      var stub = io.etcd.jetcd.api.LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_TIMEOUT_SECONDS,
          TimeUnit.SECONDS);
      var request = io.etcd.jetcd.api.LeaseGrantRequest.newBuilder().setID(chosen).setTTL(30).build();
      assertThat(stub.leaseGrant(request).getID()).isEqualTo(chosen);
      io.grpc.StatusRuntimeException exists = org.junit.jupiter.api.Assertions.assertThrows(
          io.grpc.StatusRuntimeException.class, () -> stub.leaseGrant(request));
      assertThat(exists.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
      assertThat(exists.getStatus().getDescription()).isEqualTo("etcdserver: lease already exists");
      var revoke = io.etcd.jetcd.api.LeaseRevokeRequest.newBuilder().setID(chosen).build();
      stub.leaseRevoke(revoke);
      io.grpc.StatusRuntimeException gone = org.junit.jupiter.api.Assertions.assertThrows(
          io.grpc.StatusRuntimeException.class, () -> stub.leaseRevoke(revoke));
      assertThat(gone.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * The bidirectional KeepAlive stream over etcd's generated gRPC stub (jetcd's own keep-alive needs
   * a Netty newer than the one on this classpath): a keep-alive every half second holds a lease of
   * the minimum TTL for more than twice its TTL; once they stop, it expires.
   */
  @Test
  void keepAliveStreamKeepsAShortLeaseAliveUntilItStops() throws Exception {
    long id = get(leases.grant(TTL_MIN_SECONDS)).getID();
    ByteSequence key = bytes("stream/k");
    get(kv.put(key, bytes("v"), PutOption.builder().withLeaseId(id).build()));
    long start = System.nanoTime();
    AtomicInteger answers = new AtomicInteger();
    io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(follower).usePlaintext().build();
    java.util.concurrent.ScheduledExecutorService sender = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveRequest> requests = io.etcd.jetcd.api.LeaseGrpc.newStub(channel)
          .leaseKeepAlive(new StreamObserver<io.etcd.jetcd.api.LeaseKeepAliveResponse>() {
            @Override
            public void onNext(io.etcd.jetcd.api.LeaseKeepAliveResponse value) {
              if (value.getID() == id && value.getTTL() == TTL_MIN_SECONDS) {
                answers.incrementAndGet();
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      var request = io.etcd.jetcd.api.LeaseKeepAliveRequest.newBuilder().setID(id).build();
      sender.scheduleAtFixedRate(() -> {
        synchronized (requests) {
          requests.onNext(request);
        }
      }, 0, 500, TimeUnit.MILLISECONDS);
      Await.until("keep-alive answers over twice the TTL", Duration.ofSeconds(30),
          () -> answers.get() >= 3 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(2 * TTL_MIN_SECONDS)
              ? Boolean.TRUE : null, () -> "answers: " + answers.get());
      assertThat(get(kv.get(key)).getKvs()).as("kept alive past its TTL").hasSize(1);
      sender.shutdownNow();
      assertThat(sender.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
      synchronized (requests) {
        requests.onCompleted();
      }
    } finally {
      sender.shutdownNow();
      channel.shutdownNow();
    }
    Await.until("the lease to expire once no longer kept alive", Duration.ofSeconds(20),
        () -> get(kv.get(key)).getKvs().isEmpty() ? Boolean.TRUE : null, () -> "");
  }

  private static <T> T get(java.util.concurrent.CompletableFuture<T> future) throws Exception {
    try {
      return future.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static long revision(String json) {
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Runs etcdctl, requires success with nothing on stderr, and returns what it printed. */
  private static String ok(String endpoints, String... args) throws IOException {
    Etcdctl.Result r = etcdctl.run(endpoints, args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr()).as(r.toString()).isEmpty();
    return r.stdout();
  }
}
