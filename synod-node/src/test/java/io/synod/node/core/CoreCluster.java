package io.synod.node.core;

import io.synod.node.ListMachine;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.ReadLeaseConfig;
import io.synod.paxos.Replica;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A few {@link NodeCore}s in one thread on simulated time, for scenario tests: messages wait in one
 * queue until the test delivers them (or drops them on cut links), storage is durable at once, and
 * time moves only when the test says. Everything is deterministic.
 */
final class CoreCluster {
  static final long MS = 1_000_000L;
  static final long TICK_NANOS = 10 * MS;
  static final long REQUEST_TIMEOUT_NANOS = 3_000 * MS;
  static final long RESEND_NANOS = 400 * MS;

  final int size;
  final NodeCore<Integer>[] cores;
  final ListMachine[] machines;
  final ArrayDeque<NodeMessage> inFlight = new ArrayDeque<>();
  private final boolean[][] cut;
  /** Replies each node produced, in order. */
  final List<List<NodeReady.Reply<Integer>>> replies = new ArrayList<>();
  private long now = 1_000 * MS;
  private long nextRequestId;

  CoreCluster(int size, int pendingRequestsMax) {
    this(size, pendingRequestsMax, ReadLeaseConfig.off());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  CoreCluster(int size, int pendingRequestsMax, ReadLeaseConfig leases) {
    this.size = size;
    this.cores = new NodeCore[size + 1];
    this.machines = new ListMachine[size + 1];
    this.cut = new boolean[size + 1][size + 1];
    Configuration configuration = Configuration.ofSize(size);
    PaxosConfig paxos = PaxosConfig.defaults(1, configuration).withTimeouts(300 * MS, 50 * MS, 60 * MS)
        .withReadLeases(leases);
    replies.add(List.of());
    for (int id = 1; id <= size; id++) {
      machines[id] = new ListMachine();
      cores[id] = new NodeCore<>(
          new NodeCore.Config(id, paxos, REQUEST_TIMEOUT_NANOS, RESEND_NANOS, 0, pendingRequestsMax),
          machines[id], DurableState.empty(configuration), 1, new SplittableRandom(id), now);
      replies.add(new ArrayList<>());
    }
  }

  /** Submits {@code command} at node {@code id}; returns its request id. */
  long request(int id, String command) {
    long requestId = ++nextRequestId;
    cores[id].request(requestId, command.getBytes(StandardCharsets.UTF_8));
    drain(id);
    return requestId;
  }

  /** Submits the read-only {@code command} at node {@code id}; returns its request id. */
  long read(int id, String command) {
    long requestId = ++nextRequestId;
    cores[id].read(requestId, command.getBytes(StandardCharsets.UTF_8));
    drain(id);
    return requestId;
  }

  /** Carries out node {@code id}'s effects: messages queued, storage durable at once, replies kept. */
  void drain(int id) {
    for (int round = 0; round < 1_000; round++) {
      NodeReady<Integer> ready = cores[id].ready();
      if (ready.isEmpty()) {
        return;
      }
      for (NodeMessage message : ready.messages()) {
        if (!cut[message.from()][message.to()]) {
          inFlight.addLast(message);
        }
      }
      for (NodeReady.StorageJob job : ready.storage()) {
        if (job instanceof NodeReady.Persist p) {
          cores[id].persisted(p.request().seq());
        } else if (job instanceof NodeReady.StoreSnapshot s && s.taken()) {
          cores[id].snapshotStored(s.handle().slot());
        }
      }
      replies.get(id).addAll(ready.replies());
    }
    throw new AssertionError("node " + id + " kept producing work");
  }

  /** Delivers queued messages (and what they cause) until none is left; bounded. */
  void deliverAll() {
    for (int n = 0; n < 100_000 && !inFlight.isEmpty(); n++) {
      deliver(inFlight.pollFirst());
    }
  }

  void deliver(NodeMessage message) {
    if (!cut[message.from()][message.to()]) {
      cores[message.to()].receive(message);
      drain(message.to());
    }
  }

  /** Lets {@code nanos} of time pass in ticks, delivering everything after each tick. */
  void advance(long nanos) {
    long end = now + nanos;
    while (now < end) {
      now += TICK_NANOS;
      for (int id = 1; id <= size; id++) {
        cores[id].tick(now);
        drain(id);
      }
      deliverAll();
    }
  }

  /** Advances until {@code condition} holds, at most {@code nanos}; returns whether it held. */
  boolean advanceUntil(Predicate<CoreCluster> condition, long nanos) {
    long end = now + nanos;
    while (!condition.test(this) && now < end) {
      advance(TICK_NANOS);
    }
    return condition.test(this);
  }

  /** Cuts both directions between {@code id} and every other node (messages already queued too). */
  void isolate(int id) {
    for (int other = 1; other <= size; other++) {
      if (other != id) {
        cut[id][other] = true;
        cut[other][id] = true;
      }
    }
  }

  void heal() {
    for (boolean[] row : cut) {
      java.util.Arrays.fill(row, false);
    }
  }

  /** The node that leads, or 0. */
  int leader() {
    for (int id = 1; id <= size; id++) {
      if (cores[id].replica().role() == Replica.Role.LEADER) {
        return id;
      }
    }
    return 0;
  }

  int electLeader() {
    if (!advanceUntil(c -> c.leader() != 0 && c.everyoneKnowsTheLeader(), 10_000 * MS)) {
      throw new AssertionError("no leader within 10 s");
    }
    return leader();
  }

  boolean everyoneKnowsTheLeader() {
    int leader = leader();
    for (int id = 1; id <= size; id++) {
      if (!cut[id][leader] && cores[id].replica().leaderHint() != leader) {
        return false;
      }
    }
    return true;
  }

  /** The reply node {@code id} gave to {@code requestId}, or null. */
  NodeReady.Reply<Integer> reply(int id, long requestId) {
    NodeReady.Reply<Integer> found = null;
    for (NodeReady.Reply<Integer> reply : replies.get(id)) {
      if (reply.requestId() == requestId) {
        if (found != null) {
          throw new AssertionError("request " + requestId + " was answered twice");
        }
        found = reply;
      }
    }
    return found;
  }

  long now() {
    return now;
  }
}
