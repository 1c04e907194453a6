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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes (loop and storage threads, real files with fsync) wired by an in-process
 * transport: the runtime around {@code NodeCore}, whose logic the deterministic tests cover. Waits
 * are on futures with bounded timeouts: event-driven, never sleeps.
 */
class NodeClusterTest {
  private static final long MS = 1_000_000L;
  private static final int N = 3;

  @TempDir Path dir;
  @SuppressWarnings({"unchecked", "rawtypes"})
  private final Node<Integer>[] nodes = new Node[N + 1];
  private final ListMachine[] machines = new ListMachine[N + 1];
  private final boolean[] up = new boolean[N + 1];

  /** Delivers directly to the receiving node, if it is up. */
  private final Transport transport = message -> {
    int to = message.to();
    Node<Integer> node = to >= 1 && to <= N ? nodes[to] : null;
    if (node != null && up[to]) {
      node.receive(message);
    }
  };

  private Node.Config config(int id) {
    PaxosConfig paxos = PaxosConfig.defaults(1, Configuration.ofSize(N)).withTimeouts(150 * MS, 20 * MS, 40 * MS);
    return new Node.Config(id, paxos, WalConfig.defaults().withSegmentBytes(8 << 20), dir.resolve("node-" + id),
        5 * MS, 30_000 * MS, 300 * MS, 50, 65_536, 10_000, false);
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

  /** The node the last {@link #submit} went through: it has applied the command. */
  private int lastVia;

  /** Submits through the next live node; every command must succeed, the first time. */
  private int submit(String command) throws Exception {
    // Not a retry: the first live node after the last one used takes the command, once.
    for (int step = 1; step <= N; step++) {
      int id = 1 + (lastVia + step - 1) % N;
      if (up[id]) {
        lastVia = id;
        return submitVia(id, command);
      }
    }
    throw new AssertionError("no node is up");
  }

  /**
   * Submits through node {@code id} once. A node holds a command until a leader is known, sends it
   * again after a leader change and applies it once, so no submit here fails or needs a retry.
   */
  private int submitVia(int id, String command) throws Exception {
    return nodes[id].submit(command.getBytes(StandardCharsets.UTF_8)).get(40, TimeUnit.SECONDS);
  }

  @Test
  void threeNodesApplyTheSameSequenceOnceAndSurviveRestarts() throws Exception {
    for (int id = 1; id <= N; id++) {
      start(id);
    }
    submit("first");
    List<CompletableFuture<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int via = 1 + i % N;
      futures.add(nodes[via].submit(("c" + i).getBytes(StandardCharsets.UTF_8)));
    }
    for (CompletableFuture<Integer> f : futures) {
      f.get(40, TimeUnit.SECONDS);
    }
    for (int id = 1; id <= N; id++) {
      submitVia(id, "sync-" + id);
    }
    // Node N answered the last command, so it has applied everything; the others may lag behind it.
    List<String> reference = machines[N].copy();
    assertThat(reference).doesNotHaveDuplicates().hasSize(1 + 300 + N);
    for (int id = 1; id <= N; id++) {
      List<String> mine = machines[id].copy();
      assertThat(mine).isEqualTo(reference.subList(0, mine.size()));
    }

    // A follower restarts from its disk and catches up.
    int follower = leaderId() % N + 1;
    stop(follower);
    submit("while-down");
    start(follower);
    // A command submitted through the restarted follower completes once it has applied everything
    // chosen before it: the follower has caught up.
    submitVia(follower, "barrier-2");
    assertThat(machines[follower].copy()).containsSubsequence("first", "while-down", "barrier-2").doesNotHaveDuplicates();

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
    assertThat(after).endsWith("after-full-restart").doesNotHaveDuplicates();
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
