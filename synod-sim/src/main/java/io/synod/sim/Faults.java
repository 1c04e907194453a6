package io.synod.sim;

import io.synod.common.Marks;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The fault schedule of the fault phase: every 0.1 to 1 s of simulated time it crashes a replica
 * (whose disk may then be found corrupt on restart) or changes the partition: healed, the leader
 * isolated, some replica isolated, a minority cut from the majority, or two halves joined only
 * through a bridge replica. Message loss, duplication and delays are the network's own.
 */
final class Faults {
  private static final long MS = SimOptions.MS;

  private final SimOptions options;
  private final SplittableRandom random;
  private final Scheduler scheduler;
  private final SimNetwork network;
  private final SimNode[] nodes;
  private final Consumer<String> say;
  private boolean on = true;
  private int crashes;
  private int partitionChanges;

  Faults(SimOptions options, SplittableRandom random, Scheduler scheduler, SimNetwork network, SimNode[] nodes,
      Consumer<String> say) {
    this.options = options;
    this.random = random;
    this.scheduler = scheduler;
    this.network = network;
    this.nodes = nodes;
    this.say = say;
    if (options.partitions() || options.crashShare() > 0) {
      scheduler.after(100 * MS + random.nextLong(400 * MS), new SimEvent.FaultTick());
    }
  }

  /** Ends the fault phase: no more crashes or partitions (the network heals separately). */
  void stop() {
    on = false;
  }

  void tick() {
    if (!on) {
      return;
    }
    double dice = random.nextDouble();
    if (dice < options.crashShare()) {
      SimNode victim = nodes[random.nextInt(nodes.length)];
      if (victim.up) {
        boolean corrupt = random.nextDouble() < options.corruptionShare() && noneRebuilding();
        crash(victim);
        if (corrupt && victim.disk.corrupt(random)) {
          victim.corrupt = true;
          say.accept("replica " + victim.id + "'s disk is corrupted while it is down");
        }
      }
    } else if (options.partitions()) {
      changePartition();
    }
    scheduler.after(100 * MS + random.nextLong(900 * MS), new SimEvent.FaultTick());
  }

  private void crash(SimNode node) {
    int inFlight = node.storageJobsInFlight();
    say.accept("replica " + node.id + " crashes with " + inFlight + " storage jobs not yet synced ("
        + node.disk.unsyncedCount() + " persist requests written)");
    if (inFlight > 0) {
      Marks.hit("sim.crash-with-storage-in-flight");
    }
    crashes++;
    node.crash();
    scheduler.after(50 * MS + random.nextLong(2_000 * MS), new SimEvent.Restart(node.id));
  }

  private void changePartition() {
    partitionChanges++;
    network.heal();
    int kind = random.nextInt(5);
    if (kind == 0) {
      say.accept("network healed");
    } else if (kind == 1) {
      int leader = currentLeaderIndex();
      network.isolate(leader);
      say.accept("partition: replica " + (leader + 1) + " (leader if any) isolated");
    } else if (kind == 2) {
      int victim = random.nextInt(nodes.length);
      network.isolate(victim);
      say.accept("partition: replica " + (victim + 1) + " isolated");
    } else if (kind == 3) {
      network.splitMinorityMajority();
      say.accept("partition: minority and majority split");
    } else {
      network.bridge();
      say.accept("partition: two halves joined only through a bridge replica");
    }
  }

  /**
   * Whether every replica is up with intact state: the condition for corrupting one more, so that a
   * quorum always keeps a good copy.
   */
  private boolean noneRebuilding() {
    for (SimNode node : nodes) {
      if (node.rebuilding()) {
        return false;
      }
    }
    return true;
  }

  private int currentLeaderIndex() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].leads()) {
        return i;
      }
    }
    return random.nextInt(nodes.length);
  }

  int crashes() {
    return crashes;
  }

  int partitionChanges() {
    return partitionChanges;
  }
}
