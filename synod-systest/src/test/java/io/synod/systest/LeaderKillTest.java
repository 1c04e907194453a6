package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.synod.lincheck.CheckResult;
import io.synod.lincheck.KvInput;
import io.synod.lincheck.KvModel;
import io.synod.lincheck.KvOutput;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.systest.RecordingKvClient.Ledger;
import io.synod.systest.RecordingKvClient.Write;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash faults against real processes. Several clients run gets, puts (each writing a unique
 * value), deletes and compare-and-sets on a few keys while the test SIGKILLs the leader, waits
 * for a new one, restarts the killed member on its data directory, and does it again. Afterwards
 * every member is stopped with SIGTERM and started again on the same directories.
 *
 * <p>Checks: the whole history, including a final read of every key before and after the full
 * restart, is linearizable; operations complete while a member is down; every acknowledged write
 * is still readable, at its own revision, on every member after the restart; no operation fails
 * with an error other than "unavailable" or "deadline exceeded".
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LeaderKillTest {
  private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4");
  private static final int CLIENTS = 4;
  private static final int KILLS = 2;
  private static final Duration OP_DEADLINE = Duration.ofSeconds(2);
  /** Completed operations each phase waits for: enough to show progress, few enough to stay quick. */
  private static final int OPS_PER_PHASE = 150;
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
  /** A client pauses this long after a failed operation, as a real client backs off before retrying. */
  private static final long BACKOFF_MILLIS = 50;
  private static final int OPS_PER_CLIENT_MAX = 20_000;
  private static final int READS_PER_BATCH = 100;

  @TempDir
  Path dir;

  @RegisterExtension
  final LogsOnFailure logs = new LogsOnFailure();

  private Cluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicBoolean stopWorkers = new AtomicBoolean();

  @BeforeEach
  void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    logs.watch(cluster);
    for (int id : cluster.ids()) {
      channels.add(ManagedChannelBuilder.forAddress(Cluster.HOST, cluster.clientPort(id))
          .usePlaintext().build());
    }
  }

  @AfterEach
  void stopEverything() {
    try {
      stopWorkload();
    } finally {
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void historyStaysLinearizableWhileLeadersAreKilledAndEverythingRestarts() throws Exception {
    Ledger ledger = new Ledger();
    long seed = System.nanoTime();
    long started = System.nanoTime();
    startWorkload(ledger, seed);

    awaitProgress(ledger, started, "the workload to get going");
    List<String> faults = killAndRestartLeaders(ledger);
    stopWorkload();
    String run = "seed " + seed + ", " + ledger.summary() + " in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms; " + String.join("; ", faults);

    Phases phases = new Phases();
    // The state every key ends in, read through the log, becomes part of the history.
    RecordingKvClient reader = new RecordingKvClient(CLIENTS, channels, ledger, OP_DEADLINE);
    Map<String, String> before = readAll(reader, "before the full restart");
    phases.done("final reads");

    List<Integer> forced = cluster.stopAll();
    assertThat(forced).as("members that did not stop within their bound after SIGTERM (%s)", run).isEmpty();
    phases.done("SIGTERM to all");
    cluster.startAll();
    cluster.awaitLeader();
    phases.done("start all and agree on a leader");
    // Not compared with `before` directly: an operation that timed out may in principle still take
    // effect in between. The checker below decides, with both sets of reads in the history.
    Map<String, String> after = readAll(new RecordingKvClient(CLIENTS + 1, channels, ledger, OP_DEADLINE),
        "after the full restart");
    phases.done("reads after the restart");

    List<Write> acknowledged = ledger.acknowledgedWrites();
    long newest = acknowledged.stream().mapToLong(Write::revision).max().orElse(0);
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < cluster.ids().size(); i++) {
      lost.addAll(unreadableWrites(i, acknowledged, newest));
    }
    assertThat(lost.size()).as("acknowledged writes not readable at their revision after the restart (%s): %s", run,
        lost.subList(0, Math.min(lost.size(), 20))).isZero();
    phases.done("reading " + acknowledged.size() + " acknowledged writes on every member");
    awaitSameRevisionEverywhere();

    assertThat(ledger.unexpectedErrors()).as("errors other than UNAVAILABLE or DEADLINE_EXCEEDED (%s)", run)
        .isEmpty();
    CheckResult result = LinearizabilityChecker.check(ledger.history, new KvModel());
    phases.done("linearizability check");
    assertThat(result.linearizable()).as("%s; final reads before the full restart %s, after it %s\n%s", run,
        before, after, result).isTrue();
    System.out.println("LeaderKillTest: " + run + "; " + result + "; " + phases);
  }

  /**
   * SIGKILLs the leader, waits for a successor and for operations to complete without the killed
   * member, restarts it on its data directory, and waits for operations to complete again; KILLS
   * times. Returns what happened, for messages.
   */
  private List<String> killAndRestartLeaders(Ledger ledger) throws IOException {
    List<String> faults = new ArrayList<>();
    for (int round = 1; round <= KILLS; round++) {
      int leader = cluster.awaitLeader();
      Map<Integer, Integer> lostBefore = logCounts(leader, "lost contact with member " + leader + " ");
      Map<Integer, Integer> backBefore = logCounts(leader, "member " + leader + " is back");
      Map<Integer, Integer> logLengths = new TreeMap<>();
      for (int id : cluster.ids()) {
        logLengths.put(id, cluster.logText(id).length());
      }
      long killedAt = System.nanoTime();
      cluster.kill(leader);
      int successor = cluster.awaitLeader();
      // Every survivor says it lost the leader and names the new one.
      awaitLogged(leader, lostBefore, "lost contact with member " + leader + " ");
      for (int id : cluster.ids()) {
        if (id != leader) {
          // It answered Status naming the successor, so it logged that change after the kill.
          String since = cluster.logText(id).substring(logLengths.get(id));
          String named = "member " + id + ": leader is now member " + successor;
          assertThat(since.contains(named + " (") || since.contains(named + ", this member"))
              .as("member %d's log since the kill names member %d as leader:\n%s", id, successor, since).isTrue();
        }
      }
      faults.add("killed leader " + leader + ", member " + successor + " took over after "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms");
      assertThat(successor).isNotEqualTo(leader);
      // Availability: operations called after the kill complete while the member is down.
      awaitProgress(ledger, killedAt, "operations to complete after leader " + leader + " was killed");
      long restartedAt = System.nanoTime();
      cluster.start(leader);
      cluster.awaitLeader();
      awaitLogged(leader, backBefore, "member " + leader + " is back");
      faults.add("member " + leader + " restarted and the cluster agreed on a leader after "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt) + " ms");
      awaitProgress(ledger, restartedAt, "operations to complete after member " + leader + " restarted");
    }
    return faults;
  }

  /** For each member other than {@code stopped}: how often its log holds "member N: {@code what}". */
  private Map<Integer, Integer> logCounts(int stopped, String what) {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (int id : cluster.ids()) {
      if (id != stopped) {
        counts.put(id, cluster.countInLog(id, "member " + id + ": " + what));
      }
    }
    return counts;
  }

  /** Waits until every member in {@code before} has logged "member N: {@code what}" once more. */
  private void awaitLogged(int stopped, Map<Integer, Integer> before, String what) {
    Await.until("members " + before.keySet() + " to log '" + what + "'", Cluster.LEADER_TIMEOUT, () -> {
      Map<Integer, Integer> now = logCounts(stopped, what);
      for (int id : before.keySet()) {
        if (now.get(id) <= before.get(id)) {
          return null;
        }
      }
      return Boolean.TRUE;
    }, cluster::logTails);
  }

  // ---------------------------------------------------------------- workload

  private void startWorkload(Ledger ledger, long seed) {
    for (int c = 0; c < CLIENTS; c++) {
      RecordingKvClient client = new RecordingKvClient(c, channels, ledger, OP_DEADLINE);
      SplittableRandom random = new SplittableRandom(seed + c);
      int clientId = c;
      Thread t = new Thread(() -> runClient(clientId, client, random), "systest-client-" + c);
      workers.add(t);
      t.start();
    }
  }

  /** One client: a random mix of operations, compare-and-sets expecting the value it last saw. */
  private void runClient(int clientId, RecordingKvClient client, SplittableRandom random) {
    Map<String, String> lastSeen = new HashMap<>();
    for (int n = 0; n < OPS_PER_CLIENT_MAX && !stopWorkers.get(); n++) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      String unique = clientId + "-" + n;
      int dice = random.nextInt(100);
      KvInput input;
      if (dice < 35) {
        input = KvInput.get(key);
      } else if (dice < 65) {
        input = KvInput.put(key, "p" + unique);
      } else if (dice < 95) {
        input = KvInput.cas(key, lastSeen.get(key), "c" + unique);
      } else {
        input = KvInput.delete(key);
      }
      KvOutput output = client.perform(input);
      if (output == null) {
        if (!backOff()) {
          return;
        }
        continue;
      }
      switch (input.kind()) {
        case GET -> lastSeen.put(key, output.value());
        case PUT -> lastSeen.put(key, input.value());
        case DELETE -> lastSeen.remove(key);
        case CAS -> {
          if (output.flag()) {
            lastSeen.put(key, input.value());
          }
        }
      }
    }
  }

  private static boolean backOff() {
    try {
      Thread.sleep(BACKOFF_MILLIS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void stopWorkload() {
    stopWorkers.set(true);
    for (Thread t : workers) {
      try {
        // A client finishes its current operation, bounded by its deadline, plus one back-off.
        t.join(OP_DEADLINE.toMillis() * 3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not stop");
      }
    }
    workers.clear();
  }

  private void awaitProgress(Ledger ledger, long sinceNanos, String what) {
    Await.until(OPS_PER_PHASE + " " + what + " (" + ledger.summary() + ")", PHASE_TIMEOUT,
        () -> ledger.completedSince(sinceNanos) >= OPS_PER_PHASE ? Boolean.TRUE : null, cluster::logTails);
  }

  // ---------------------------------------------------------------- final checks

  /** How long each step of the final checks took, for the log: slow machines show here. */
  private static final class Phases {
    private final List<String> done = new ArrayList<>();
    private long since = System.nanoTime();

    void done(String phase) {
      long now = System.nanoTime();
      done.add(phase + " " + TimeUnit.NANOSECONDS.toMillis(now - since) + " ms");
      since = now;
    }

    @Override
    public String toString() {
      return String.join(", ", done);
    }
  }

  /** A recorded linearizable read of every key, retried (bounded) until it succeeds. */
  private Map<String, String> readAll(RecordingKvClient reader, String when) {
    Map<String, String> values = new HashMap<>();
    for (String key : KEYS) {
      Optional<String> value = Await.until("a read of " + key + " " + when, PHASE_TIMEOUT, () -> {
        KvOutput out = reader.perform(KvInput.get(key));
        return out == null ? null : Optional.ofNullable(out.value());
      }, cluster::logTails);
      values.put(key, value.orElse(null));
    }
    return values;
  }

  /**
   * Reads every acknowledged write at its own revision from one member's local state (a
   * serializable read, once that member has applied up to {@code newest}); returns what differs.
   */
  private List<String> unreadableWrites(int memberIndex, List<Write> acknowledged, long newest)
      throws ExecutionException, InterruptedException, TimeoutException {
    int id = cluster.ids().get(memberIndex);
    Await.until("member " + id + " to apply up to revision " + newest, PHASE_TIMEOUT,
        () -> cluster.status(id).getHeader().getRevision() >= newest ? Boolean.TRUE : null, cluster::logTails);
    // The channel may still be backing off from the restart; waitForReady lets it reconnect.
    channels.get(memberIndex).resetConnectBackoff();
    KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(channels.get(memberIndex)).withWaitForReady();
    List<String> wrong = new ArrayList<>();
    // Pipelined in bounded batches: one round trip per read would take seconds per member.
    for (int from = 0; from < acknowledged.size(); from += READS_PER_BATCH) {
      List<Write> batch = acknowledged.subList(from, Math.min(acknowledged.size(), from + READS_PER_BATCH));
      List<ListenableFuture<RangeResponse>> replies = new ArrayList<>();
      for (Write w : batch) {
        replies.add(kv.withDeadlineAfter(PHASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).range(
            RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(w.key())).setRevision(w.revision())
                .setSerializable(true).build()));
      }
      for (int i = 0; i < batch.size(); i++) {
        Write w = batch.get(i);
        RangeResponse r = replies.get(i).get(PHASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        boolean ok = w.value() == null
            ? r.getKvsCount() == 0
            : r.getKvsCount() == 1 && r.getKvs(0).getValue().toStringUtf8().equals(w.value())
                && r.getKvs(0).getModRevision() == w.revision();
        if (!ok) {
          wrong.add("member " + id + ": " + w + " reads as " + r.getKvsList());
        }
      }
    }
    return wrong;
  }

  private void awaitSameRevisionEverywhere() {
    Await.until("every member to report the same revision", PHASE_TIMEOUT, () -> {
      long revision = -1;
      for (int id : cluster.ids()) {
        long r = cluster.status(id).getHeader().getRevision();
        if (revision != -1 && r != revision) {
          return null;
        }
        revision = r;
      }
      return revision;
    }, cluster::logTails);
  }
}
