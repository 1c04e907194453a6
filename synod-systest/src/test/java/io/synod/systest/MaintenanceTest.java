package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's maintenance commands against a three-member cluster of real processes, through the real
 * {@code etcdctl} 3.4: {@code endpoint hashkv} after a mixed workload and a member restart,
 * {@code snapshot save} under writes and a restore into a new cluster, {@code move-leader},
 * {@code defrag}, and the NOSPACE alarm (last: it fills the cluster's small quota).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaintenanceTest {
  /** Small enough to hit quickly with 64 KiB values, large enough for the other tests' writes. */
  private static final long QUOTA_BYTES = 1_500_000;
  private static final Pattern HEADER = Pattern.compile(
      "\\{\"header\":\\{\"cluster_id\":(\\d+),\"member_id\":(\\d+),\"revision\":(\\d+),\"raft_term\":(\\d+)}");
  private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+),\"compact_revision\":(\\d+)");

  @TempDir
  static Path dir;

  @RegisterExtension
  static final LogsOnFailure LOGS = new LogsOnFailure();

  private static Cluster cluster;
  private static Etcdctl etcdctl;
  private static String all;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3, List.of("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
    LOGS.watch(cluster);
    etcdctl = new Etcdctl(dir.resolve("etcdctl"));
    all = cluster.clientEndpoints();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void hashKvIsEqualOnEveryMemberAfterAMixedWorkloadACompactionAndARestart() throws Exception {
    for (int i = 0; i < 20; i++) {
      ok(all, "put", "mix/k" + i % 6, "v" + i);
    }
    ok(all, "del", "mix/k1");
    ok(all, "del", "mix/none");
    Etcdctl.Result txn = etcdctl.runWithInput(all,
        "mod(\"mix/k2\") > \"0\"\n\nput mix/t yes\ndel mix/k3\n\nput mix/t no\n\n", "txn");
    assertThat(txn.exitCode()).as(txn.toString()).isZero();
    long compactAt = revisionOf(ok(all, "put", "mix/k4", "before-compaction", "-w", "json"));
    ok(all, "compact", Long.toString(compactAt - 5));
    int restarted = cluster.awaitLeader() % 3 + 1;
    cluster.kill(restarted);
    for (int i = 0; i < 10; i++) {
      ok(all, "put", "mix/after" + i % 3, "w" + i);
    }
    cluster.start(restarted);
    long rev = revisionOf(ok(all, "put", "mix/last", "x", "-w", "json"));
    // Each member answers once it has applied revision rev; the hash of (compact, rev] never changes after.
    List<String> hashes = Await.until("every member to hash revision " + rev, Duration.ofSeconds(60), () -> {
      Etcdctl.Result r = etcdctl.run(all, "endpoint", "hashkv", "--rev", Long.toString(rev), "-w", "json");
      if (r.exitCode() != 0) {
        return null;
      }
      List<String> found = new ArrayList<>();
      Matcher m = HASH.matcher(r.stdout());
      while (m.find()) {
        found.add(m.group(1) + "/" + m.group(2));
      }
      return found.size() == 3 ? found : null;
    }, () -> cluster.logTails());
    assertThat(new TreeSet<>(hashes)).as("hash/compact revision per member: %s", hashes).hasSize(1);
    assertThat(hashes.get(0)).endsWith("/" + (compactAt - 5));
    // The table form names every endpoint.
    String table = ok(all, "endpoint", "hashkv", "--rev", Long.toString(rev), "-w", "table");
    for (int id : cluster.ids()) {
      assertThat(table).contains(cluster.clientEndpoint(id));
    }
  }

  @Test
  @Order(2)
  void snapshotSaveUnderWritesRestoresIntoANewClusterWithTheSameKeysValuesAndRevisions() throws Exception {
    Path file = dir.resolve("snap.db");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    ManagedChannel channel = ManagedChannelBuilder.forAddress(Cluster.HOST, cluster.clientPort(1)).usePlaintext().build();
    Thread writer = new Thread(() -> {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
      for (int i = 0; i < 5_000 && !stop.get(); i++) {
        try {
          kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("snap/k" + i % 40))
              .setValue(ByteString.copyFromUtf8("v" + i)).build());
          written.incrementAndGet();
        } catch (StatusRuntimeException e) {
          return;
        }
      }
    }, "maintenance-test-writer");
    Path restoredRoot = dir.resolve("restored");
    try {
      writer.start();
      Await.until("the writer to have written", Duration.ofSeconds(30), () -> written.get() >= 50 ? true : null,
          () -> cluster.logTails());
      Etcdctl.Result saved = etcdctl.run(cluster.clientEndpoint(2), "snapshot", "save", file.toString());
      assertThat(saved.exitCode()).as(saved.toString()).isZero();
      assertThat(saved.stdout()).isEqualTo("Snapshot saved at " + file + "\n");
      long before = written.get();
      Await.until("writes to go on after the snapshot", Duration.ofSeconds(30),
          () -> written.get() > before + 20 ? true : null, () -> cluster.logTails());
    } finally {
      stop.set(true);
      writer.join(TimeUnit.SECONDS.toMillis(30));
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(writer.isAlive()).isFalse();

    // A corrupted copy is refused, naming the file and the check, and leaves no directory behind.
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x40;
    Path corrupted = dir.resolve("corrupted.db");
    Files.write(corrupted, bytes);
    Path refusedDir = dir.resolve("refused-member");
    Restore refused = restore(corrupted, 1, cluster.membersSpec(), refusedDir);
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
    assertThat(refused.output()).contains("synod restore: snapshot file " + corrupted)
        .contains("SHA-256 checksum mismatch");
    assertThat(refusedDir).doesNotExist();

    try (Cluster restored = Cluster.create(restoredRoot, 3, List.of())) {
      for (int id : restored.ids()) {
        Restore r = restore(file, id, restored.membersSpec(), restored.dataDir(id));
        assertThat(r.exitCode()).as(r.output()).isZero();
      }
      restored.startAndAwaitLeader();
      String restoredEndpoints = restored.clientEndpoints();
      String got = ok(restoredEndpoints, "get", "--prefix", "snap/", "-w", "json");
      long snapshotRevision = revisionOf(got);
      assertThat(snapshotRevision).as("the snapshot holds some of the writes").isGreaterThan(50);
      String source = ok(all, "get", "--prefix", "snap/", "--rev", Long.toString(snapshotRevision), "-w", "json");
      // Same keys, values, create and mod revisions, versions and leases as the source at that revision.
      assertThat(afterHeader(got)).isEqualTo(afterHeader(source));
      assertThat(afterHeader(got)).contains("\"kvs\":[");
      String mixed = ok(restoredEndpoints, "get", "--prefix", "mix/", "-w", "json");
      assertThat(afterHeader(mixed)).isEqualTo(
          afterHeader(ok(all, "get", "--prefix", "mix/", "--rev", Long.toString(snapshotRevision), "-w", "json")));
      // The history travels too: the restored cluster hashes revisions like the source.
      String restoredHash = ok(restored.clientEndpoint(1), "endpoint", "hashkv", "--rev",
          Long.toString(snapshotRevision), "-w", "json");
      String sourceHash = ok(cluster.clientEndpoint(1), "endpoint", "hashkv", "--rev",
          Long.toString(snapshotRevision), "-w", "json");
      assertThat(hashOf(restoredHash)).isEqualTo(hashOf(sourceHash));
      // Writes go on from the snapshot's revision.
      assertThat(revisionOf(ok(restoredEndpoints, "put", "snap/new", "1", "-w", "json")))
          .isEqualTo(snapshotRevision + 1);
    }
  }

  @Test
  @Order(3)
  void moveLeaderMakesTheNamedMemberLeader() throws Exception {
    int leader = cluster.awaitLeader();
    int target = leader % 3 + 1;
    String moved = ok(all, "move-leader", Long.toHexString(target));
    assertThat(moved).isEqualTo("Leadership transferred from " + Long.toHexString(leader) + " to "
        + Long.toHexString(target) + "\n");
    assertThat(cluster.awaitLeader()).isEqualTo(target);
    String status = ok(cluster.clientEndpoint(target), "endpoint", "status", "-w", "table");
    assertThat(status).containsPattern("\\| " + Pattern.quote(cluster.clientEndpoint(target))
        + " \\|\\s+" + target + " \\|.*\\|\\s+true \\|");
    // Writes work under the new leader.
    ok(all, "put", "moved/k", "v");
    // Only the leader takes it, and the target must be a member.
    int follower = target % 3 + 1;
    Etcdctl.Result noLeader = etcdctl.run(cluster.clientEndpoint(follower), "move-leader", Long.toHexString(leader));
    assertThat(noLeader.exitCode()).as(noLeader.toString()).isNotZero();
    assertThat(noLeader.error()).isEqualTo("Error: no leader endpoint given at [" + cluster.clientEndpoint(follower) + "]");
    Etcdctl.Result unknown = etcdctl.run(all, "move-leader", "ff");
    assertThat(unknown.exitCode()).as(unknown.toString()).isNotZero();
    assertThat(unknown.error()).isEqualTo("Error: etcdserver: bad leader transferee");
    assertThat(cluster.awaitLeader()).isEqualTo(target);
  }

  @Test
  @Order(4)
  void defragSucceedsOnEveryMember() throws Exception {
    String out = ok(all, "defrag");
    for (int id : cluster.ids()) {
      assertThat(out).contains("Finished defragmenting etcd member[" + cluster.clientEndpoint(id) + "]");
    }
    ok(all, "put", "defrag/k", "v");
  }

  @Test
  @Order(5)
  void hittingTheQuotaRaisesNoSpaceUntilDisarmedAndCompacted() throws Exception {
    String big = "x".repeat(64 << 10);
    Etcdctl.Result refused = null;
    long lastRevision = 0;
    for (int i = 0; i < 60 && refused == null; i++) {
      Etcdctl.Result r = etcdctl.runWithInput(all, big, "put", "quota/big", "-w", "json");
      if (r.exitCode() == 0) {
        lastRevision = revisionOf(r.stdout());
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("a put past the quota is refused").isNotNull();
    assertThat(refused.error()).isEqualTo("Error: etcdserver: mvcc: database space exceeded");
    String alarms = Await.until("the NOSPACE alarm to be listed", Duration.ofSeconds(30), () -> {
      Etcdctl.Result listed = etcdctl.run(all, "alarm", "list");
      return listed.exitCode() == 0 && !listed.stdout().isEmpty() ? listed.stdout() : null;
    }, () -> cluster.logTails());
    assertThat(alarms).matches("memberID:[123] alarm:NOSPACE \n");
    // Every member refuses writes now, and endpoint status shows the alarm.
    for (int id : cluster.ids()) {
      Etcdctl.Result r = etcdctl.run(cluster.clientEndpoint(id), "put", "quota/small", "1");
      assertThat(r.error()).as(r.toString()).isEqualTo("Error: etcdserver: mvcc: database space exceeded");
    }
    assertThat(ok(all, "endpoint", "status", "-w", "json")).contains("alarm:NOSPACE");
    // Reads still work; compaction frees the space, disarm clears the alarm, and puts work again.
    assertThat(ok(all, "get", "quota/big", "--print-value-only")).hasSize(big.length() + 1);
    ok(all, "compact", Long.toString(lastRevision));
    assertThat(ok(all, "alarm", "disarm")).isEqualTo(alarms);
    assertThat(ok(all, "alarm", "list")).isEmpty();
    assertThat(ok(all, "put", "quota/small", "1")).isEqualTo("OK\n");
  }

  private record Restore(int exitCode, String output) {}

  /** Runs {@code synod restore} as its own process, as an operator would. */
  private static Restore restore(Path file, int id, String members, Path dataDir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = dir.resolve("restore-" + id + "-" + System.nanoTime() + ".out");
    Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", ServerClasspath.resolve(),
        "io.synod.server.RestoreMain", file.toString(), "--id", Integer.toString(id), "--members", members,
        "--data-dir", dataDir.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("synod restore did not finish within 60 s");
    }
    return new Restore(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  private static String ok(String endpoints, String... args) throws IOException {
    Etcdctl.Result r = etcdctl.run(endpoints, args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r.stdout();
  }

  private static long revisionOf(String json) {
    Matcher m = HEADER.matcher(json.strip());
    assertThat(m.lookingAt()).as("a response header in %s", json).isTrue();
    return Long.parseLong(m.group(3));
  }

  /** The JSON after the header: what does not depend on which cluster or member answered. */
  private static String afterHeader(String json) {
    Matcher m = HEADER.matcher(json.strip());
    assertThat(m.lookingAt()).as("a response header in %s", json).isTrue();
    return json.strip().substring(m.end());
  }

  private static String hashOf(String json) {
    Matcher m = HASH.matcher(json);
    assertThat(m.find()).as("a hash in %s", json).isTrue();
    return m.group(0);
  }
}
