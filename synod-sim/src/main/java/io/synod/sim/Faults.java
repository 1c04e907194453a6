package io.synod.sim;

import io.synod.common.Marks;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The fault schedule of the fault phase: every 0.1 to 1 s of simulated time it crashes a replica
 * (whose disk may then be found corrupt on restart) or changes the partition: healed, the leader
 * isolated, some replica isolated, a minority cut from the majority, or two halves joined only
 * through a bridge replica. Message loss, duplication and delays are the network's own.
 *
 * <p>A crash either happens at once, or is armed to fall inside the replica's storage work: the
 * power fails right after its next 1 to 8 file operations, in the middle of a storage job or between
 * the steps of a multi-step file update, sometimes just after a journal commit made a pending
 * directory change durable. A replica restarted during the fault phase may lose power again within
 * its first storage work (a crash loop), which is when it writes the slots it catches up on: large
 * bursts that reach the log in several writes before one sync.
 */
final class Faults {
  private static final long MS = SimOptions.MS;
  /** An armed crash falls after 1 to this many file operations. */
  private static final int OPERATIONS_BEFORE_CRASH_MAX = 8;

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
    if (options.partitions() || options.crashShare() > 0 || options.transferShare() > 0) {
      scheduler.after(100 * MS + random.nextLong(400 * MS), new SimEvent.FaultTick());
    }
  }

  /** Ends the fault phase: no more crashes or partitions (the network heals separately). */
  void stop() {
    on = false;
    for (SimNode node : nodes) {
      node.disarmCrash();
    }
  }

  void tick() {
    if (!on) {
      return;
    }
    if (options.readLeasesOn() && random.nextInt(4) == 0) {
      pause(nodes[random.nextInt(nodes.length)]);
      scheduler.after(100 * MS + random.nextLong(900 * MS), new SimEvent.FaultTick());
      return;
    }
    // Drawn only when transfers are on, so runs without them see the same random sequence as before.
    if (options.transferShare() > 0 && random.nextDouble() < options.transferShare()) {
      transferLeadership();
      scheduler.after(100 * MS + random.nextLong(900 * MS), new SimEvent.FaultTick());
      return;
    }
    double dice = random.nextDouble();
    if (dice < options.crashShare()) {
      // A disk is corrupted only while every replica is intact, so a quorum keeps a good copy.
      boolean corrupt = random.nextDouble() < options.corruptionShare() && noneRebuilding();
      boolean rebuild = corrupt && options.mode() == SimOptions.Mode.REBUILDS;
      SimNode victim = rebuild ? rebuildVictim() : nodes[random.nextInt(nodes.length)];
      if (victim.up && !corrupt && !victim.crashArmed
          && random.nextDouble() < options.crashInsideStorageShare()) {
        armCrash(victim);
      } else if (victim.up) {
        crash(victim, rebuild);
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

  /**
   * Asks the replica that leads, if one does, to hand leadership to another replica; the node's next
   * tick carries out what that produced. Commands it had queued go to the next leader.
   */
  private void transferLeadership() {
    for (SimNode node : nodes) {
      if (node.up && node.core.replica().role() == io.synod.paxos.Replica.Role.LEADER) {
        int target = 1 + random.nextInt(nodes.length);
        io.synod.paxos.Replica.TransferResult result = node.core.transferLeadership(target);
        Marks.hit("sim.leadership-transfer-asked");
        say.accept("leader " + node.id + " asked to hand leadership to replica " + target + ": " + result);
        return;
      }
    }
  }

  /**
   * A replica restarted from a crash of the fault phase: one time in four it loses power again
   * within its first storage work (after 2 to 12 file operations).
   */
  void restarted(SimNode node) {
    if (on && options.crashInsideStorageShare() > 0 && random.nextInt(4) == 0) {
      armCrash(node, 2 + random.nextInt(11));
    }
  }

  /** The next 1 to 8 file operations of {@code victim}'s storage are its last before a power loss. */
  private void armCrash(SimNode victim) {
    armCrash(victim, 1 + random.nextInt(OPERATIONS_BEFORE_CRASH_MAX));
  }

  private void armCrash(SimNode victim, int operations) {
    Path journalCommit = null;
    if (random.nextInt(4) == 0) {
      List<Path> directories = victim.disk.directories();
      journalCommit = directories.get(random.nextInt(directories.size()));
    }
    victim.crashAfterFileOperations(operations, journalCommit);
    say.accept("replica " + victim.id + " will lose power after its next " + operations + " file operations"
        + (journalCommit == null ? "" : ", just after a journal commit of " + journalCommit));
  }

  /**
   * An armed crash cut the power in the middle of {@code node}'s storage work: the file system has
   * crashed already; the process goes down with it.
   */
  void powerLost(SimNode node) {
    List<String> operations = node.disk.operationsBeforePowerLoss();
    String last = operations.get(operations.size() - 1);
    say.accept("replica " + node.id + " loses power inside its storage work, after " + operations);
    Marks.hit("sim.crash-inside-storage-work");
    if (last.endsWith("acceptor.state.tmp")) {
      // Written (or synced) to the temp file, not yet renamed: the old promise must still hold.
      Marks.hit("sim.crash-between-acceptor-temp-write-and-rename");
    } else if (last.startsWith("move acceptor.state.tmp")) {
      // Renamed, the directory not yet synced: the rename may be lost.
      Marks.hit("sim.crash-between-acceptor-rename-and-directory-sync");
    } else if (last.contains(".snap")) {
      Marks.hit("sim.crash-inside-snapshot-write");
    } else if (last.startsWith("write@") && last.endsWith(".wal")) {
      Marks.hit("sim.crash-between-log-write-and-sync");
    }
    crash(node);
  }

  private void crash(SimNode node) {
    crash(node, false);
  }

  /**
   * Crashes {@code node} and restarts it 50 ms to 2 s later, or, with {@code quickRestart}, 5 to 105
   * ms later: a disk lost in the rebuild mode comes back while Accepts sent before the crash may
   * still be on the way, so its peers can answer its rebuild before those Accepts reach them.
   */
  private void crash(SimNode node, boolean quickRestart) {
    int inFlight = node.storageJobsInFlight();
    say.accept("replica " + node.id + " crashes with " + inFlight + " storage jobs not yet synced ("
        + node.disk.unsyncedCount() + " persist requests written)");
    if (inFlight > 0) {
      Marks.hit("sim.crash-with-storage-in-flight");
    }
    crashes++;
    node.crash();
    long downNanos = quickRestart
        ? 5 * MS + random.nextLong(100 * MS)
        : 50 * MS + random.nextLong(2_000 * MS);
    scheduler.after(downNanos, new SimEvent.Restart(node.id));
  }

  /**
   * The process stops taking steps for 50 ms to one and a half read-lease periods (a long GC, a
   * SIGSTOP) while its clock runs on; what reaches it meanwhile waits.
   */
  private void pause(SimNode node) {
    if (!node.up || node.pausedUntil > scheduler.now()) {
      return;
    }
    long nanos = 50 * MS + random.nextLong(850 * MS);
    node.pausedUntil = scheduler.now() + nanos;
    node.lastPauseEnd = node.pausedUntil;
    Marks.hit("sim.replica-paused");
    say.accept("replica " + node.id + " pauses for " + nanos / MS + " ms");
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

  /**
   * In the rebuild mode, whose disk to corrupt: half the time the leader, whose acceptances are the
   * likeliest to be held nowhere else while its Accepts are still on the way; otherwise the replica
   * wiped least often so far, so that every replica gets its turn.
   */
  private SimNode rebuildVictim() {
    return random.nextBoolean() ? nodes[currentLeaderIndex()] : leastRebuilt();
  }

  /** The replica wiped least often so far (the first of them from a random start). */
  private SimNode leastRebuilt() {
    int start = random.nextInt(nodes.length);
    SimNode least = nodes[start];
    for (int i = 1; i < nodes.length; i++) {
      SimNode node = nodes[(start + i) % nodes.length];
      if (node.wipes < least.wipes) {
        least = node;
      }
    }
    return least;
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
