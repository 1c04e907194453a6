package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.options.LeaseOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks and elections against a three-member cluster of real server processes: etcdctl 3.4's
 * {@code lock} and {@code elect} (which build them on the client from leases, transactions and
 * watches) and jetcd's Lock and Election clients (which call the members' v3lock and v3election
 * services). Each test uses its own names.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CoordinationSystemTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long CALL_TIMEOUT_SECONDS = 10;
  /** The shortest TTL the members grant (etcd's minimum under their 1 s election timeout). */
  private static final long TTL_MIN_SECONDS = 2;

  @TempDir
  static Path dir;

  @RegisterExtension
  static final LogsOnFailure LOGS = new LogsOnFailure();

  private static Cluster cluster;
  private static String all;
  private static Client client;
  private static Lease leases;
  private static Lock locks;
  private static Election elections;
  private static KV kv;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    LOGS.watch(cluster);
    cluster.awaitLeader();
    all = cluster.clientEndpoints();
    client = cluster.jetcdClient();
    leases = client.getLeaseClient();
    locks = client.getLockClient();
    elections = client.getElectionClient();
    kv = client.getKVClient();
  }

  @AfterAll
  static void stopCluster() {
    Cluster.close(client, cluster);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static long createRevision(ByteSequence key) throws Exception {
    return get(kv.get(key)).getKvs().get(0).getCreateRevision();
  }

  /** Waits until the lease is gone (its TTL ran out on the leader and the expiry was applied). */
  private static void awaitExpired(long lease) {
    Await.until("lease " + Long.toHexString(lease) + " expired", WAIT,
        () -> get(leases.timeToLive(lease, LeaseOption.DEFAULT)).getTTL() == -1 ? Boolean.TRUE : null,
        cluster::logTails);
  }

  // ---------------------------------------------------------------- etcdctl

  @Test
  void etcdctlLockIsHeldByOneContenderAtATimeAndPassesOnWhenTheHolderLetsGo() throws Exception {
    Path scratch = dir.resolve("etcdctl-lock");
    try (EtcdctlProcess first = EtcdctlProcess.command(scratch, "first", all, "lock", "--ttl=5", "etcdctl/lock")) {
      String key = first.awaitOutputContaining("etcdctl/lock/", WAIT).strip();
      assertThat(key).matches("etcdctl/lock/[0-9a-f]+");
      try (EtcdctlProcess second = EtcdctlProcess.command(scratch, "second", all, "lock", "--ttl=5", "etcdctl/lock",
          "echo", "second-holds")) {
        secondContender(first, second);
      }
    }
  }

  /** The second contender queues behind the first holder and runs its command once the first lets go. */
  private static void secondContender(EtcdctlProcess first, EtcdctlProcess second) throws Exception {
    Await.until("the second contender's key", WAIT,
        () -> get(kv.get(bs("etcdctl/lock/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()))
            .getCount() == 2 ? Boolean.TRUE : null, second::diagnostics);
    assertThat(second.output()).as("the second does not run while the first holds the lock").isEmpty();
    assertThat(second.isAlive()).isTrue();
    first.interrupt();
    assertThat(second.awaitOutputContaining("second-holds", WAIT)).isEqualTo("second-holds\n");
    assertThat(second.awaitExit(WAIT)).isZero();
  }

  @Test
  void etcdctlElectNamesOneLeaderAndTheNextOneWhenItsSessionEnds() throws Exception {
    Path scratch = dir.resolve("etcdctl-elect");
    try (EtcdctlProcess observer = EtcdctlProcess.command(scratch, "observer", all, "elect", "-l", "etcdctl/elect");
        EtcdctlProcess alpha = EtcdctlProcess.command(scratch, "alpha", all, "elect", "etcdctl/elect", "alpha")) {
      alpha.awaitOutputContaining("alpha", WAIT);
      observer.awaitOutputContaining("alpha", WAIT);
      try (EtcdctlProcess beta = EtcdctlProcess.command(scratch, "beta", all, "elect", "etcdctl/elect", "beta")) {
        Await.until("the second candidate's key", WAIT,
            () -> get(kv.get(bs("etcdctl/elect/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()))
                .getCount() == 2 ? Boolean.TRUE : null, beta::diagnostics);
        assertThat(beta.output()).as("not elected while alpha leads").isEmpty();
        // Alpha dies without resigning: beta leads once alpha's session lease (60 s by default in
        // etcdctl, so revoked here on its behalf) is gone.
        alpha.kill();
        String alphaKey = alpha.output().lines().findFirst().orElseThrow();
        long alphaLease = get(kv.get(bs(alphaKey))).getKvs().get(0).getLease();
        get(leases.revoke(alphaLease));
        assertThat(beta.awaitOutputContaining("beta", WAIT)).startsWith("etcdctl/elect/").endsWith("beta\n");
        observer.awaitOutputContaining("beta", WAIT);
      }
    }
  }

  // ---------------------------------------------------------------- jetcd (the v3lock and v3election services)

  @Test
  void lockServiceQueuesContendersAndItsTokensGrow() throws Exception {
    long a = get(leases.grant(60)).getID();
    long b = get(leases.grant(60)).getID();
    ByteSequence keyA = get(locks.lock(bs("jetcd/lock"), a)).getKey();
    assertThat(keyA.toString(StandardCharsets.UTF_8)).isEqualTo("jetcd/lock/" + Long.toHexString(a));
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> waiting = locks.lock(bs("jetcd/lock"), b);
    Await.until("b's key in the queue", WAIT, () -> get(kv.get(bs("jetcd/lock/" + Long.toHexString(b)))).getCount() == 1
        ? Boolean.TRUE : null, cluster::logTails);
    assertThat(waiting).as("b waits while a holds the lock").isNotDone();
    get(locks.unlock(keyA));
    ByteSequence keyB = get(waiting).getKey();
    assertThat(createRevision(keyB)).as("the fencing token grows").isGreaterThan(0);
    assertThat(get(kv.get(keyA)).getCount()).isZero();
    get(locks.unlock(keyB));
    get(leases.revoke(a));
    get(leases.revoke(b));
  }

  /**
   * Jepsen's finding against etcd 3.4.3: a waiter whose lease expired while it waited was told it
   * held the lock. Here its turn comes with its key gone, and it gets an error instead.
   */
  @Test
  void aWaiterWhoseLeaseExpiredWhileWaitingIsNotGrantedTheLock() throws Exception {
    long holder = get(leases.grant(60)).getID();
    long waiter = get(leases.grant(TTL_MIN_SECONDS)).getID();
    ByteSequence held = get(locks.lock(bs("jetcd/expired"), holder)).getKey();
    CompletableFuture<io.etcd.jetcd.lock.LockResponse> waiting = locks.lock(bs("jetcd/expired"), waiter);
    awaitExpired(waiter);
    assertThat(waiting).isNotDone();
    get(locks.unlock(held));
    assertThatThrownBy(() -> get(waiting)).isInstanceOf(ExecutionException.class)
        .hasMessageContaining("mutex: session is expired");
    get(leases.revoke(holder));
  }

  @Test
  void electionServiceCampaignsProclaimsObservesAndResigns() throws Exception {
    long a = get(leases.grant(60)).getID();
    long b = get(leases.grant(60)).getID();
    List<String> observed = new CopyOnWriteArrayList<>();
    Election.Listener listener = new Election.Listener() {
      @Override
      public void onNext(LeaderResponse response) {
        observed.add(response.getKv().getValue().toString(StandardCharsets.UTF_8));
      }

      @Override
      public void onError(Throwable throwable) {
        observed.add("error: " + throwable);
      }

      @Override
      public void onCompleted() {
        observed.add("completed");
      }
    };
    CampaignResponse first = get(elections.campaign(bs("jetcd/elect"), a, bs("a1")));
    LeaderKey leaderA = first.getLeader();
    assertThat(leaderA.getKey().toString(StandardCharsets.UTF_8)).isEqualTo("jetcd/elect/" + Long.toHexString(a));
    elections.observe(bs("jetcd/elect"), listener);
    Await.until("the observer sees a1", WAIT, () -> observed.contains("a1") ? Boolean.TRUE : null, observed::toString);
    CompletableFuture<CampaignResponse> second = elections.campaign(bs("jetcd/elect"), b, bs("b1"));
    get(elections.proclaim(leaderA, bs("a2")));
    assertThat(get(elections.leader(bs("jetcd/elect"))).getKv().getValue().toString(StandardCharsets.UTF_8))
        .isEqualTo("a2");
    Await.until("the observer sees a2", WAIT, () -> observed.contains("a2") ? Boolean.TRUE : null, observed::toString);
    assertThat(second).as("b waits while a leads").isNotDone();
    get(elections.resign(leaderA));
    LeaderKey leaderB = get(second).getLeader();
    assertThat(leaderB.getRevision()).as("a later term").isGreaterThan(leaderA.getRevision());
    Await.until("the observer sees b1", WAIT, () -> observed.contains("b1") ? Boolean.TRUE : null, observed::toString);
    assertThat(observed).as("in order, nothing else").containsExactly("a1", "a2", "b1");
    assertThatThrownBy(() -> get(elections.proclaim(leaderA, bs("a3")))).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotLeaderException.class);
    get(elections.resign(leaderB));
    assertThatThrownBy(() -> get(elections.leader(bs("jetcd/elect")))).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(io.etcd.jetcd.election.NoLeaderException.class);
    get(leases.revoke(a));
    get(leases.revoke(b));
  }

  /**
   * Two clients contend for a lock and act on a resource that remembers the highest fencing token it
   * has seen and refuses lower ones. The first holder pauses longer than its lease's TTL: its lease
   * expires, the second is granted the lock and acts; when the first wakes and acts with its old
   * token, the resource refuses it. No two holders ever act at once.
   */
  @Test
  void aHolderThatPausedPastItsTtlActsWithAStaleTokenAndIsFenced() throws Exception {
    FencedResource resource = new FencedResource();
    for (int round = 0; round < 3; round++) {
      String name = "jetcd/fenced";
      long first = get(leases.grant(TTL_MIN_SECONDS)).getID();
      long firstToken = createRevision(get(locks.lock(bs(name), first)).getKey());
      assertThat(resource.act(firstToken)).as("round %d: the holder acts", round).isTrue();
      long second = get(leases.grant(60)).getID();
      CompletableFuture<io.etcd.jetcd.lock.LockResponse> secondLock = locks.lock(bs(name), second);
      // The first holder pauses (sends no keep-alive) until its lease has run out.
      awaitExpired(first);
      ByteSequence secondKey = get(secondLock).getKey();
      long secondToken = createRevision(secondKey);
      assertThat(secondToken).isGreaterThan(firstToken);
      assertThat(resource.act(secondToken)).as("round %d: the new holder acts", round).isTrue();
      assertThat(resource.act(firstToken)).as("round %d: the paused holder's stale token is refused", round).isFalse();
      get(locks.unlock(secondKey));
      get(leases.revoke(second));
    }
    assertThat(resource.accepted).hasSize(6).isSorted();
  }

  /** A resource that accepts an action only with a token at least as high as every one it has seen. */
  private static final class FencedResource {
    final List<Long> accepted = new CopyOnWriteArrayList<>();
    private long highest;

    synchronized boolean act(long token) {
      if (token < highest) {
        return false;
      }
      highest = token;
      accepted.add(token);
      return true;
    }
  }
}
