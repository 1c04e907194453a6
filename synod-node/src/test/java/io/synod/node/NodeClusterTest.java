package io.synod.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.paxos.Configuration;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.Replica;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes (loop and storage threads, real files with fsync) wired by an in-process
 * transport. Waits are on futures with bounded timeouts: event-driven, never sleeps.
 */
class NodeClusterTest {
  private static final long MS = 1_000_000L;
  private static final int N = 3;

  @TempDir Path dir;
  private final Node[] nodes = new Node[N + 1];
  private final ListMachine[] machines = new ListMachine[N + 1];
  private final boolean[] up = new boolean[N + 1];

  /** Delivers directly to the receiving node, if it is up. */
  private final Transport transport = message -> {
    int to = message.to();
    Node node = to >= 1 && to <= N ? nodes[to] : null;
    if (node != null && up[to]) {
      node.receive(message);
    }
  };

  private Node.Config config(int id) {
    PaxosConfig paxos = PaxosConfig.defaults(1, Configuration.ofSize(N)).withTimeouts(150 * MS, 20 * MS, 40 * MS);
    return new Node.Config(id, paxos, WalConfig.defaults().withSegmentBytes(8 << 20), dir.resolve("node-" + id),
        5 * MS, 30_000 * MS, 50, 65_536, 10_000, false);
  }

  private void start(int id) throws Exception {
    machines[id] = new ListMachine();
    nodes[id] = Node.start(config(id), machines[id], transport, NioFileSystem.INSTANCE);
    up[id] = true;
  }

  private void stop(int id) throws Exception {
    up[id] = false;
    nodes[id].close();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int id = 1; id <= N; id++) {
      if (up[id]) {
        stop(id);
      }
    }
  }

  /** The node the last successful {@link #submit} went through: it has applied the command. */
  private int lastVia;

  /** Submits through any live node, retrying (bounded) while no leader is known. */
  private byte[] submit(String command) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 200; attempt++) {
      int id = 1 + attempt % N;
      if (!up[id]) {
        continue;
      }
      try {
        byte[] reply = submitVia(id, command);
        lastVia = id;
        return reply;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof NodeException ne) || !ne.retryable()) {
          throw e;
        }
        last = e;
        // Wait for the cluster to elect: block on the next status change, bounded.
        awaitLeader(2_000);
      }
    }
    throw new AssertionError("no leader accepted the command", last);
  }

  /**
   * Submits through node {@code id}, again after a request timeout (at most twice): a command lost in
   * a leader change has no outcome and times out, as the 300 concurrent commands below may, and a
   * client retries it. The checks here tolerate a command applied twice.
   */
  private byte[] submitVia(int id, String command) throws Exception {
    for (int timeouts = 0; ; timeouts++) {
      try {
        return nodes[id].submit(command.getBytes(StandardCharsets.UTF_8)).get(40, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof NodeException.Timeout) || timeouts == 2) {
          throw e;
        }
      }
    }
  }

  private void awaitLeader(long millis) throws InterruptedException {
    for (int id = 1; id <= N; id++) {
      if (up[id] && nodes[id].awaitStatus(s -> s.leaderId() != 0, millis * MS)) {
        return;
      }
    }
  }

  @Test
  void threeNodesApplyTheSameSequenceAndSurviveRestarts() throws Exception {
    for (int id = 1; id <= N; id++) {
      start(id);
    }
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    submit("first");
    for (int i = 0; i < 300; i++) {
      int via = 1 + i % N;
      futures.add(nodes[via].submit(("c" + i).getBytes(StandardCharsets.UTF_8)));
    }
    int ok = 0;
    for (CompletableFuture<byte[]> f : futures) {
      try {
        f.get(40, TimeUnit.SECONDS);
        ok++;
      } catch (ExecutionException | TimeoutException e) {
        // A forwarded command can be lost with a leader change; the others must still agree.
      }
    }
    assertThat(ok).isGreaterThan(250);
    submit("barrier-1");
    int leader = lastVia;
    for (int id = 1; id <= N; id++) {
      submitVia(id, "sync-" + id);
    }
    List<String> reference = machines[leader].copy();
    for (int id = 1; id <= N; id++) {
      List<String> mine = machines[id].copy();
      assertThat(mine.subList(0, Math.min(mine.size(), reference.size())))
          .isEqualTo(reference.subList(0, Math.min(mine.size(), reference.size())));
      assertThat(mine).contains("barrier-1");
    }

    // A follower restarts from its disk and catches up.
    int follower = leaderId() % N + 1;
    stop(follower);
    submit("while-down");
    start(follower);
    // A command submitted through the restarted follower completes once it has applied everything
    // chosen before it: the follower has caught up.
    submitVia(follower, "barrier-2");
    assertThat(machines[follower].copy()).containsSubsequence("first", "while-down", "barrier-2");

    // The whole cluster restarts: nothing acknowledged is lost.
    submit("before-full-restart");
    List<String> before = machines[lastVia].copy();
    for (int id = 1; id <= N; id++) {
      stop(id);
    }
    for (int id = 1; id <= N; id++) {
      start(id);
    }
    submit("after-full-restart");
    List<String> after = machines[lastVia].copy();
    assertThat(after.subList(0, before.size())).isEqualTo(before);
    assertThat(after).endsWith("after-full-restart");
  }

  @Test
  void aCommandForwardedToANodeThatDoesNotLeadGoesOnToTheLeader() throws Exception {
    for (int id = 1; id <= N; id++) {
      start(id);
    }
    submit("first");
    int leader = leaderId();
    int stale = leader % N + 1;
    int origin = stale % N + 1;
    assertThat(List.of(leader, stale, origin)).doesNotHaveDuplicates();
    assertThat(nodes[stale].awaitStatus(st -> st.leaderId() == leader, 10_000 * MS)).isTrue();
    // The origin believed `stale` led (as after a leader change) and forwarded a command to it.
    byte[] command = new CommandEnvelope(origin, 42, "stray".getBytes(StandardCharsets.UTF_8)).encode();
    nodes[stale].receive(new NodeMessage.Forward(1, origin, stale, command));
    assertThat(nodes[leader].awaitStatus(st -> machines[leader].copy().contains("stray"), 10_000 * MS))
        .as("the command reached the leader and was applied").isTrue();
  }

  private int leaderId() {
    for (int id = 1; id <= N; id++) {
      if (up[id] && nodes[id].status().role() == Replica.Role.LEADER) {
        return id;
      }
    }
    return 1;
  }
}
