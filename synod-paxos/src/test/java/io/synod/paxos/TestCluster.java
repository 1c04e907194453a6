package io.synod.paxos;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A hand-driven cluster for scenario tests: messages wait in {@link #inflight} until a test delivers
 * or drops them; persist requests complete when the test says so (or at once with autoPersist).
 */
final class TestCluster {
  static final long MS = 1_000_000L;

  final PaxosConfig config;
  final Replica[] replicas;
  final List<Message> inflight = new ArrayList<>();
  final List<List<Entry>> applied = new ArrayList<>();
  final List<List<PersistRequest>> unpersisted = new ArrayList<>();
  boolean autoPersist = true;
  long now;

  TestCluster(int n) {
    this(PaxosConfig.defaults(7, Configuration.ofSize(n)).withTimeouts(100 * MS, 10 * MS, 20 * MS));
  }

  TestCluster(PaxosConfig config) {
    this.config = config;
    int n = config.configuration().size();
    replicas = new Replica[n];
    for (int i = 0; i < n; i++) {
      replicas[i] = new Replica(config, i + 1, DurableState.empty(config.configuration()), 0,
          new SplittableRandom(i), 0);
      applied.add(new ArrayList<>());
      unpersisted.add(new ArrayList<>());
    }
  }

  Replica r(int id) {
    return replicas[id - 1];
  }

  /** Collects every replica's Ready. */
  void flush() {
    for (int round = 0; round < 50; round++) {
      boolean any = false;
      for (Replica replica : replicas) {
        Ready ready = replica.ready();
        if (ready.isEmpty()) {
          continue;
        }
        any = true;
        inflight.addAll(ready.messages());
        applied.get(replica.id() - 1).addAll(ready.chosen());
        if (ready.persist() != null) {
          unpersisted.get(replica.id() - 1).add(ready.persist());
        }
      }
      if (autoPersist) {
        for (Replica replica : replicas) {
          persistAll(replica.id());
        }
      }
      if (!any) {
        return;
      }
    }
    throw new AssertionError("replicas kept producing work");
  }

  /** Completes every persist request replica {@code id} has handed out. */
  void persistAll(int id) {
    List<PersistRequest> pending = unpersisted.get(id - 1);
    if (!pending.isEmpty()) {
      long last = pending.get(pending.size() - 1).seq();
      pending.clear();
      r(id).persisted(last);
    }
  }

  /** Delivers (and removes) every in-flight message matching {@code which}; returns how many. */
  int deliver(Predicate<Message> which) {
    flush();
    int count = 0;
    List<Message> batch = new ArrayList<>();
    for (Message m : List.copyOf(inflight)) {
      if (which.test(m)) {
        batch.add(m);
        inflight.remove(m);
      }
    }
    for (Message m : batch) {
      r(m.to()).step(m);
      count++;
    }
    flush();
    return count;
  }

  int deliverAll() {
    return deliver(m -> true);
  }

  /** Delivers until nothing is in flight; returns the number of delivery rounds (message delays). */
  int stabilize() {
    int rounds = 0;
    while (deliverAll() > 0) {
      rounds++;
      if (rounds > 100) {
        throw new AssertionError("did not stabilize");
      }
    }
    return rounds;
  }

  void drop(Predicate<Message> which) {
    flush();
    inflight.removeIf(which);
  }

  void tick(long advanceNanos) {
    now += advanceNanos;
    for (Replica replica : replicas) {
      replica.tick(now);
    }
    flush();
  }

  void tickOnly(int id, long advanceNanos) {
    now += advanceNanos;
    r(id).tick(now);
    flush();
  }

  /**
   * Replica {@code id} restarts (or, with {@link DurableState#forgotten}, starts on a wiped disk)
   * from {@code durable}: what it had not persisted is gone, and its host's state machine is empty,
   * so every chosen entry it recovers is handed out again.
   */
  void restart(int id, DurableState durable) {
    replicas[id - 1] = new Replica(config, id, durable, durable.snapshot().slot(), new SplittableRandom(id), now);
    unpersisted.get(id - 1).clear();
    applied.get(id - 1).clear();
  }

  /** Makes {@code id} campaign and wins with everyone's help. */
  void elect(int id) {
    // A first attempt may be refused by higher promises; the refusal teaches the candidate the ballot
    // to beat, so a second attempt wins.
    for (int attempt = 0; attempt < 3 && r(id).role() != Replica.Role.LEADER; attempt++) {
      now += 250 * MS;
      r(id).tick(now);
      stabilize();
    }
    if (r(id).role() != Replica.Role.LEADER) {
      throw new AssertionError("replica " + id + " did not become leader: " + r(id).role());
    }
  }

  /** The replica that leads now, or 0. */
  int leaderId() {
    for (Replica replica : replicas) {
      if (replica.role() == Replica.Role.LEADER) {
        return replica.id();
      }
    }
    return 0;
  }

  static byte[] cmd(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  List<String> appliedCommands(int id) {
    List<String> out = new ArrayList<>();
    for (Entry e : applied.get(id - 1)) {
      for (int i = 0; i < e.batch().size(); i++) {
        out.add(new String(e.batch().command(i), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
