package io.synod.sim;

import io.synod.node.core.NodeMessage;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The simulated network between replicas: delivery after a delay, and while faults are on, loss,
 * duplication, long delays that reorder messages, and partitions. A partition is checked when a
 * message arrives, so a message in flight when the link is cut is lost.
 */
final class SimNetwork {
  private static final long MS = SimOptions.MS;

  private final SimOptions options;
  private final SplittableRandom random;
  private final Scheduler scheduler;
  private final int replicas;
  /** connected[a][b]: messages from replica a + 1 reach replica b + 1. */
  private final boolean[][] connected;
  private boolean faultsOn = true;

  SimNetwork(SimOptions options, SplittableRandom random, Scheduler scheduler) {
    this.options = options;
    this.random = random;
    this.scheduler = scheduler;
    this.replicas = options.replicas();
    this.connected = new boolean[replicas][replicas];
    heal();
  }

  /** Puts {@code message} on the wire. */
  void send(NodeMessage message) {
    if (!faultsOn) {
      scheduler.after(100_000 + random.nextLong(2 * MS), new SimEvent.Deliver(message));
      return;
    }
    if (random.nextDouble() < options.loss()) {
      return;
    }
    int copies = random.nextDouble() < options.duplication() ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      long delay = 100_000 + random.nextLong(3 * MS);
      if (random.nextDouble() < options.longDelay()) {
        delay += 20 * MS + random.nextLong(300 * MS);
      }
      scheduler.after(delay, new SimEvent.Deliver(message));
    }
  }

  /** Whether a message from {@code from} reaches {@code to} now. */
  boolean connected(int from, int to) {
    return connected[from - 1][to - 1];
  }

  /** Turns loss, duplication and long delays off, and heals every partition, for good. */
  void faultsOff() {
    faultsOn = false;
    heal();
  }

  void heal() {
    for (boolean[] row : connected) {
      Arrays.fill(row, true);
    }
  }

  /** Cuts replica {@code index} (from 0) off from every other. */
  void isolate(int index) {
    for (int i = 0; i < replicas; i++) {
      if (i != index) {
        connected[i][index] = false;
        connected[index][i] = false;
      }
    }
  }

  /** Splits the replicas into a random minority and the majority. */
  void splitMinorityMajority() {
    cut(randomHalf(replicas / 2));
  }

  /** Two halves that cannot talk, except through one bridge replica connected to both. */
  void bridge() {
    int bridge = random.nextInt(replicas);
    cut(randomHalf(replicas / 2));
    for (int i = 0; i < replicas; i++) {
      connected[bridge][i] = true;
      connected[i][bridge] = true;
    }
  }

  private boolean[] randomHalf(int size) {
    boolean[] chosen = new boolean[replicas];
    int picked = 0;
    while (picked < size) {
      int i = random.nextInt(replicas);
      if (!chosen[i]) {
        chosen[i] = true;
        picked++;
      }
    }
    return chosen;
  }

  private void cut(boolean[] side) {
    for (int i = 0; i < replicas; i++) {
      for (int j = 0; j < replicas; j++) {
        if (side[i] != side[j]) {
          connected[i][j] = false;
        }
      }
    }
  }
}
