package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.synod.lincheck.CheckResult;
import io.synod.lincheck.KvInput;
import io.synod.lincheck.KvModel;
import io.synod.lincheck.KvOutput;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.systest.RecordingKvClient.Ledger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read leases (docs/READ-LEASES.md) against real processes. Three members with {@code --read-leases}
 * and a one-second lease; member 2's clock runs 0.05% fast and member 3's 0.05% slow (the hidden
 * {@code --test-only-clock-rate}). Two clients per member, each staying with its member, run gets,
 * puts of unique values and compare-and-sets on a few keys, so followers answer reads from their
 * own state too. With the workload running:
 *
 * <ol>
 *   <li>a follower that holds a lease is stopped with SIGSTOP for longer than the lease, then
 *       continued;
 *   <li>the other follower is cut off from both other members by iptables rules on the peer ports
 *       (its clients keep talking to it) for a few seconds, then healed;
 *   <li>the leader is cut off the same way until the other two elect a successor, then healed.
 * </ol>
 *
 * <p>Checks: the whole history, with a final read of every key through every member, is
 * linearizable (timed-out operations count as unknown outcomes); in each phase operations complete
 * on the members that keep a majority, and on the stopped or isolated member once it is back; an
 * isolated member completes no operation called after every promise it could hold ran out, and
 * answers no read locally from then until the heal; every member answered a good share of its
 * reads from its own state (the read counts in its Status answer's headers), and answers reads
 * locally again after each fault.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadLeaseProcessTest {
  private static final List<String> KEYS = List.of("k0", "k1", "k2");
  private static final int CLIENTS_PER_MEMBER = 2;
  private static final long LEASE_MILLIS = 1_000;
  private static final double DRIFT_BOUND = 0.001;
  private static final Map<Integer, List<String>> CLOCKS = Map.of(
      2, List.of("--test-only-clock-rate", "1.0005"),
      3, List.of("--test-only-clock-rate", "0.9995"));
  /** Short enough that an isolated member's clients call it again after its leases ran out. */
  private static final Duration OP_DEADLINE = Duration.ofMillis(1_500);
  private static final long PAUSE_MILLIS = 2_500;
  private static final long PARTITION_MILLIS = 3_000;
  /**
   * How long after a cut every promise the isolated member holds has run out: it asked for each
   * before the cut, and a promise lasts the lease on its own clock from the request, at most
   * {@code LEASE / (1 - DRIFT_BOUND)} of real time. Past this, any answer it gives is a bug.
   */
  private static final long EXPIRED_AFTER_MILLIS = (long) Math.ceil(LEASE_MILLIS / (1 - DRIFT_BOUND)) + 50;
  /**
   * When the isolated member's local-read count is taken after a cut: later than {@link
   * #EXPIRED_AFTER_MILLIS} by enough that a read answered just in time has surely been counted
   * (the count moves on the member's loop right after the answer's clock check).
   */
  private static final long COUNT_SETTLED_MILLIS = 1_600;
  /** Operations each phase waits for on the members concerned: enough to show progress, quick. */
  private static final int OPS_PER_PHASE = 30;
  /** Local reads a member must answer after a fault to show it holds a lease again. */
  private static final int LOCAL_READS_AGAIN = 10;
  /** The share of its completed reads every member must have answered from its own state. */
  private static final double LOCAL_SHARE_MIN = 0.5;
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(30);
  private static final long BACKOFF_MILLIS = 50;
  private static final int OPS_PER_CLIENT_MAX = 50_000;

  /** One operation as a client saw it: which member, what, and when (System.nanoTime()). */
  private record Op(int member, KvInput.Kind kind, long calledNanos, long doneNanos, boolean ok) {}

  @TempDir
  Path dir;

  @RegisterExtension
  final LogsOnFailure logs = new LogsOnFailure();

  private Cluster cluster;
  private LoopbackPartition partition;
  private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicBoolean stopWorkers = new AtomicBoolean();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  /** Every call as it starts: {member, System.nanoTime()}. */
  private final ConcurrentLinkedQueue<long[]> calls = new ConcurrentLinkedQueue<>();
  private final List<String> story = new ArrayList<>();
  private long startedNanos;

  @BeforeEach
  void startCluster() throws IOException {
    cluster = Cluster.create(dir.resolve("cluster"), 3, List.of("--read-leases",
        "--read-lease-ms", Long.toString(LEASE_MILLIS), "--read-lease-renew-ms", "250",
        "--clock-drift-bound", Double.toString(DRIFT_BOUND)), CLOCKS, true);
    logs.watch(cluster);
    // Before the members start: a machine without iptables fails here, at no cost.
    partition = new LoopbackPartition(cluster);
    cluster.startAndAwaitLeader();
    for (int id : cluster.ids()) {
      channels.put(id, ManagedChannelBuilder.forAddress(cluster.host(id), cluster.clientPort(id)).usePlaintext()
          .build());
    }
  }

  @AfterEach
  void stopEverything() throws IOException {
    try {
      stopWorkload();
    } finally {
      try {
        if (partition != null) {
          partition.close();
        }
      } finally {
        for (ManagedChannel c : channels.values()) {
          c.shutdownNow();
        }
        if (cluster != null) {
          cluster.close();
        }
      }
    }
  }

  @Test
  void readsStayLinearizableUnderSkewedClocksAPausedHolderAndPartitions() throws Exception {
    Ledger ledger = new Ledger();
    long seed = System.nanoTime();
    startedNanos = System.nanoTime();
    startWorkload(ledger, seed);
    for (int id : cluster.ids()) {
      awaitOps(List.of(id), startedNanos, "operations on member " + id + " to get going");
      awaitLocalReads(id, 0, "member " + id + " to answer reads from its own state");
    }
    note("workload running, every member answering reads locally");

    int leader = cluster.awaitLeader();
    List<Integer> followers = cluster.ids().stream().filter(id -> id != leader).toList();
    int paused = followers.contains(2) ? 2 : followers.get(0);
    pauseHolder(paused);
    int isolated = followers.stream().filter(id -> id != paused).findFirst().orElseThrow();
    if (cluster.awaitLeader() == isolated) {
      // The leader moved to the other follower meanwhile; cut off the member that now follows.
      isolated = paused;
    }
    isolate(isolated, false);
    isolate(cluster.awaitLeader(), true);
    stopWorkload();

    // The state every key ends in, read through every member, becomes part of the history.
    for (int id : cluster.ids()) {
      RecordingKvClient reader = new RecordingKvClient(100 + id, List.of(channels.get(id)), ledger, OP_DEADLINE);
      for (String key : KEYS) {
        Await.until("a read of " + key + " through member " + id, PHASE_TIMEOUT,
            () -> reader.perform(KvInput.get(key)), cluster::logTails);
      }
    }
    String run = "seed " + seed + ", " + ledger.summary() + "; " + String.join("; ", story);

    Map<Integer, long[]> counts = new TreeMap<>();
    for (int id : cluster.ids()) {
      long[] c = readCounts(id);
      counts.put(id, c);
      double share = (double) c[0] / Math.max(1, c[0] + c[1]);
      assertThat(share).as("share of member %d's reads answered from its own state (%d local, %d through the log; %s)",
          id, c[0], c[1], run).isGreaterThanOrEqualTo(LOCAL_SHARE_MIN);
    }
    assertThat(ledger.unexpectedErrors()).as("errors other than UNAVAILABLE or DEADLINE_EXCEEDED (%s)", run).isEmpty();
    long checkStarted = System.nanoTime();
    CheckResult result = LinearizabilityChecker.check(ledger.history, new KvModel());
    assertThat(result.linearizable()).as("%s\n%s", run, result).isTrue();
    StringBuilder summary = new StringBuilder();
    counts.forEach((id, c) -> summary.append(" member ").append(id).append(": ").append(c[0]).append(" local, ")
        .append(c[1]).append(" through the log;"));
    System.out.println("ReadLeaseProcessTest: " + run + ";" + summary + " " + result + " (checked in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checkStarted) + " ms), "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) + " ms in all");
  }

  // ---------------------------------------------------------------- the faults

  /**
   * SIGSTOPs follower {@code paused} once it has just answered reads locally (it holds a lease), for
   * {@link #PAUSE_MILLIS}; the others must complete operations meanwhile (writes stall only until
   * the promises to the stopped member run out). After SIGCONT it completes operations and answers
   * reads locally again.
   */
  private void pauseHolder(int paused) throws IOException, InterruptedException {
    awaitLocalReads(paused, readCounts(paused)[0], "member " + paused + " to hold a lease before its pause");
    List<Integer> others = others(paused);
    long pausedAt = System.nanoTime();
    cluster.pause(paused);
    try {
      awaitOps(others, pausedAt + millis(EXPIRED_AFTER_MILLIS), "operations on members " + others
          + " while member " + paused + " is stopped");
      sleepUntil(pausedAt + millis(PAUSE_MILLIS));
    } finally {
      cluster.resume(paused);
    }
    long resumedAt = System.nanoTime();
    awaitOps(List.of(paused), resumedAt, "operations on member " + paused + " after SIGCONT");
    awaitLocalReads(paused, readCounts(paused)[0], "member " + paused + " to answer reads locally after SIGCONT");
    note("member " + paused + " stopped for " + TimeUnit.NANOSECONDS.toMillis(resumedAt - pausedAt)
        + " ms (longest completed operation on the others meanwhile " + longestOp(others, pausedAt, resumedAt) + " ms)");
  }

  /**
   * Cuts {@code isolated} off from both other members for {@link #PARTITION_MILLIS} at least (and,
   * for the leader, until the others agree on a successor), while its clients keep calling it.
   */
  private void isolate(int isolated, boolean isLeader) throws IOException {
    List<Integer> others = others(isolated);
    long cutAt;
    long localSettled;
    long localAtHeal;
    long healStart;
    String successor = "";
    partition.isolate(isolated);
    cutAt = System.nanoTime();
    try {
      if (isLeader) {
        int next = Await.until("members " + others + " to agree on a leader other than isolated member " + isolated,
            PHASE_TIMEOUT, () -> agreedLeader(others, isolated), () -> cluster.logTails() + partition.describe());
        successor = ", member " + next + " took over after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt)
            + " ms";
      }
      awaitOps(others, Math.max(System.nanoTime(), cutAt + millis(EXPIRED_AFTER_MILLIS)),
          "operations on members " + others + " while member " + isolated + " is cut off");
      sleepUntil(cutAt + millis(COUNT_SETTLED_MILLIS));
      localSettled = readCounts(isolated)[0];
      sleepUntil(cutAt + millis(PARTITION_MILLIS));
      localAtHeal = readCounts(isolated)[0];
      healStart = System.nanoTime();
    } finally {
      partition.heal();
    }
    long healedAt = System.nanoTime();
    String what = (isLeader ? "leader " : "follower ") + isolated + " cut off for "
        + TimeUnit.NANOSECONDS.toMillis(healedAt - cutAt) + " ms" + successor;
    long expired = cutAt + millis(EXPIRED_AFTER_MILLIS);
    long afterExpiry = calls.stream().filter(c -> c[0] == isolated && c[1] - expired >= 0 && c[1] - healStart < 0)
        .count();
    List<Op> late = ops.stream().filter(o -> o.member() == isolated && o.ok() && o.calledNanos() - expired >= 0
        && o.doneNanos() - healStart < 0).toList();
    assertThat(late).as("operations member %d completed while cut off, called %d ms or more after the cut (%s)",
        isolated, EXPIRED_AFTER_MILLIS, what).isEmpty();
    assertThat(localAtHeal - localSettled).as("reads member %d answered locally between %d ms after the cut and the heal (%s)",
        isolated, COUNT_SETTLED_MILLIS, what).isZero();
    awaitOps(List.of(isolated), healedAt, "operations on member " + isolated + " after the heal");
    awaitLocalReads(isolated, localAtHeal, "member " + isolated + " to answer reads locally after the heal");
    cluster.awaitLeader();
    note(what + " (" + afterExpiry + " operations called on it after its leases ran out, none completed "
        + "before the heal; longest completed operation on the others meanwhile " + longestOp(others, cutAt, healedAt) + " ms)");
  }

  private Integer agreedLeader(List<Integer> members, int not) {
    Integer leader = null;
    for (int id : members) {
      long named = cluster.status(id).getLeader();
      if (named == 0 || named == not || (leader != null && leader != named)) {
        return null;
      }
      leader = (int) named;
    }
    return leader;
  }

  // ---------------------------------------------------------------- workload

  private void startWorkload(Ledger ledger, long seed) {
    int clientId = 0;
    for (int member : cluster.ids()) {
      for (int c = 0; c < CLIENTS_PER_MEMBER; c++, clientId++) {
        // One channel: the client stays with its member, also after a failure.
        RecordingKvClient client = new RecordingKvClient(clientId, List.of(channels.get(member)), ledger, OP_DEADLINE);
        SplittableRandom random = new SplittableRandom(seed + clientId);
        int id = clientId;
        Thread t = new Thread(() -> runClient(id, member, client, random), "systest-client-" + clientId);
        workers.add(t);
        t.start();
      }
    }
  }

  /** One client: half gets, a quarter puts of unique values, a quarter compare-and-sets. */
  private void runClient(int clientId, int member, RecordingKvClient client, SplittableRandom random) {
    Map<String, String> lastSeen = new HashMap<>();
    for (int n = 0; n < OPS_PER_CLIENT_MAX && !stopWorkers.get(); n++) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      String unique = clientId + "-" + n;
      int dice = random.nextInt(100);
      KvInput input;
      if (dice < 50) {
        input = KvInput.get(key);
      } else if (dice < 75) {
        input = KvInput.put(key, "p" + unique);
      } else {
        input = KvInput.cas(key, lastSeen.get(key), "c" + unique);
      }
      long called = System.nanoTime();
      calls.add(new long[] {member, called});
      KvOutput output = client.perform(input);
      ops.add(new Op(member, input.kind(), called, System.nanoTime(), output != null));
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

  // ---------------------------------------------------------------- observing

  /** Waits until clients of {@code members} completed {@link #OPS_PER_PHASE} operations called at or after {@code since}. */
  private void awaitOps(List<Integer> members, long since, String what) {
    Await.until(OPS_PER_PHASE + " " + what, PHASE_TIMEOUT, () -> ops.stream()
        .filter(o -> members.contains(o.member()) && o.ok() && o.calledNanos() - since >= 0)
        .count() >= OPS_PER_PHASE ? Boolean.TRUE : null, () -> cluster.logTails() + partition.describe());
  }

  /** Waits until member {@code id} answered {@link #LOCAL_READS_AGAIN} reads locally beyond {@code before}. */
  private void awaitLocalReads(int id, long before, String what) {
    Await.until(what, PHASE_TIMEOUT, () -> readCounts(id)[0] >= before + LOCAL_READS_AGAIN ? Boolean.TRUE : null,
        () -> cluster.logTails() + partition.describe());
  }

  /**
   * Member {@code id}'s read counts from the headers of its Status answer: reads answered from its
   * own state, and through the log, since it started.
   */
  private long[] readCounts(int id) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    MaintenanceGrpc.newBlockingStub(channels.get(id))
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
    return new long[] {count(headers.get(), "synod-reads-local"), count(headers.get(), "synod-reads-through-log")};
  }

  private static long count(Metadata headers, String name) {
    String value = headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    if (value == null) {
      throw new AssertionError("the Status answer has no " + name + " header: " + headers);
    }
    return Long.parseLong(value);
  }

  /** The longest operation of {@code members}' clients called within [from, to), in ms. */
  private long longestOp(List<Integer> members, long from, long to) {
    return ops.stream().filter(o -> members.contains(o.member()) && o.ok() && o.calledNanos() - from >= 0
        && o.calledNanos() - to < 0).mapToLong(o -> TimeUnit.NANOSECONDS.toMillis(o.doneNanos() - o.calledNanos()))
        .max().orElse(-1);
  }

  private List<Integer> others(int member) {
    return cluster.ids().stream().filter(id -> id != member).toList();
  }

  private void note(String what) {
    story.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) + " ms: " + what);
  }

  private static long millis(long ms) {
    return TimeUnit.MILLISECONDS.toNanos(ms);
  }

  /** The fixed length of a fault phase: it is part of the scenario, not a wait for something to happen. */
  private static void sleepUntil(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted during a fault phase", e);
      }
    }
  }
}
