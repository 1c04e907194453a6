package io.synod.sim;

import io.synod.kv.KvResult;
import io.synod.node.core.NodeCore;
import io.synod.node.core.NodeReady;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.Replica;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The host of one simulated replica, in place of the server's runtime ({@code io.synod.node.Node}):
 * it owns the replica's disk, starts the production {@link NodeCore} on what the disk recovered,
 * with a {@link SimMachine} as its state machine, and carries out the core's storage jobs over
 * simulated time, in order, with group commit, as the server's storage thread does. A crash loses
 * the process (core, state machine, requests, storage jobs not yet synced) and keeps the disk. A
 * crash can also be armed to fall inside the storage work ({@link #crashAfterFileOperations}): the
 * power fails after a chosen number of file operations, in the middle of a job or between its steps.
 */
final class SimNode {
  private static final long MS = SimOptions.MS;

  final int id;
  final SimStorage disk;
  /** The core's own randomness (election jitter); it carries on across restarts. */
  private final SplittableRandom coreRandom;
  /** Where the host's own delays (storage latency) come from. */
  private final SplittableRandom random;
  private final Scheduler scheduler;
  private final SafetyOracle oracle;
  /** Told when an armed crash cuts the power in the middle of this replica's storage work. */
  private final Consumer<SimNode> powerLost;

  NodeCore<KvResult> core;
  SimMachine machine;
  boolean up;
  /** Counts lives of this replica in the simulation: events of an earlier life are ignored. */
  int life;
  /** Planted corruption waits for the next start. */
  boolean corrupt;
  /** How often this replica started on a wiped disk, to rebuild from its peers. */
  int wipes;
  /** Whether a crash is armed to fall inside this life's storage work. */
  boolean crashArmed;
  /**
   * Set at a start whose recovery refused a log that a crash left damaged (an unsynced write reached
   * the disk only in part while later bytes survived), so the replica wiped its disk and rebuilds:
   * where the damage was.
   */
  String refusedDamage;
  /** Requests handed to this life's core and not yet answered, by request id. */
  final TreeMap<Long, ClientOp> outstanding = new TreeMap<>();
  private long lastRequestId;
  /** Whether read-only requests are answered locally under read leases. */
  private boolean localReads;
  /**
   * This life's monotonic clock: it reads {@code clockBase} at simulated time {@code lifeStart} and
   * runs at {@code clockRate} times simulated time (within the drift bound of the run).
   */
  private long lifeStart;
  private long clockBase;
  private double clockRate = 1.0;
  /** While simulated time is below this the process takes no steps (its clock runs on). */
  long pausedUntil;
  /** When the latest pause of this replica ended (or ends). */
  long lastPauseEnd;

  /** Storage jobs handed over and not yet written, in order. */
  private final ArrayDeque<NodeReady.StorageJob> queued = new ArrayDeque<>();
  /** Jobs written and waiting for the sync that completes them. */
  private final List<NodeReady.StorageJob> written = new ArrayList<>();
  /** Whether a storage write or sync is scheduled (the storage thread is busy). */
  private boolean storageBusy;
  /**
   * Snapshots the core took, waiting for the snapshot thread, which writes them beside the storage
   * thread and in no order with its persists, as the node's does.
   */
  private final ArrayDeque<NodeReady.StoreSnapshot> snapshotQueue = new ArrayDeque<>();
  /** Whether a snapshot write is scheduled (the snapshot thread is busy). */
  private boolean snapshotBusy;

  SimNode(int id, SimStorage disk, SplittableRandom coreRandom, SplittableRandom random, Scheduler scheduler,
      SafetyOracle oracle, Consumer<SimNode> powerLost) {
    this.id = id;
    this.disk = disk;
    this.coreRandom = coreRandom;
    this.random = random;
    this.scheduler = scheduler;
    this.oracle = oracle;
    this.powerLost = powerLost;
  }

  /**
   * Starts (or restarts) the replica from its disk, as the server does: open the storage (wiping it
   * if planted corruption is found), number this start, and build the core on the recovered state
   * with a new, empty state machine.
   */
  void start(NodeCore.Config config, SimOptions options, Workload workload) {
    life++;
    up = true;
    outstanding.clear();
    lastRequestId = 0;
    queued.clear();
    written.clear();
    storageBusy = false;
    snapshotQueue.clear();
    snapshotBusy = false;
    crashArmed = false;
    SimStorage.Opened opened = disk.open(corrupt, options.planted().host().contains(HostFault.FORGET_PROMISE) && life > 1);
    DurableState durable = opened.state();
    refusedDamage = opened.refusedDamage();
    corrupt = false;
    if (durable.forgotten()) {
      wipes++;
      oracle.forgot(id - 1);
    }
    for (Entry entry : durable.entries()) {
      oracle.recovered(id - 1, entry);
    }
    // What the disk holds is durable now, even writes that survived the crash without a sync; a
    // restart that comes back with a lower promise than it made has forgotten it.
    oracle.durablyPromised(id - 1, durable.promised());
    long incarnation = disk.startIncarnation(scheduler.now() / 1_000);
    machine = new SimMachine(id, oracle, workload,
        options.planted().host().contains(HostFault.WATCH_SKIPS_RESUME_REVISION), options.planted().lease());
    localReads = options.readLeasesOn();
    lifeStart = scheduler.now();
    clockBase = scheduler.now();
    pausedUntil = 0;
    if (localReads) {
      // Each life's clock runs at its own rate, anywhere within the drift bound the replicas assume.
      double rho = config.paxos().readLeases().rho();
      clockRate = 1 + rho * (2 * random.nextDouble() - 1);
    }
    core = new NodeCore<>(config, machine, durable, incarnation, coreRandom, clock(), options.planted().node());
  }

  /** Storage jobs handed over and not yet reported done: what a crash now may lose. */
  int storageJobsInFlight() {
    return queued.size() + written.size() + snapshotQueue.size();
  }

  /**
   * Arms a power loss right after the next {@code operations} file operations of this replica's
   * storage (see {@link SimStorage#crashAfter}); the crash then happens in the middle of whatever
   * storage step is running, and {@code powerLost} is told.
   */
  void crashAfterFileOperations(int operations, Path journalCommit) {
    crashArmed = true;
    disk.crashAfter(operations, journalCommit);
  }

  /** The faults are over: an armed crash that has not fired yet never will. */
  void disarmCrash() {
    if (up && crashArmed) {
      crashArmed = false;
      disk.disarm();
    }
  }

  /** Power loss: the process is gone, and with it every write not yet synced. */
  void crash() {
    up = false;
    crashArmed = false;
    life++;
    disk.crash();
    outstanding.clear();
    queued.clear();
    written.clear();
    storageBusy = false;
    snapshotQueue.clear();
    snapshotBusy = false;
    core = null;
    machine = null;
  }

  /** This replica's monotonic clock now (simulated time scaled by this life's clock rate). */
  long clock() {
    return clockBase + (long) ((scheduler.now() - lifeStart) * clockRate);
  }

  /**
   * Hands a client request to the core; returns its request id. Reads go to the core as reads when
   * read leases are on, so they are answered locally where the lease allows.
   */
  long request(ClientOp op) {
    long requestId = ++lastRequestId;
    op.node = id;
    op.nodeLife = life;
    op.requestId = requestId;
    op.commandId = new SimCommandId(id, core.incarnation(), requestId);
    outstanding.put(requestId, op);
    if (localReads && op.readOnly()) {
      core.read(requestId, op.command());
    } else {
      core.request(requestId, op.command());
    }
    return requestId;
  }

  /** A local read's reply came too late for its lease: the core tries the read again. */
  void readExpired(NodeReady.Reply<KvResult> reply) {
    ClientOp op = outstanding.get(reply.requestId());
    if (op == null) {
      throw new SimViolation("replica " + id + " handed back read " + reply.requestId() + ", which is not outstanding");
    }
    // The host was too slow delivering the answer; the read starts over, so it may now take longer
    // than a request that ran without such a stall.
    op.hostStalled = true;
    core.readExpired(reply, op.command());
  }

  /** The operation a reply answers; a reply nobody waits for is a second reply, a violation. */
  ClientOp replied(NodeReady.Reply<KvResult> reply) {
    ClientOp op = outstanding.remove(reply.requestId());
    if (op == null) {
      throw new SimViolation("replica " + id + " answered request " + reply.requestId()
          + ", which had no answer outstanding: a request answered twice");
    }
    return op;
  }

  // ---------------------------------------------------------------- storage

  /**
   * Queues a storage job; the storage thread picks it up shortly if idle. A snapshot the core took
   * goes to the snapshot thread instead.
   */
  void store(NodeReady.StorageJob job) {
    if (job instanceof NodeReady.StoreSnapshot s && s.taken()) {
      snapshotQueue.addLast(s);
      if (!snapshotBusy) {
        snapshotBusy = true;
        scheduler.after(100_000 + random.nextLong(5 * MS), new SimEvent.SnapshotWrite(id, life));
      }
      return;
    }
    queued.addLast(job);
    if (!storageBusy) {
      storageBusy = true;
      scheduler.after(10_000 + random.nextLong(100_000), new SimEvent.StorageWrite(id, life));
    }
  }

  /**
   * The storage thread writes every job queued so far, then syncs them a little later. Returns false
   * if an armed crash cut the power part way (the replica is down then).
   */
  boolean storageWrite() {
    try {
      while (!queued.isEmpty()) {
        NodeReady.StorageJob job = queued.peekFirst();
        if (job instanceof NodeReady.Persist p) {
          disk.write(p.request());
        } else if (job instanceof NodeReady.StoreSnapshot s) {
          disk.writeSnapshot(s.handle(), s.data());
        }
        queued.pollFirst();
        written.add(job);
      }
    } catch (SimStorage.PowerLoss e) {
      powerLost.accept(this);
      return false;
    }
    // Now and then an fsync takes much longer, as a busy disk's do: more requests then queue up for
    // the next batch (which is where a group commit's mistakes about which of them need the sync show).
    long syncNanos = 50_000 + random.nextLong(2 * MS) + (random.nextInt(8) == 0 ? random.nextLong(10 * MS) : 0);
    scheduler.after(syncNanos, new SimEvent.StorageSync(id, life));
    return true;
  }

  /**
   * The snapshot thread writes the oldest snapshot waiting (durable when written) and reports it to
   * the core. Returns false if an armed crash cut the power part way (the replica is down then).
   */
  boolean snapshotWrite() {
    NodeReady.StoreSnapshot s = snapshotQueue.peekFirst();
    try {
      disk.writeSnapshot(s.handle(), s.data());
    } catch (SimStorage.PowerLoss e) {
      powerLost.accept(this);
      return false;
    }
    snapshotQueue.pollFirst();
    core.snapshotStored(s.handle().slot());
    if (snapshotQueue.isEmpty()) {
      snapshotBusy = false;
    } else {
      scheduler.after(100_000 + random.nextLong(5 * MS), new SimEvent.SnapshotWrite(id, life));
    }
    return true;
  }

  /**
   * The sync of the written jobs completes: the oracle sees what became durable, then the core
   * hears of it. One sync covers every request written so far (group commit); chosen hints alone
   * get none, as the node's storage thread does. Returns false if an armed crash cut the power
   * part way (the replica is down then, and nothing was reported).
   */
  boolean storageSync() {
    List<PersistRequest> synced;
    try {
      synced = disk.syncIfNeeded();
    } catch (SimStorage.PowerLoss e) {
      powerLost.accept(this);
      return false;
    }
    for (PersistRequest durable : synced) {
      // One request is atomic: its entries were accepted under the promise it replaces.
      for (Entry entry : durable.entries()) {
        oracle.durablyAccepted(id - 1, entry);
      }
      if (durable.promised() != null) {
        oracle.durablyPromised(id - 1, durable.promised());
      }
    }
    long persistedSeq = -1;
    for (NodeReady.StorageJob job : written) {
      if (job instanceof NodeReady.Persist p) {
        persistedSeq = p.request().seq();
      }
    }
    written.clear();
    if (persistedSeq >= 0) {
      core.persisted(persistedSeq);
    }
    if (queued.isEmpty()) {
      storageBusy = false;
    } else {
      scheduler.after(10_000 + random.nextLong(100_000), new SimEvent.StorageWrite(id, life));
    }
    return true;
  }

  // ---------------------------------------------------------------- observers

  Replica replica() {
    return core.replica();
  }

  boolean leads() {
    return up && core.replica().role() == Replica.Role.LEADER;
  }

  long appliedSlot() {
    return machine.appliedSlot();
  }

  boolean rebuilding() {
    return corrupt || !up || disk.rebuilding() || core.replica().rebuilding();
  }
}
