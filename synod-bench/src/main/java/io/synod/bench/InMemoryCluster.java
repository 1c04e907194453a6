package io.synod.bench;

import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Message;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.Ready;
import io.synod.paxos.Replica;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * Replicas of the production Paxos core wired together in memory: messages are handed over
 * directly and every persist request is durable at once. It measures the core's own cost, with no
 * I/O at all.
 */
public final class InMemoryCluster {
  private static final long MS = 1_000_000L;
  private static final long SNAPSHOT_EVERY_SLOTS = 4_096;
  private static final byte[] EMPTY = new byte[0];

  private final Replica[] replicas;
  private final ArrayDeque<Message> network = new ArrayDeque<>();
  private long now;
  private long chosenCommands;

  public InMemoryCluster(int size, int commandsPerSlot, int inflightSlots) {
    PaxosConfig config = PaxosConfig.defaults(1, Configuration.ofSize(size))
        .withBatching(inflightSlots, commandsPerSlot, Math.max(commandsPerSlot * inflightSlots * 2, 100_000));
    replicas = new Replica[size];
    for (int i = 0; i < size; i++) {
      replicas[i] = new Replica(config, i + 1, DurableState.empty(config.configuration()), 0,
          new SplittableRandom(i), 0);
    }
    // Replica 1 times out first (its deadline is the only one this early) and wins the election.
    now = 2_500 * MS;
    replicas[0].tick(now);
    pump();
    if (replicas[0].role() != Replica.Role.LEADER) {
      throw new IllegalStateException("replica 1 did not become leader");
    }
  }

  public Replica leader() {
    return replicas[0];
  }

  /** Commands the leader has applied so far. */
  public long chosenCommands() {
    return chosenCommands;
  }

  /** Runs every replica until no message is in flight and nothing is left to do. */
  public void pump() {
    for (int round = 0; round < 1_000_000; round++) {
      boolean work = false;
      for (Replica replica : replicas) {
        Ready ready = replica.ready();
        if (ready.isEmpty()) {
          continue;
        }
        work = true;
        network.addAll(ready.messages());
        if (ready.persist() != null) {
          replica.persisted(ready.persist().seq());
        }
        if (replica == replicas[0]) {
          for (int i = 0; i < ready.chosen().size(); i++) {
            chosenCommands += ready.chosen().get(i).batch().size();
          }
        }
        // Snapshot now and then, as a host would, so the log is trimmed and memory stays flat.
        if (replica.appliedUpTo() - replica.snapshot().slot() >= SNAPSHOT_EVERY_SLOTS) {
          replica.snapshotTaken(replica.appliedUpTo(), EMPTY);
        }
      }
      Message message;
      while ((message = network.pollFirst()) != null) {
        work = true;
        replicas[message.to() - 1].step(message);
      }
      if (!work) {
        return;
      }
    }
    throw new IllegalStateException("cluster did not settle");
  }
}
