package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
 * Drives a three-member cluster with the real {@code etcdctl} 3.4 and checks its output exactly as
 * etcd would make it print. The cluster is shared by the class; each test works on its own key
 * prefix and derives revisions from what its own writes return, except the first, which sees the
 * cluster fresh.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdctlTest {
  /** The header etcdctl prints with {@code -w json}: cluster id, member id, revision, raft term. */
  private static final Pattern HEADER = Pattern.compile(
      "\\{\"header\":\\{\"cluster_id\":(\\d+),\"member_id\":(\\d+),\"revision\":(\\d+),\"raft_term\":(\\d+)}");

  @TempDir
  static java.nio.file.Path dir;

  @RegisterExtension
  static final LogsOnFailure LOGS = new LogsOnFailure();

  private static final java.time.Duration WATCH_TIMEOUT = java.time.Duration.ofSeconds(20);

  private static Cluster cluster;
  private static Etcdctl etcdctl;
  private static String all;
  private static String leader;
  private static String follower;
  private static int followerId;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    LOGS.watch(cluster);
    etcdctl = new Etcdctl(dir.resolve("etcdctl"));
    all = cluster.clientEndpoints();
    int leaderId = cluster.awaitLeader();
    followerId = leaderId % 3 + 1;
    leader = cluster.clientEndpoint(leaderId);
    follower = cluster.clientEndpoint(followerId);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void freshClusterIsAtRevisionOneAndEachPutAddsOne() throws IOException {
    String empty = ok(follower, "get", "fresh/k", "-w", "json").strip();
    Matcher header = header(empty);
    assertThat(empty).as("a get of a missing key prints only the header").isEqualTo(header.group(0) + "}");
    assertThat(Long.parseLong(header.group(1))).as("cluster_id").isPositive();
    assertThat(Long.parseLong(header.group(2))).as("member_id of the member asked").isEqualTo(followerId);
    assertThat(Long.parseLong(header.group(3))).as("revision of a fresh cluster").isEqualTo(1);
    assertThat(Long.parseLong(header.group(4))).as("raft_term").isPositive();
    String clusterId = header.group(1);

    String put = ok(follower, "put", "fresh/k", "v1", "-w", "json").strip();
    assertThat(put).isEqualTo(withTerm(put, "{\"header\":{\"cluster_id\":" + clusterId + ",\"member_id\":"
        + followerId + ",\"revision\":2,\"raft_term\":T}}"));
    assertThat(ok(follower, "put", "fresh/k", "v2")).isEqualTo("OK\n");

    String get = ok(follower, "get", "fresh/k", "-w", "json").strip();
    assertThat(get).isEqualTo(withTerm(get, "{\"header\":{\"cluster_id\":" + clusterId + ",\"member_id\":"
        + followerId + ",\"revision\":3,\"raft_term\":T},\"kvs\":[{\"key\":\"" + b64("fresh/k")
        + "\",\"create_revision\":2,\"mod_revision\":3,\"version\":2,\"value\":\"" + b64("v2") + "\"}],\"count\":1}"));
    // Every member derives the same cluster id.
    for (int id : cluster.ids()) {
      assertThat(header(ok(cluster.clientEndpoint(id), "get", "fresh/k", "-w", "json")).group(1))
          .as("cluster_id reported by member %d", id).isEqualTo(clusterId);
    }
  }

  @Test
  void getOneKeyPrefixRangeFromKeyAndOlderRevision() throws IOException {
    long first = putRevision(leader, "g/a", "a1");
    putRevision(follower, "g/b", "b1");
    putRevision(follower, "g/c", "c1");
    putRevision(leader, "g/a", "a2");
    putRevision(follower, "zz/1", "x");
    putRevision(follower, "zz/2", "y");

    assertThat(ok(follower, "get", "g/a")).isEqualTo("g/a\na2\n");
    assertThat(ok(follower, "get", "g/missing")).isEmpty();
    assertThat(ok(all, "get", "g/", "--prefix")).isEqualTo("g/a\na2\ng/b\nb1\ng/c\nc1\n");
    assertThat(ok(follower, "get", "g/b", "g/c")).as("a range is half-open").isEqualTo("g/b\nb1\n");
    // No other test writes keys at or above "zz/".
    assertThat(ok(follower, "get", "zz/1", "--from-key")).isEqualTo("zz/1\nx\nzz/2\ny\n");
    assertThat(ok(follower, "get", "g/a", "--rev=" + first)).isEqualTo("g/a\na1\n");
    assertThat(ok(follower, "get", "g/a", "--rev=" + first, "--print-value-only")).isEqualTo("a1\n");
  }

  @Test
  void limitSortKeysOnlyAndValueOnly() throws IOException {
    putRevision(follower, "s/b", "1");
    putRevision(follower, "s/c", "2");
    putRevision(leader, "s/a", "3");
    putRevision(follower, "s/b", "4");
    // Modification order is now s/c, s/a, s/b; key order s/a, s/b, s/c.

    assertThat(ok(follower, "get", "s/", "--prefix", "--limit=2")).isEqualTo("s/a\n3\ns/b\n4\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"))
        .isEqualTo("s/b\n4\ns/a\n3\ns/c\n2\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=MODIFY", "--order=ASCEND"))
        .isEqualTo("s/c\n2\ns/a\n3\ns/b\n4\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=KEY", "--order=ASCEND"))
        .isEqualTo("s/a\n3\ns/b\n4\ns/c\n2\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=KEY", "--order=DESCEND"))
        .isEqualTo("s/c\n2\ns/b\n4\ns/a\n3\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "--limit=1"))
        .isEqualTo("s/b\n4\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "--limit=2"))
        .as("the limit applies after sorting").isEqualTo("s/b\n4\ns/a\n3\n");
    // etcdctl prints each key followed by its (empty) value.
    assertThat(ok(follower, "get", "s/", "--prefix", "--keys-only")).isEqualTo("s/a\n\ns/b\n\ns/c\n\n");
    assertThat(ok(follower, "get", "s/a", "--print-value-only")).isEqualTo("3\n");
    assertThat(ok(follower, "get", "s/", "--prefix", "--print-value-only")).isEqualTo("3\n4\n2\n");

    String limited = ok(follower, "get", "s/", "--prefix", "--limit=1", "-w", "json");
    assertThat(limited).contains("\"key\":\"" + b64("s/a") + "\"").contains("\"more\":true,\"count\":3}");
  }

  @Test
  void deletePrintsHowManyKeysItDeleted() throws IOException {
    for (String key : List.of("d/1", "d/2", "d/3", "d/4/x")) {
      putRevision(follower, key, "v-" + key);
    }
    assertThat(ok(follower, "del", "d/1")).isEqualTo("1\n");
    assertThat(ok(follower, "del", "d/1")).as("deleting a missing key").isEqualTo("0\n");
    assertThat(ok(leader, "del", "d/2", "--prev-kv")).isEqualTo("1\nd/2\nv-d/2\n");
    assertThat(ok(follower, "del", "d/", "--prefix")).isEqualTo("2\n");
    assertThat(ok(follower, "get", "d/", "--prefix")).isEmpty();
    assertThat(ok(follower, "del", "d/", "--prefix")).isEqualTo("0\n");
  }

  @Test
  void txnComparesValueAndVersion() throws IOException {
    putRevision(follower, "t/k", "v1");
    putRevision(follower, "t/k", "v2");

    assertThat(txn(follower, "value(\"t/k\") = \"v2\"\n\nput t/k v3\nget t/k\n\nput t/other no\n\n"))
        .isEqualTo("SUCCESS\n\nOK\n\nt/k\nv3\n");
    assertThat(txn(follower, "value(\"t/k\") = \"nope\"\n\nput t/k never\n\nget t/k\nput t/other yes\n\n"))
        .isEqualTo("FAILURE\n\nt/k\nv3\n\nOK\n");
    assertThat(ok(follower, "get", "t/other", "--print-value-only")).isEqualTo("yes\n");

    // t/k has been written three times: version 3.
    assertThat(txn(leader, "version(\"t/k\") = \"3\"\n\nput t/k v4\n\nget t/k\n\n")).isEqualTo("SUCCESS\n\nOK\n");
    assertThat(txn(follower, "version(\"t/k\") = \"3\"\n\nput t/k never\n\nget t/k\n\n"))
        .isEqualTo("FAILURE\n\nt/k\nv4\n");
    assertThat(txn(follower, "version(\"t/k\") > \"3\"\nvalue(\"t/k\") != \"v3\"\n\nget t/k\n\n\n"))
        .as("every compare must hold").isEqualTo("SUCCESS\n\nt/k\nv4\n");
    assertThat(txn(follower, "version(\"t/k\") > \"3\"\nvalue(\"t/k\") = \"v3\"\n\nget t/k\n\nput t/other no2\n\n"))
        .isEqualTo("FAILURE\n\nOK\n");
    assertThat(txn(follower, "version(\"t/never\") = \"0\"\n\nget t/never\n\n\n"))
        .as("a missing key has version 0 and a get of it prints nothing").isEqualTo("SUCCESS\n\n");
  }

  @Test
  void txnComparesCreateAndModRevision() throws IOException {
    long created = putRevision(follower, "r/k", "v1");

    assertThat(txn(follower, "c(\"r/k\") = \"" + created + "\"\n\nput r/k v2\n\n\n")).isEqualTo("SUCCESS\n\nOK\n");
    long modified = revisionOf(ok(follower, "get", "r/k", "-w", "json"));
    assertThat(txn(follower, "c(\"r/k\") = \"" + (created + 1) + "\"\n\nput r/k never\n\nget r/k\n\n"))
        .isEqualTo("FAILURE\n\nr/k\nv2\n");
    assertThat(txn(leader, "m(\"r/k\") = \"" + modified + "\"\n\nget r/k\n\n\n")).isEqualTo("SUCCESS\n\nr/k\nv2\n");
    assertThat(txn(follower, "m(\"r/k\") = \"" + created + "\"\n\nput r/k never\n\nget r/k\n\n"))
        .isEqualTo("FAILURE\n\nr/k\nv2\n");
    assertThat(txn(follower, "m(\"r/k\") > \"" + created + "\"\nc(\"r/k\") < \"" + modified + "\"\n\nget r/k\n\n\n"))
        .isEqualTo("SUCCESS\n\nr/k\nv2\n");
    // Create-if-absent, as lock recipes do it.
    assertThat(txn(follower, "c(\"r/new\") = \"0\"\n\nput r/new first\n\nget r/new\n\n")).isEqualTo("SUCCESS\n\nOK\n");
    assertThat(txn(follower, "c(\"r/new\") = \"0\"\n\nput r/new second\n\nget r/new\n\n"))
        .isEqualTo("FAILURE\n\nr/new\nfirst\n");
  }

  @Test
  void compactedAndFutureRevisionsAreRefused() throws IOException {
    long first = putRevision(follower, "c/k", "v1");
    long second = putRevision(follower, "c/k", "v2");
    long third = putRevision(leader, "c/k", "v3");

    assertThat(ok(follower, "compaction", Long.toString(second))).isEqualTo("compacted revision " + second + "\n");
    assertThat(fails(follower, "get", "c/k", "--rev=" + first).error())
        .isEqualTo("Error: etcdserver: mvcc: required revision has been compacted");
    assertThat(fails(leader, "get", "c/k", "--rev=" + first).error())
        .isEqualTo("Error: etcdserver: mvcc: required revision has been compacted");
    assertThat(ok(follower, "get", "c/k", "--rev=" + second)).as("the compaction revision itself stays readable")
        .isEqualTo("c/k\nv2\n");
    assertThat(ok(follower, "get", "c/k", "--rev=" + third)).isEqualTo("c/k\nv3\n");
    assertThat(fails(follower, "get", "c/k", "--rev=" + (third + 1000)).error())
        .isEqualTo("Error: etcdserver: mvcc: required revision is a future revision");
    assertThat(fails(follower, "compaction", Long.toString(second)).error())
        .as("compacting again at the same revision")
        .isEqualTo("Error: etcdserver: mvcc: required revision has been compacted");
    assertThat(fails(follower, "compaction", Long.toString(third + 1000)).error())
        .isEqualTo("Error: etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void endpointStatusListsEveryMemberAndExactlyOneLeader() throws IOException {
    int leaderId = cluster.awaitLeader();
    String table = ok(all, "endpoint", "status", "-w", "table");
    List<String> lines = table.lines().filter(l -> l.startsWith("|")).toList();
    assertThat(lines).as(table).hasSize(4);
    List<String> columns = cells(lines.get(0));
    assertThat(columns).as(table).contains("ENDPOINT", "ID", "IS LEADER", "RAFT TERM");
    Map<String, List<String>> rows = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = cells(line);
      rows.put(cells.get(columns.indexOf("ENDPOINT")), cells);
    }
    assertThat(rows.keySet()).as(table).containsExactlyInAnyOrderElementsOf(List.of(all.split(",")));
    int leaders = 0;
    for (int id : cluster.ids()) {
      List<String> row = rows.get(cluster.clientEndpoint(id));
      // etcdctl prints member ids in hexadecimal.
      assertThat(row.get(columns.indexOf("ID"))).as(table).isEqualTo(Long.toHexString(id));
      assertThat(Long.parseLong(row.get(columns.indexOf("RAFT TERM")))).as(table).isPositive();
      String isLeader = row.get(columns.indexOf("IS LEADER"));
      assertThat(isLeader).as(table).isIn("true", "false");
      if (isLeader.equals("true")) {
        leaders++;
        assertThat(id).as("the leader etcdctl shows\n" + table).isEqualTo(leaderId);
      }
    }
    assertThat(leaders).as(table).isEqualTo(1);
  }

  @Test
  void memberListShowsPeerAndClientUrls() throws IOException {
    StringBuilder expected = new StringBuilder();
    for (int id : cluster.ids()) {
      expected.append(Long.toHexString(id)).append(", started, synod-").append(id).append(", ")
          .append(cluster.peerUrl(id)).append(", ").append(cluster.clientUrl(id)).append(", false\n");
    }
    assertThat(ok(follower, "member", "list")).isEqualTo(expected.toString());
    assertThat(ok(all, "member", "list")).isEqualTo(expected.toString());
  }

  @Test
  void oversizedRequestsAreRefused() throws IOException {
    // etcdctl 3.4 itself refuses to send more than 2 MiB, exactly as it does against etcd.
    Etcdctl.Result twoMiB = etcdctl.runWithInput(follower, "a".repeat(2 << 20), "put", "big/2mib");
    assertThat(twoMiB.exitCode()).as(twoMiB.toString()).isNotZero();
    assertThat(twoMiB.error()).as(twoMiB.toString()).isEqualTo(
        "Error: rpc error: code = ResourceExhausted desc = trying to send message larger than max (2097167 vs. 2097152)");
    // Between the 1.5 MiB request limit and the 2 MiB transport limit, etcd answers with its own error.
    for (int size : new int[] {1_600_000, 2_000_000}) {
      Etcdctl.Result tooLarge = etcdctl.runWithInput(follower, "a".repeat(size), "put", "big/over");
      assertThat(tooLarge.exitCode()).as(tooLarge.toString()).isNotZero();
      assertThat(tooLarge.error()).as("a put of a %d-byte value: %s", size, tooLarge)
          .isEqualTo("Error: etcdserver: request is too large");
    }
    assertThat(ok(follower, "get", "big/", "--prefix", "--keys-only")).as("nothing was written").isEmpty();
    // Just under the limit is fine.
    Etcdctl.Result fits = etcdctl.runWithInput(follower, "a".repeat(1_500_000), "put", "big/fits");
    assertThat(fits.exitCode()).as(fits.toString()).isZero();
    assertThat(ok(leader, "get", "big/fits", "--print-value-only")).hasSize(1_500_001);
  }

  @Test
  void txnWithTooManyOpsIsRefused() throws IOException {
    Etcdctl.Result refused = etcdctl.runWithInput(follower, txnOfPuts(129), "txn");
    assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
    assertThat(refused.error()).as(refused.toString()).isEqualTo("Error: etcdserver: too many operations in txn request");
    assertThat(ok(follower, "get", "ops/", "--prefix", "--keys-only")).as("nothing was written").isEmpty();

    assertThat(txn(follower, txnOfPuts(128))).isEqualTo("SUCCESS\n" + "\nOK\n".repeat(128));
    assertThat(ok(follower, "get", "ops/", "--prefix", "--limit=1", "-w", "json")).contains("\"more\":true,\"count\":128}");
  }

  // ---------------------------------------------------------------- watch

  @Test
  void watchOfAKeyWithPrevKvPrintsEachChangeAsEtcdDoes() throws Exception {
    long first = putRevision(leader, "wk/k", "v1");
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "key", follower,
        "wk/k", "--rev=" + first, "--prev-kv")) {
      ok(leader, "put", "wk/other", "x");
      ok(leader, "put", "wk/k", "v2");
      ok(leader, "del", "wk/k");
      ok(all, "put", "wk/k", "v3");
      String expected = "PUT\nwk/k\nv1\n"
          + "PUT\nwk/k\nv1\nwk/k\nv2\n"
          + "DELETE\nwk/k\nv2\nwk/k\n\n"
          + "PUT\nwk/k\nv3\n";
      assertThat(watch.awaitOutputOfLength(expected, WATCH_TIMEOUT)).as(watch.diagnostics()).isEqualTo(expected);
    }
  }

  @Test
  void watchOfAPrefixOnAFollowerPrintsWritesMadeThroughTheLeader() throws Exception {
    long start = putRevision(leader, "wp-before", "x") + 1;
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "prefix", follower,
        "wp/", "--prefix", "--rev=" + start)) {
      ok(leader, "put", "wp/a", "1");
      ok(leader, "put", "wq/outside", "1");
      ok(leader, "put", "wp/b/c", "2");
      ok(leader, "del", "wp/", "--prefix");
      String expected = "PUT\nwp/a\n1\nPUT\nwp/b/c\n2\nDELETE\nwp/a\n\nDELETE\nwp/b/c\n\n";
      assertThat(watch.awaitOutputOfLength(expected, WATCH_TIMEOUT)).as(watch.diagnostics()).isEqualTo(expected);
    }
  }

  @Test
  void watchFromAnEarlierRevisionReplaysTheHistory() throws Exception {
    long first = putRevision(leader, "wh/k", "a");
    putRevision(leader, "wh/k", "b");
    putRevision(leader, "wh/k", "c");
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "history", follower,
        "wh/k", "--rev=" + (first + 1))) {
      String expected = "PUT\nwh/k\nb\nPUT\nwh/k\nc\n";
      assertThat(watch.awaitOutputOfLength(expected, WATCH_TIMEOUT)).as(watch.diagnostics()).isEqualTo(expected);
    }
  }

  @Test
  void aWatcherResumingOnAnotherMemberMissesNothingAndSeesNothingTwice() throws Exception {
    long first = putRevision(leader, "wr/1", "a");
    putRevision(leader, "wr/2", "b");
    long third = putRevision(leader, "wr/3", "c");
    int other = followerId % 3 + 1;
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "resume-1", follower,
        "wr/", "--prefix", "--rev=" + first)) {
      String expected = "PUT\nwr/1\na\nPUT\nwr/2\nb\nPUT\nwr/3\nc\n";
      assertThat(watch.awaitOutputOfLength(expected, WATCH_TIMEOUT)).as(watch.diagnostics()).isEqualTo(expected);
    }
    // The client went away after revision `third`; writes go on through yet another member.
    ok(cluster.clientEndpoint(other), "put", "wr/4", "d");
    ok(leader, "put", "wr/5", "e");
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "resume-2", cluster.clientEndpoint(other),
        "wr/", "--prefix", "--rev=" + (third + 1))) {
      ok(follower, "put", "wr/6", "f");
      String expected = "PUT\nwr/4\nd\nPUT\nwr/5\ne\nPUT\nwr/6\nf\n";
      assertThat(watch.awaitOutputOfLength(expected, WATCH_TIMEOUT)).as(watch.diagnostics()).isEqualTo(expected);
    }
  }

  /** Last: the compaction it makes would take away history the other tests read at their revisions. */
  @Test
  @Order(Integer.MAX_VALUE)
  void watchFromACompactedRevisionIsCanceledAsEtcdReportsIt() throws Exception {
    long first = putRevision(leader, "wc/k", "a");
    long second = putRevision(leader, "wc/k", "b");
    // The member that answered the compaction has applied it, so the watch there certainly finds it.
    ok(leader, "compact", Long.toString(second));
    try (EtcdctlProcess watch = EtcdctlProcess.start(dir.resolve("etcdctl"), "compacted", leader,
        "wc/k", "--rev=" + first)) {
      int exit = watch.awaitExit(WATCH_TIMEOUT);
      assertThat(watch.output()).as(watch.diagnostics()).isEmpty();
      assertThat(watch.stderr()).as(watch.diagnostics()).isEqualTo(
          "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n"
          + "Error: watch is canceled by the server\n");
      assertThat(exit).isNotZero();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Runs etcdctl, requires success with nothing on stderr, and returns what it printed. */
  private static String ok(String endpoints, String... args) throws IOException {
    Etcdctl.Result r = etcdctl.run(endpoints, args);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr()).as(r.toString()).isEmpty();
    return r.stdout();
  }

  /** Runs etcdctl and requires it to fail, printing nothing on stdout. */
  private static Etcdctl.Result fails(String endpoints, String... args) throws IOException {
    Etcdctl.Result r = etcdctl.run(endpoints, args);
    assertThat(r.exitCode()).as(r.toString()).isNotZero();
    assertThat(r.stdout()).as(r.toString()).isEmpty();
    return r;
  }

  private static String txn(String endpoints, String script) throws IOException {
    Etcdctl.Result r = etcdctl.runWithInput(endpoints, script, "txn");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr()).as(r.toString()).isEmpty();
    return r.stdout();
  }

  /** A txn script with no compares and {@code count} puts in the success branch. */
  private static String txnOfPuts(int count) {
    StringBuilder script = new StringBuilder("\n");
    for (int i = 0; i < count; i++) {
      script.append("put ops/").append(i).append(" v\n");
    }
    return script.append("\n\n").toString();
  }

  /** Puts through etcdctl and returns the revision of the write, from the response header. */
  private static long putRevision(String endpoints, String key, String value) throws IOException {
    return revisionOf(ok(endpoints, "put", key, value, "-w", "json"));
  }

  private static long revisionOf(String json) {
    return Long.parseLong(header(json).group(3));
  }

  private static Matcher header(String json) {
    Matcher m = HEADER.matcher(json.strip());
    assertThat(m.lookingAt()).as("a response header in: %s", json).isTrue();
    return m;
  }

  /** {@code expected} with its {@code "raft_term":T} filled in from {@code actual}, once that is positive. */
  private static String withTerm(String actual, String expected) {
    long term = Long.parseLong(header(actual).group(4));
    assertThat(term).as("raft_term in %s", actual).isPositive();
    return expected.replace("\"raft_term\":T", "\"raft_term\":" + term);
  }

  private static List<String> cells(String tableLine) {
    List<String> cells = new ArrayList<>();
    for (String cell : tableLine.split("\\|", -1)) {
      cells.add(cell.strip());
    }
    // The leading and trailing '|' leave an empty first and last cell.
    return cells.subList(1, cells.size() - 1);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
