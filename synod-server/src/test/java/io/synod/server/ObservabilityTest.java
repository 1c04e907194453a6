package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResult;
import io.synod.node.NodeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's HTTP port: metrics, etcd's health endpoints and the status data, on real sockets. */
class ObservabilityTest {
  private static final long LEADER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);

  @TempDir Path dir;
  private final List<SynodServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (SynodServer s : servers) {
      s.close();
    }
  }

  /** Members 1..3 on free ports with HTTP on any free port; starts those in {@code started}. */
  private List<Member> start(int... started) throws Exception {
    List<Integer> ports = TestPorts.free(6);
    StringBuilder spec = new StringBuilder();
    for (int id = 1; id <= 3; id++) {
      spec.append(id == 1 ? "" : ",").append(id).append("=127.0.0.1:").append(ports.get(2 * id - 2))
          .append("/127.0.0.1:").append(ports.get(2 * id - 1));
    }
    List<Member> members = Member.parseAll(spec.toString());
    for (int id : started) {
      servers.add(SynodServer.start(config(members, id, new InetSocketAddress("127.0.0.1", 0))));
      channels.add(NettyChannelBuilder.forAddress(members.get(id - 1).client()).usePlaintext().build());
    }
    return members;
  }

  private ServerConfig config(List<Member> members, int id, InetSocketAddress httpAddress) {
    return new ServerConfig(id, members, dir.resolve("m" + id), ServerConfig.REQUEST_BYTES_DEFAULT,
        ServerConfig.TXN_OPS_DEFAULT, false, 0, 0, io.synod.paxos.ReadLeaseConfig.off(), 1.0, httpAddress);
  }

  private HttpResponse<String> get(SynodServer server, String path) throws Exception {
    return send(server, HttpRequest.newBuilder(uri(server, path)).GET());
  }

  private HttpResponse<String> send(SynodServer server, HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(SynodServer server, String path) {
    InetSocketAddress a = server.httpAddress();
    return URI.create("http://127.0.0.1:" + a.getPort() + path);
  }

  private void awaitLeaderEverywhere() throws InterruptedException {
    for (SynodServer s : servers) {
      assertThat(s.node().awaitStatus(st -> st.leaderId() != 0, LEADER_WAIT_NANOS))
          .as("member %d knows a leader", s.config().id()).isTrue();
    }
  }

  /** The value of the sample {@code name{labels}} (labels as a regex fragment, or none). */
  private static double sample(String metrics, String name, String labels) {
    Pattern p = Pattern.compile("(?m)^" + Pattern.quote(name) + (labels == null ? "" : "\\{" + labels + "\\}")
        + " ([0-9.eE+-]+)$");
    Matcher m = p.matcher(metrics);
    assertThat(m.find()).as("a sample %s{%s} in\n%s", name, labels, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /**
   * The member's {@code /status.json} once {@code condition} holds for it, polled every 100 ms for at
   * most 20 s (the status of other members comes with a deadline, so it may take a few looks).
   */
  private String awaitStatus(SynodServer server, java.util.function.Predicate<String> condition) throws Exception {
    String body = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int look = 0; look < 200 && System.nanoTime() - deadline < 0; look++) {
      HttpResponse<String> response = get(server, "/status.json");
      assertThat(response.statusCode()).isEqualTo(200);
      body = response.body();
      if (condition.test(body)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("status.json never met the condition within 20 s; last: " + body);
  }

  @Test
  void metricsMoveWithPuts() throws Exception {
    start(1, 2, 3);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(1)).withDeadlineAfter(20, TimeUnit.SECONDS);
    for (int i = 0; i < 20; i++) {
      kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + (i % 5)))
          .setValue(ByteString.copyFromUtf8("v" + i)).build());
    }
    SynodServer member2 = servers.get(1);
    HttpResponse<String> response = get(member2, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    String metrics = response.body();
    // 20 puts: at least 20 slots chosen and applied here (elections add no-op slots).
    assertThat(sample(metrics, "synod_server_proposals_committed_total", null)).isGreaterThanOrEqualTo(20);
    assertThat(sample(metrics, "synod_server_proposals_applied_total", null)).isGreaterThanOrEqualTo(20);
    assertThat(sample(metrics, "synod_server_proposals_pending", null)).isEqualTo(0);
    assertThat(sample(metrics, "synod_server_proposals_failed_total", null)).isEqualTo(0);
    assertThat(sample(metrics, "synod_server_has_leader", null)).isEqualTo(1);
    assertThat(sample(metrics, "synod_server_leader_changes_seen_total", null)).isGreaterThanOrEqualTo(1);
    assertThat(sample(metrics, "grpc_server_handled_total",
        "grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\""))
        .isEqualTo(20);
    assertThat(sample(metrics, "grpc_server_started_total",
        "grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"")).isEqualTo(20);
    // Every put was fsynced here (the follower accepts it durably) and applied here.
    assertThat(sample(metrics, "synod_disk_wal_fsync_duration_seconds_count", null)).isGreaterThanOrEqualTo(1);
    assertThat(sample(metrics, "synod_disk_wal_fsync_duration_seconds_bucket", "le=\"\\+Inf\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(sample(metrics, "synod_disk_wal_fsync_duration_seconds_bucket", "le=\"0\\.001\"")).isNotNegative();
    assertThat(sample(metrics, "synod_server_apply_duration_seconds_count", null)).isGreaterThanOrEqualTo(20);
    assertThat(sample(metrics, "synod_mvcc_keys", null)).isEqualTo(5);
    assertThat(sample(metrics, "synod_mvcc_current_revision", null)).isEqualTo(21);
    assertThat(sample(metrics, "synod_mvcc_db_total_size_in_bytes", null)).isPositive();
    assertThat(sample(metrics, "synod_disk_wal_size_in_bytes", null)).isPositive();
  }

  @Test
  void aHealthyMemberIsLiveAndReadyAsEtcdSaysIt() throws Exception {
    start(1, 2, 3);
    awaitLeaderEverywhere();
    SynodServer member = servers.get(0);
    HttpResponse<String> livez = get(member, "/livez");
    assertThat(livez.statusCode()).isEqualTo(200);
    assertThat(livez.body()).isEqualTo("ok\n");
    HttpResponse<String> readyz = get(member, "/readyz");
    assertThat(readyz.statusCode()).isEqualTo(200);
    assertThat(readyz.body()).isEqualTo("ok\n");
    assertThat(get(member, "/readyz?verbose").body()).isEqualTo(
        "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\nok\n");
    assertThat(get(member, "/readyz?verbose&exclude=linearizable_read&exclude=non_learner").body()).isEqualTo(
        "[+]data_corruption ok\n[+]serializable_read ok\nok\n");
    assertThat(get(member, "/livez?verbose").body()).isEqualTo("[+]serializable_read ok\nok\n");
    assertThat(get(member, "/readyz/linearizable_read").body()).isEqualTo("ok\n");
    assertThat(get(member, "/readyz/no_such_check").statusCode()).isEqualTo(404);
    HttpResponse<String> post = send(member, HttpRequest.newBuilder(uri(member, "/readyz"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    HttpResponse<String> health = get(member, "/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
    // Peers answer the status page within a deadline; on a busy machine the first answers may miss it.
    String status = awaitStatus(member, body -> Pattern.compile("\"reachable\":true").matcher(body).results().count() == 3);
    assertThat(status).contains("\"member\":1").doesNotContain("\"reachable\":false");
    assertThat(Pattern.compile("\"walBytes\":").matcher(status).results().count()).isEqualTo(3);
    assertThat(Pattern.compile("\"http\":\"127.0.0.1:").matcher(status).results().count()).isEqualTo(3);
    HttpResponse<String> page = get(member, "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(page.body()).contains("<title>Synod status</title>");
    assertThat(get(member, "/status.js").statusCode()).isEqualTo(200);
    assertThat(get(member, "/nothing-here").statusCode()).isEqualTo(404);
    assertThat(get(member, "/metricsx").statusCode()).isEqualTo(404);
    assertThat(get(member, "/livez/").body()).isEqualTo("ok\n");
  }

  @Test
  void aMemberWithoutItsPeersIsLiveButNotReady() throws Exception {
    start(1);
    SynodServer alone = servers.get(0);
    HttpResponse<String> livez = get(alone, "/livez");
    assertThat(livez.statusCode()).isEqualTo(200);
    assertThat(livez.body()).isEqualTo("ok\n");
    HttpResponse<String> readyz = get(alone, "/readyz");
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.body()).isEqualTo("[+]data_corruption ok\n[+]serializable_read ok\n"
        + "[-]linearizable_read failed: etcdserver: no leader\n\n");
    assertThat(get(alone, "/readyz?exclude=linearizable_read").statusCode()).isEqualTo(200);
    assertThat(get(alone, "/readyz/linearizable_read").statusCode()).isEqualTo(503);
    HttpResponse<String> health = get(alone, "/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).isEqualTo("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n");
    assertThat(get(alone, "/health?serializable=true").statusCode()).isEqualTo(200);
    String metrics = get(alone, "/metrics").body();
    assertThat(sample(metrics, "synod_server_has_leader", null)).isEqualTo(0);
    assertThat(sample(metrics, "synod_server_proposals_failed_total", null)).isEqualTo(0);
    // A write with no leader to take it waits out the request timeout: a failed proposal.
    CompletableFuture<KvResult> put = alone.node().submit(KvCodec.encodeCommand(KvCommand.of(
        io.synod.kv.PutRequest.of(new byte[] {'k'}, new byte[] {'v'}))));
    assertThatThrownBy(() -> put.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(NodeException.Timeout.class);
    metrics = get(alone, "/metrics").body();
    assertThat(sample(metrics, "synod_server_proposals_failed_total", null)).isEqualTo(1);
    assertThat(sample(metrics, "synod_server_proposals_pending", null)).isEqualTo(0);
    String status = get(alone, "/status.json").body();
    assertThat(Pattern.compile("\"reachable\":false").matcher(status).results().count()).isEqualTo(2);
    assertThat(status).contains("\"leader\":0");
    assertThat(Pattern.compile("\"error\":\"[^\"]+\"").matcher(status).results().count())
        .as("each unreachable member with the reason").isEqualTo(2);
  }

  @Test
  void aBusyHttpPortIsAStartupErrorNamingTheAddress() throws Exception {
    List<Integer> ports = TestPorts.free(2);
    List<Member> members = Member.parseAll("1=127.0.0.1:" + ports.get(0) + "/127.0.0.1:" + ports.get(1));
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", busy.getLocalPort());
      assertThatThrownBy(() -> SynodServer.start(config(members, 1, taken)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("member 1 cannot listen on 127.0.0.1:" + busy.getLocalPort() + " for HTTP")
          .hasMessageContaining("--listen-http");
    }
    // Nothing of the member's storage was created, and the directory is free for the next start.
    assertThat(Files.exists(dir.resolve("m1").resolve("wal"))).isFalse();
    try (SynodServer started = SynodServer.start(config(members, 1, new InetSocketAddress("127.0.0.1", 0)))) {
      assertThat(started.httpAddress().getPort()).isPositive();
    }
  }

  @Test
  void withoutAnHttpAddressNothingListens() throws Exception {
    List<Integer> ports = TestPorts.free(2);
    List<Member> members = Member.parseAll("1=127.0.0.1:" + ports.get(0) + "/127.0.0.1:" + ports.get(1));
    try (SynodServer server = SynodServer.start(config(members, 1, null))) {
      assertThat(server.httpAddress()).isNull();
    }
  }
}
