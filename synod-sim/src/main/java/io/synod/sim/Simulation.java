package io.synod.sim;

import io.synod.common.Ensure;
import io.synod.kv.KvResult;
import io.synod.node.core.NodeCore;
import io.synod.node.core.NodeMessage;
import io.synod.node.core.NodeReady;
import io.synod.paxos.Configuration;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.ReadLeaseConfig;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a whole cluster of the shipped node stack in one thread under one seed: per replica the
 * production {@link NodeCore} with the real MVCC store ({@link SimMachine}) and the production
 * replica storage on a simulated disk ({@link SimNode}, {@link SimStorage}), plus a simulated
 * network ({@link SimNetwork}), fault schedule ({@link Faults}) and clients ({@link Workload}). The
 * same options give the same run, event for event ({@link Scheduler}).
 *
 * <p>A run has a fault phase (message loss, duplication, reordering and delay, partitions, crashes
 * that lose unsynced writes, corrupted disks) and then a liveness phase ({@link Liveness}). Safety is
 * checked at every step by {@link SafetyOracle}; at the end every acknowledged operation must have
 * taken effect on every replica and the clients' history must be linearizable.
 */
public final class Simulation {
  private static final long MS = SimOptions.MS;
  private static final long TICK_NANOS = 10 * MS;
  /** The node's own request timeout; a client waits a little longer ({@link Workload#CLIENT_TIMEOUT_NANOS}). */
  private static final long REQUEST_TIMEOUT_NANOS = 1_000 * MS;
  private static final long RESEND_INTERVAL_NANOS = 300 * MS;
  /** Few enough that a replica several clients pick at once refuses some (BUSY). */
  private static final int PENDING_REQUESTS_MAX = 3;
  /** Bytes of a snapshot encoded per batch of a replica's work (see coreConfig). */
  private static final int SNAPSHOT_STEP_BYTES = 512;
  /** Command bytes per slot: together with the largest client value, below one log record. */
  private static final int BATCH_BYTES_MAX = 8_192;

  private final SimOptions options;
  private final SplittableRandom random;
  private final PaxosConfig paxosConfig;
  private final Scheduler scheduler = new Scheduler();
  private final SafetyOracle oracle;
  private final SimNetwork network;
  private final SimNode[] nodes;
  private final Workload workload;
  private final Faults faults;
  private final Liveness liveness;
  private final SimWatchers watchers;

  private Consumer<String> narrator = line -> { };
  private int lastLeader;

  public Simulation(SimOptions options) {
    Ensure.argument(options.replicas() >= 1 && options.replicas() <= 9, "1..9 replicas");
    this.options = options;
    this.random = new SplittableRandom(options.seed());
    Configuration configuration = Configuration.ofSize(options.replicas());
    PaxosConfig defaults = PaxosConfig.defaults(1, configuration)
        .withTimeouts(300 * MS, 50 * MS, 60 * MS)
        .withBatching(8, 16, 1_000)
        .withRetainSlots(20)
        .withFaults(options.planted().paxos());
    // Slots of at most a few kilobytes of commands (one larger command gets a slot of its own), so
    // that an entry always fits a log record of the simulated disk (SimStorage's recordBytesMax).
    // With read leases: a lease of 600 ms renewed every 150 ms (twelve heartbeats; short enough for
    // many expiries in a run).
    ReadLeaseConfig leases = options.readLeasesOn()
        ? ReadLeaseConfig.defaults().withTimes(600 * MS, 150 * MS)
        : defaults.readLeases();
    this.paxosConfig = new PaxosConfig(defaults.groupId(), configuration, defaults.electionTimeoutNanos(),
        defaults.heartbeatNanos(), defaults.retransmitNanos(), defaults.inflightSlotsMax(),
        defaults.batchCommandsMax(), BATCH_BYTES_MAX, defaults.pendingCommandsMax(), defaults.catchUpSlotsMax(),
        defaults.acceptSlotsMax(), defaults.retainSlots(), leases, defaults.faults());
    this.oracle = new SafetyOracle(options.replicas());
    this.network = new SimNetwork(options, random, scheduler);
    this.nodes = new SimNode[options.replicas()];
    for (int i = 0; i < nodes.length; i++) {
      SimStorage disk = new SimStorage(i + 1, configuration, random.split(), options.planted());
      SimNode node = new SimNode(i + 1, disk, random.split(), random.split(), scheduler, oracle, this::powerLost);
      // A crash may leave damage before surviving writes only while every other replica is intact:
      // recovery may refuse such a log, and the replica then rebuilds from its peers.
      disk.reorderPagesOnCrash(options.pageReorderShare(), () -> othersIntact(node));
      nodes[i] = node;
    }
    this.workload = new Workload(options, random, scheduler, oracle, nodes,
        options.readLeasesOn() ? paxosConfig.readLeases().rho() : 0);
    for (SimNode node : nodes) {
      start(node);
    }
    this.faults = new Faults(options, random, scheduler, network, nodes, this::say);
    this.liveness = new Liveness(options, scheduler, network, faults, workload, nodes, oracle, this::start, this::say);
    this.watchers = new SimWatchers(options, scheduler, nodes, workload.revisions());
  }

  /** An armed crash cut {@code node}'s power in the middle of its storage work. */
  private void powerLost(SimNode node) {
    faults.powerLost(node);
  }

  /** Whether every replica but {@code node} is up with its state intact. */
  private boolean othersIntact(SimNode node) {
    for (SimNode other : nodes) {
      if (other != node && other.rebuilding()) {
        return false;
      }
    }
    return true;
  }

  /** Prints notable events (leader changes, crashes, partitions, phases) as they happen. */
  public Simulation narrate(Consumer<String> lines) {
    this.narrator = lines;
    return this;
  }

  private void say(String what) {
    narrator.accept(String.format(java.util.Locale.ROOT, "%7d ms  %s", scheduler.now() / MS, what));
  }

  /** Runs one seed and reports; never throws for a violation. */
  public static SimResult run(SimOptions options) {
    return new Simulation(options).run();
  }

  public SimResult run() {
    String violation = null;
    try {
      while (!handle(scheduler.next())) {
        // Each event is handled in full before the next; the liveness check ends the loop.
      }
      liveness.finalChecks();
      watchers.finalChecks();
    } catch (SimViolation | Ensure.InvariantViolation e) {
      violation = e.getMessage() + " (at " + scheduler.now() / MS + " ms)";
    }
    int wipes = 0;
    int replicasWiped = 0;
    for (SimNode node : nodes) {
      wipes += node.wipes;
      replicasWiped += node.wipes > 0 ? 1 : 0;
    }
    String stats = String.format(java.util.Locale.ROOT,
        "seed=%d replicas=%d simMs=%d events=%d chosenSlots=%d %s crashes=%d partitions=%d rebuilds=%d(%d replicas)",
        options.seed(), options.replicas(), scheduler.now() / MS, scheduler.events(), oracle.chosenSlots(),
        workload.stats() + " " + watchers.stats(), faults.crashes(), faults.partitionChanges(), wipes, replicasWiped);
    return new SimResult(options, violation, scheduler.traceHash(), stats, replicasWiped);
  }

  /** Handles one event; true when the run is complete. */
  private boolean handle(SimEvent event) {
    SimNode pausedTarget = pausedTarget(event);
    if (pausedTarget != null) {
      // A paused process takes no steps: what reaches it waits until it runs again.
      scheduler.after(pausedTarget.pausedUntil - scheduler.now(), event);
      return false;
    }
    if (event instanceof SimEvent.Deliver d) {
      deliver(d.message());
    } else if (event instanceof SimEvent.Tick t) {
      SimNode node = alive(t.node(), t.incarnation());
      if (node != null) {
        node.core.tick(node.clock());
        pump(node);
        scheduler.after(TICK_NANOS, new SimEvent.Tick(node.id, node.life));
      }
    } else if (event instanceof SimEvent.StorageWrite w) {
      SimNode node = alive(w.node(), w.incarnation());
      if (node != null) {
        node.storageWrite();
      }
    } else if (event instanceof SimEvent.StorageSync s) {
      SimNode node = alive(s.node(), s.incarnation());
      if (node != null && node.storageSync()) {
        pump(node);
      }
    } else if (event instanceof SimEvent.SnapshotWrite w) {
      SimNode node = alive(w.node(), w.incarnation());
      if (node != null && node.snapshotWrite()) {
        pump(node);
      }
    } else if (event instanceof SimEvent.ClientWake w) {
      clientWake(w.client());
    } else if (event instanceof SimEvent.ClientTimeout t) {
      workload.timeout(t.client(), t.op());
    } else if (event instanceof SimEvent.FaultTick) {
      faults.tick();
    } else if (event instanceof SimEvent.Restart r) {
      SimNode node = nodes[r.node() - 1];
      if (!node.up) {
        start(node);
        faults.restarted(node);
      }
    } else if (event instanceof SimEvent.LeasedReply r) {
      SimNode node = alive(r.node(), r.incarnation());
      if (node != null) {
        deliverLeased(node, r.reply());
      }
    } else if (event instanceof SimEvent.Submit u) {
      submit(u.op());
    } else if (event instanceof SimEvent.WatchTick) {
      watchers.tick();
    } else if (event instanceof SimEvent.LivenessStart) {
      liveness.start();
    } else if (event instanceof SimEvent.LivenessCheck) {
      return liveness.check();
    }
    return false;
  }

  /** The replica {@code id} if it is up and still in life {@code life}; null otherwise. */
  private SimNode alive(int id, int life) {
    SimNode node = nodes[id - 1];
    return node.up && node.life == life ? node : null;
  }

  // ---------------------------------------------------------------- replicas

  private NodeCore.Config coreConfig(int id) {
    // Simulated states are small: a small step makes snapshots span several batches of work, with
    // slots applied (and snapshots installed) between their steps, as a large state's do.
    return new NodeCore.Config(id, paxosConfig, REQUEST_TIMEOUT_NANOS, RESEND_INTERVAL_NANOS,
        options.snapshotEverySlots(), PENDING_REQUESTS_MAX, SNAPSHOT_STEP_BYTES);
  }

  /** Starts (or restarts) a replica from its disk. */
  private void start(SimNode node) {
    boolean restart = node.life > 0;
    node.start(coreConfig(node.id), options, workload);
    if (restart) {
      say(node.refusedDamage != null
          ? "replica " + node.id + "'s recovery refuses its log, which a crash left damaged (" + node.refusedDamage
              + ") before writes that survived; it wipes its disk and rebuilds from its peers"
          : node.replica().rebuilding()
          ? "replica " + node.id + " finds its disk corrupt, wipes it and rebuilds from its peers"
          : "replica " + node.id + " restarts from its disk: snapshot at slot " + node.replica().snapshot().slot()
              + ", promised " + node.replica().promised());
    }
    scheduler.after(random.nextLong(TICK_NANOS), new SimEvent.Tick(node.id, node.life));
  }

  /** Carries out everything the replica's core asks for, in the order its contract gives. */
  private void pump(SimNode node) {
    for (int round = 0; round < 100; round++) {
      NodeReady<KvResult> ready = node.core.ready();
      if (node.leads() && lastLeader != node.id) {
        lastLeader = node.id;
        say("replica " + node.id + " leads under ballot " + node.replica().ballot() + " from slot "
            + (node.replica().chosenUpTo() + 1));
      }
      if (ready.isEmpty()) {
        return;
      }
      for (NodeMessage message : ready.messages()) {
        if (message instanceof NodeMessage.Paxos paxos) {
          oracle.sent(paxos.message());
        }
        network.send(message);
      }
      for (NodeReady.StorageJob job : ready.storage()) {
        if (job instanceof NodeReady.StoreSnapshot s && !s.taken()) {
          say("replica " + node.id + " installs a snapshot at slot " + s.handle().slot());
        }
        node.store(job);
      }
      for (NodeReady.Reply<KvResult> reply : ready.replies()) {
        if (reply.leased()) {
          // The host delivers a local read a little later, now and then after a long stall; it checks
          // its clock against the lease only then.
          long delay = random.nextInt(50) == 0 ? random.nextLong(900 * MS) : random.nextLong(200_000);
          scheduler.after(delay, new SimEvent.LeasedReply(node.id, node.life, reply));
        } else {
          workload.reply(node.replied(reply), reply);
        }
      }
    }
    throw new SimViolation("replica " + node.id + " kept producing work for 100 rounds");
  }

  /** A local read is delivered if its lease still holds on the replica's clock, else tried again. */
  private void deliverLeased(SimNode node, NodeReady.Reply<KvResult> reply) {
    if (node.clock() < reply.validUntilNanos()) {
      workload.reply(node.replied(reply), reply);
    } else {
      node.readExpired(reply);
      pump(node);
    }
  }

  /** The paused replica an event would make take a step, or null. */
  private SimNode pausedTarget(SimEvent event) {
    int id;
    if (event instanceof SimEvent.Deliver d) {
      id = d.message().to();
    } else if (event instanceof SimEvent.Tick t) {
      id = t.node();
    } else if (event instanceof SimEvent.StorageWrite w) {
      id = w.node();
    } else if (event instanceof SimEvent.StorageSync s) {
      id = s.node();
    } else if (event instanceof SimEvent.SnapshotWrite w) {
      id = w.node();
    } else if (event instanceof SimEvent.LeasedReply r) {
      id = r.node();
    } else if (event instanceof SimEvent.Submit u) {
      id = u.op().node;
    } else {
      return null;
    }
    SimNode node = nodes[id - 1];
    return node.up && node.pausedUntil > scheduler.now() ? node : null;
  }

  private void deliver(NodeMessage message) {
    SimNode to = nodes[message.to() - 1];
    if (!to.up || !network.connected(message.from(), message.to())) {
      return;
    }
    to.core.receive(message);
    pump(to);
  }

  private void clientWake(int clientId) {
    ClientOp op = workload.wake(clientId);
    if (op == null) {
      return;
    }
    if (nodes[op.node - 1].pausedUntil > scheduler.now()) {
      scheduler.after(nodes[op.node - 1].pausedUntil - scheduler.now(), new SimEvent.Submit(op));
      return;
    }
    submit(op);
  }

  private void submit(ClientOp op) {
    SimNode node = nodes[op.node - 1];
    if (!node.up) {
      return; // It crashed while the request was on its way; the client times out.
    }
    node.request(op);
    workload.submitted(op);
    pump(node);
    workload.afterSubmit(op);
  }
}
