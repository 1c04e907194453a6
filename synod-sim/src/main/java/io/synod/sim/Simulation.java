package io.synod.sim;

import io.synod.common.Ensure;
import io.synod.lincheck.CheckResult;
import io.synod.lincheck.History;
import io.synod.lincheck.KvInput;
import io.synod.lincheck.KvModel;
import io.synod.lincheck.KvOutput;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.lincheck.Verdict;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.Message;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.Ready;
import io.synod.paxos.Replica;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Runs a whole cluster of production {@link Replica}s, their simulated disks and network, and
 * simulated clients in one thread under one seed. The same options give the same run, event for event.
 *
 * <p>A run has a fault phase (message loss, duplication, reordering and delay, partitions, crashes
 * that lose unpersisted state) and then a liveness phase (faults off, every replica up and
 * connected) that must make progress within {@link SimOptions#livenessNanos()}. Safety is checked at
 * every step by {@link SafetyOracle}; at the end every acknowledged command must be applied by every
 * replica and the clients' history must be linearizable.
 */
public final class Simulation {
  private static final long MS = SimOptions.MS;
  private static final long TICK_NANOS = 10 * MS;
  private static final long CLIENT_TIMEOUT_NANOS = 1_500 * MS;
  private static final long EVENTS_MAX = 20_000_000;

  private final SimOptions options;
  private final SplittableRandom random;
  private final PaxosConfig paxosConfig;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final SimNode[] nodes;
  private final SimClient[] clients;
  private final boolean[][] connected;
  private final SafetyOracle oracle;
  private final History<KvInput, KvOutput> history = new History<>();

  private java.util.function.Consumer<String> narrator = line -> { };
  private int lastLeader;
  private long now;
  private long eventSeq;
  private long events;
  private long traceHash = 17;
  private boolean faultsOn = true;
  private boolean clientsStopped;
  private long livenessStartNanos = -1;
  private boolean progressAfterFaults;
  private long maxAckedSlot;
  private int crashes;
  private int partitionChanges;
  private int opsOk;
  private int opsUnknown;

  public Simulation(SimOptions options) {
    Ensure.argument(options.replicas() >= 1 && options.replicas() <= 9, "1..9 replicas");
    this.options = options;
    this.random = new SplittableRandom(options.seed());
    Configuration configuration = Configuration.ofSize(options.replicas());
    this.paxosConfig = PaxosConfig.defaults(1, configuration)
        .withTimeouts(300 * MS, 50 * MS, 60 * MS)
        .withBatching(8, 16, 1_000)
        .withRetainSlots(20)
        .withFaults(options.planted());
    this.oracle = new SafetyOracle(options.replicas());
    this.nodes = new SimNode[options.replicas()];
    this.connected = new boolean[options.replicas()][options.replicas()];
    heal();
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new SimNode(i + 1, new SimStorage(i + 1, configuration, random.split()), random.split());
      start(nodes[i]);
      schedule(random.nextLong(TICK_NANOS), new Tick(nodes[i].id, nodes[i].incarnation));
    }
    this.clients = new SimClient[options.clients()];
    for (int c = 0; c < clients.length; c++) {
      clients[c] = new SimClient(c + 1, 1 + random.nextInt(nodes.length));
      schedule(random.nextLong(50 * MS), new ClientWake(clients[c].id));
    }
    if (options.partitions() || options.crashShare() > 0) {
      schedule(100 * MS + random.nextLong(400 * MS), new FaultTick());
    }
    schedule(options.faultNanos(), new LivenessStart());
  }

  /** Prints notable events (leader changes, crashes, partitions, phases) as they happen. */
  public Simulation narrate(java.util.function.Consumer<String> lines) {
    this.narrator = lines;
    return this;
  }

  private void say(String what) {
    narrator.accept(String.format("%7d ms  %s", now / MS, what));
  }

  /** Runs one seed and reports; never throws for a violation. */
  public static SimResult run(SimOptions options) {
    return new Simulation(options).run();
  }

  public SimResult run() {
    String violation = null;
    try {
      loop();
      finalChecks();
    } catch (SimViolation | Ensure.InvariantViolation e) {
      violation = e.getMessage() + " (at " + now / MS + " ms)";
    }
    String stats = String.format(
        "seed=%d replicas=%d simMs=%d events=%d chosenSlots=%d ops(ok=%d unknown=%d) crashes=%d partitions=%d",
        options.seed(), options.replicas(), now / MS, events, oracle.chosenSlots(), opsOk, opsUnknown, crashes,
        partitionChanges);
    return new SimResult(options, violation, traceHash, stats);
  }

  // ---------------------------------------------------------------- event loop

  private abstract static class Event implements Comparable<Event> {
    long time;
    long seq;

    @Override
    public int compareTo(Event o) {
      int byTime = Long.compare(time, o.time);
      return byTime != 0 ? byTime : Long.compare(seq, o.seq);
    }

    abstract int kind();
  }

  private void schedule(long delay, Event event) {
    event.time = now + delay;
    event.seq = eventSeq++;
    queue.add(event);
  }

  private void loop() {
    while (!queue.isEmpty()) {
      if (++events > EVENTS_MAX) {
        throw new SimViolation("event budget of " + EVENTS_MAX + " exhausted");
      }
      Event event = queue.poll();
      now = event.time;
      traceHash = traceHash * 1_000_003 + now * 31 + event.kind();
      if (dispatch(event)) {
        return;
      }
    }
    throw new SimViolation("event queue ran dry");
  }

  /** Handles one event; true when the run is complete. */
  private boolean dispatch(Event event) {
    if (event instanceof Deliver d) {
      deliver(d.message);
    } else if (event instanceof Tick t) {
      SimNode node = node(t.node);
      if (node.up && node.incarnation == t.incarnation) {
        node.replica.tick(now);
        drain(node);
        schedule(TICK_NANOS, new Tick(node.id, node.incarnation));
      }
    } else if (event instanceof PersistDone p) {
      persistDone(p);
    } else if (event instanceof ClientWake w) {
      clientWake(clients[w.client - 1]);
    } else if (event instanceof ClientTimeout t) {
      clientTimeout(clients[t.client - 1], t.op);
    } else if (event instanceof FaultTick) {
      faultTick();
    } else if (event instanceof Restart r) {
      SimNode node = node(r.node);
      if (!node.up) {
        start(node);
        say(node.replica.rebuilding()
            ? "replica " + node.id + " finds its disk corrupt, wipes it and rebuilds from its peers"
            : "replica " + node.id + " restarts from its disk: snapshot at slot " + node.lastSnapshotSlot
                + ", promised " + node.replica.promised());
        schedule(random.nextLong(TICK_NANOS), new Tick(node.id, node.incarnation));
      }
    } else if (event instanceof LivenessStart) {
      livenessStart();
    } else if (event instanceof LivenessCheck) {
      return livenessCheck();
    } else {
      throw new IllegalStateException("unknown event " + event);
    }
    return false;
  }

  private SimNode node(int id) {
    return nodes[id - 1];
  }

  // ---------------------------------------------------------------- replicas

  /** Starts (or restarts) a replica from its disk. */
  private void start(SimNode node) {
    node.incarnation++;
    node.up = true;
    node.pendingPersists.clear();
    node.proposals.clear();
    node.lastPersistDoneNanos = now;
    DurableState durable = node.disk.open(node.corrupt, options.forgetPromiseOnRestart() && node.incarnation > 1);
    node.corrupt = false;
    if (durable.forgotten()) {
      oracle.forgot(node.id - 1);
    }
    for (Entry entry : durable.entries()) {
      oracle.recovered(node.id - 1, entry);
    }
    // What the disk holds is durable now, even writes that survived the crash without a sync; a
    // restart that comes back with a lower promise than it made has forgotten it.
    oracle.durablyPromised(node.id - 1, durable.promised());
    node.kv = new KvMachine();
    node.kv.restore(durable.snapshotData());
    Ensure.that(node.kv.appliedSlot() == durable.snapshot().slot(), "snapshot slot mismatch");
    node.lastSnapshotSlot = durable.snapshot().slot();
    node.replica = new Replica(paxosConfig, node.id, durable, durable.snapshot().slot(), node.random, now);
  }

  private void crash(SimNode node) {
    say("replica " + node.id + " crashes with " + node.disk.unsyncedCount() + " unsynced writes");
    crashes++;
    node.up = false;
    node.incarnation++;
    node.disk.crash();
    node.pendingPersists.clear();
    node.proposals.clear();
    schedule(50 * MS + random.nextLong(2_000 * MS), new Restart(node.id));
  }

  /** Carries out a replica's Ready, in the order its contract gives. */
  private void drain(SimNode node) {
    if (node.replica.role() == Replica.Role.LEADER && lastLeader != node.id) {
      lastLeader = node.id;
      say("replica " + node.id + " leads under ballot " + node.replica.ballot() + " from slot "
          + (node.replica.chosenUpTo() + 1));
    }
    for (int round = 0; round < 100; round++) {
      Ready ready = node.replica.ready();
      if (ready.isEmpty()) {
        return;
      }
      if (ready.install() != null) {
        say("replica " + node.id + " installs a snapshot at slot " + ready.install().handle().slot());
        node.kv.restore(ready.install().data());
        Ensure.that(node.kv.appliedSlot() == ready.install().handle().slot(), "installed snapshot slot mismatch");
        node.disk.writeSnapshot(ready.install().handle(), ready.install().data());
        node.lastSnapshotSlot = ready.install().handle().slot();
        oracle.checkHash(node.id, node.kv.appliedSlot(), node.kv.stateHash());
      }
      for (Message message : ready.messages()) {
        send(message);
      }
      if (ready.persist() != null) {
        PersistRequest request = ready.persist();
        node.disk.write(request);
        node.pendingPersists.addLast(request);
        long done = Math.max(node.lastPersistDoneNanos, now) + 50_000 + random.nextLong(2 * MS);
        node.lastPersistDoneNanos = done;
        schedule(done - now, new PersistDone(node.id, node.incarnation, request.seq()));
      }
      for (Entry entry : ready.chosen()) {
        apply(node, entry);
      }
      for (byte[] command : ready.dropped()) {
        KvMachine.Command decoded = KvMachine.Command.decode(command);
        SimClient client = clients[decoded.client() - 1];
        node.proposals.remove(key(decoded.client(), decoded.op()));
        giveUp(client, decoded.op());
      }
      maybeSnapshot(node);
    }
    throw new SimViolation("replica " + node.id + " kept producing work for 100 rounds");
  }

  private void persistDone(PersistDone p) {
    SimNode node = node(p.node);
    if (!node.up || node.incarnation != p.incarnation) {
      return;
    }
    PersistRequest request = node.pendingPersists.pollFirst();
    Ensure.that(request != null && request.seq() == p.seq, "persist completions out of order");
    // One fsync covers every request written so far (group commit); chosen hints alone get none.
    for (PersistRequest durable : node.disk.syncIfNeeded()) {
      // One request is atomic: its entries were accepted under the promise it replaces.
      for (Entry entry : durable.entries()) {
        oracle.durablyAccepted(node.id - 1, entry);
      }
      if (durable.promised() != null) {
        oracle.durablyPromised(node.id - 1, durable.promised());
      }
    }
    node.replica.persisted(p.seq);
    drain(node);
  }

  private void apply(SimNode node, Entry entry) {
    Ensure.that(entry.slot() == node.kv.appliedSlot() + 1, "chosen entries must continue the applied prefix");
    Batch batch = entry.batch();
    for (int i = 0; i < batch.size(); i++) {
      KvMachine.Command command = KvMachine.Command.decode(batch.command(i));
      KvMachine.Result result = node.kv.apply(command);
      if (node.proposals.remove(key(command.client(), command.op()))) {
        reply(clients[command.client() - 1], command, result, entry.slot());
      }
    }
    node.kv.setAppliedSlot(entry.slot());
    oracle.applied(node.id, entry, node.kv.stateHash());
  }

  private void maybeSnapshot(SimNode node) {
    int every = options.snapshotEverySlots();
    if (every <= 0 || node.kv.appliedSlot() - node.lastSnapshotSlot < every) {
      return;
    }
    byte[] data = node.kv.snapshot();
    node.disk.writeSnapshot(new io.synod.paxos.SnapshotHandle(node.kv.appliedSlot(), paxosConfig.configuration()),
        data);
    node.lastSnapshotSlot = node.kv.appliedSlot();
    node.replica.snapshotTaken(node.kv.appliedSlot(), data);
  }

  // ---------------------------------------------------------------- network

  private void send(Message message) {
    if (!faultsOn) {
      schedule(100_000 + random.nextLong(2 * MS), new Deliver(message));
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
      schedule(delay, new Deliver(message));
    }
  }

  private void deliver(Message message) {
    SimNode to = node(message.to());
    if (!to.up || !connected[message.from() - 1][message.to() - 1]) {
      return;
    }
    to.replica.step(message);
    drain(to);
  }

  // ---------------------------------------------------------------- faults

  private void heal() {
    for (boolean[] row : connected) {
      java.util.Arrays.fill(row, true);
    }
  }

  private void faultTick() {
    if (!faultsOn) {
      return;
    }
    int n = nodes.length;
    double dice = random.nextDouble();
    if (dice < options.crashShare()) {
      SimNode victim = nodes[random.nextInt(n)];
      if (victim.up) {
        boolean corrupt = random.nextDouble() < options.corruptionShare() && noneRebuilding();
        crash(victim);
        if (corrupt && victim.disk.corrupt(random)) {
          victim.corrupt = true;
          say("replica " + victim.id + "'s disk is corrupted while it is down");
        }
      }
    } else if (options.partitions()) {
      partitionChanges++;
      heal();
      int kind = random.nextInt(5);
      if (kind == 0) {
        say("network healed");
      } else if (kind == 1) {
        int leader = currentLeaderIndex();
        isolate(leader);
        say("partition: replica " + (leader + 1) + " (leader if any) isolated");
      } else if (kind == 2) {
        int victim = random.nextInt(n);
        isolate(victim);
        say("partition: replica " + (victim + 1) + " isolated");
      } else if (kind == 3) {
        splitMinorityMajority();
        say("partition: minority and majority split");
      } else {
        bridge();
        say("partition: two halves joined only through a bridge replica");
      }
    }
    schedule(100 * MS + random.nextLong(900 * MS), new FaultTick());
  }

  /** Whether every replica is up with intact state: the condition for corrupting one more. */
  private boolean noneRebuilding() {
    for (SimNode node : nodes) {
      if (node.corrupt || !node.up || node.disk.rebuilding() || node.replica.rebuilding()) {
        return false;
      }
    }
    return true;
  }

  private int currentLeaderIndex() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].up && nodes[i].replica.role() == Replica.Role.LEADER) {
        return i;
      }
    }
    return random.nextInt(nodes.length);
  }

  private void isolate(int index) {
    for (int i = 0; i < nodes.length; i++) {
      if (i != index) {
        connected[i][index] = false;
        connected[index][i] = false;
      }
    }
  }

  /** Splits the replicas into a random minority and the majority. */
  private void splitMinorityMajority() {
    boolean[] minority = randomHalf(nodes.length / 2);
    cut(minority);
  }

  /** Two halves that cannot talk, except through one bridge replica connected to both. */
  private void bridge() {
    int n = nodes.length;
    int bridge = random.nextInt(n);
    boolean[] side = randomHalf(n / 2);
    cut(side);
    for (int i = 0; i < n; i++) {
      connected[bridge][i] = true;
      connected[i][bridge] = true;
    }
  }

  private boolean[] randomHalf(int size) {
    boolean[] chosen = new boolean[nodes.length];
    int picked = 0;
    while (picked < size) {
      int i = random.nextInt(nodes.length);
      if (!chosen[i]) {
        chosen[i] = true;
        picked++;
      }
    }
    return chosen;
  }

  private void cut(boolean[] side) {
    for (int i = 0; i < nodes.length; i++) {
      for (int j = 0; j < nodes.length; j++) {
        if (side[i] != side[j]) {
          connected[i][j] = false;
        }
      }
    }
  }

  // ---------------------------------------------------------------- liveness

  private void livenessStart() {
    say("faults off: liveness phase (every replica up, network healed, no loss)");
    faultsOn = false;
    heal();
    livenessStartNanos = now;
    for (SimNode node : nodes) {
      if (!node.up) {
        start(node);
        schedule(random.nextLong(TICK_NANOS), new Tick(node.id, node.incarnation));
      }
    }
    schedule(50 * MS, new LivenessCheck());
  }

  private boolean livenessCheck() {
    if (now - livenessStartNanos > options.livenessNanos()) {
      StringBuilder state = new StringBuilder();
      for (SimNode node : nodes) {
        state.append(" r").append(node.id).append('=').append(node.replica.role())
            .append("/chosen ").append(node.replica.chosenUpTo());
      }
      throw new SimViolation("no progress within " + options.livenessNanos() / MS
          + " ms of the liveness phase (progress=" + progressAfterFaults + ", max acked slot " + maxAckedSlot
          + "):" + state);
    }
    if (progressAfterFaults && !clientsStopped) {
      clientsStopped = true;
    }
    if (clientsStopped && allClientsIdle() && replicasConverged()) {
      return true;
    }
    schedule(50 * MS, new LivenessCheck());
    return false;
  }

  private boolean allClientsIdle() {
    for (SimClient client : clients) {
      if (client.op != 0) {
        return false;
      }
    }
    return true;
  }

  private boolean replicasConverged() {
    long applied = nodes[0].kv.appliedSlot();
    for (SimNode node : nodes) {
      if (!node.up || node.kv.appliedSlot() != applied) {
        return false;
      }
    }
    return applied >= maxAckedSlot;
  }

  private void finalChecks() {
    long applied = nodes[0].kv.appliedSlot();
    for (SimNode node : nodes) {
      Ensure.that(node.kv.appliedSlot() == applied, "replicas differ after convergence");
      oracle.checkHash(node.id, applied, node.kv.stateHash());
    }
    if (applied < maxAckedSlot) {
      throw new SimViolation("acknowledged slot " + maxAckedSlot + " lost: replicas applied only " + applied);
    }
    CheckResult result = LinearizabilityChecker.check(history, new KvModel());
    if (result.verdict() != Verdict.LINEARIZABLE) {
      throw new SimViolation("client history " + result.verdict() + ": " + result.explanation());
    }
  }

  // ---------------------------------------------------------------- clients

  private static long key(int client, long op) {
    return ((long) client << 40) | op;
  }

  private void clientWake(SimClient client) {
    if (client.op != 0 || clientsStopped) {
      return;
    }
    SimNode target = node(client.target);
    if (!target.up) {
      client.target = 1 + random.nextInt(nodes.length);
      schedule(5 * MS, new ClientWake(client.id));
      return;
    }
    long op = ++client.opSeq;
    KvMachine.Command command = randomCommand(client.id, op);
    Replica.ProposeResult result = target.replica.propose(command.encode());
    if (result != Replica.ProposeResult.QUEUED) {
      int hint = target.replica.leaderHint();
      client.target = hint != 0 && hint != target.id ? hint : 1 + random.nextInt(nodes.length);
      schedule(5 * MS + random.nextLong(10 * MS), new ClientWake(client.id));
      return;
    }
    client.op = op;
    client.historyId = history.invoke(client.id, toInput(command), now);
    target.proposals.add(key(client.id, op));
    schedule(CLIENT_TIMEOUT_NANOS, new ClientTimeout(client.id, op));
    drain(target);
  }

  private KvMachine.Command randomCommand(int clientId, long op) {
    String key = "k" + random.nextInt(options.keys());
    String value = "v" + clientId + "." + op;
    double dice = random.nextDouble();
    if (dice < 0.4) {
      return new KvMachine.Command(clientId, op, "GET", key, null, null);
    } else if (dice < 0.7) {
      return new KvMachine.Command(clientId, op, "PUT", key, value, null);
    } else if (dice < 0.8) {
      return new KvMachine.Command(clientId, op, "DELETE", key, null, null);
    }
    SimClient someone = clients[random.nextInt(clients.length)];
    String expected = random.nextInt(4) == 0 || someone.opSeq <= 1
        ? null : "v" + someone.id + "." + (1 + random.nextLong(someone.opSeq));
    return new KvMachine.Command(clientId, op, "CAS", key, value, expected);
  }

  private static KvInput toInput(KvMachine.Command command) {
    return switch (command.kind()) {
      case "GET" -> KvInput.get(command.key());
      case "PUT" -> KvInput.put(command.key(), command.value());
      case "DELETE" -> KvInput.delete(command.key());
      default -> KvInput.cas(command.key(), command.expected(), command.value());
    };
  }

  private void reply(SimClient client, KvMachine.Command command, KvMachine.Result result, long slot) {
    if (client.op != command.op()) {
      return;
    }
    KvOutput output = switch (command.kind()) {
      case "GET" -> KvOutput.value(result.value());
      case "PUT" -> KvOutput.ok();
      default -> KvOutput.flag(result.flag());
    };
    history.ok(client.historyId, output, now);
    opsOk++;
    maxAckedSlot = Math.max(maxAckedSlot, slot);
    if (livenessStartNanos >= 0) {
      progressAfterFaults = true;
    }
    client.op = 0;
    schedule(random.nextLong(20 * MS), new ClientWake(client.id));
  }

  private void clientTimeout(SimClient client, long op) {
    if (client.op == op) {
      giveUp(client, op);
    }
  }

  /** The outcome of the client's operation is unknown: it may take effect later or never. */
  private void giveUp(SimClient client, long op) {
    if (client.op != op) {
      return;
    }
    history.unknown(client.historyId);
    opsUnknown++;
    client.op = 0;
    client.target = 1 + random.nextInt(nodes.length);
    schedule(random.nextLong(20 * MS), new ClientWake(client.id));
  }

  // ---------------------------------------------------------------- state

  private static final class SimNode {
    final int id;
    final SimStorage disk;
    boolean corrupt;
    final SplittableRandom random;
    final ArrayDeque<PersistRequest> pendingPersists = new ArrayDeque<>();
    /** Commands proposed through this replica and not yet applied here, keyed by client and op. */
    final HashSet<Long> proposals = new HashSet<>();
    Replica replica;
    KvMachine kv;
    boolean up;
    int incarnation;
    long lastPersistDoneNanos;
    long lastSnapshotSlot;

    SimNode(int id, SimStorage disk, SplittableRandom random) {
      this.id = id;
      this.disk = disk;
      this.random = random;
    }
  }

  private static final class SimClient {
    final int id;
    int target;
    long opSeq;
    long op;
    long historyId;

    SimClient(int id, int target) {
      this.id = id;
      this.target = target;
    }
  }

  private static final class Deliver extends Event {
    final Message message;

    Deliver(Message message) {
      this.message = message;
    }

    @Override
    int kind() {
      return 1 + message.from() * 16 + message.to() * 256;
    }
  }

  private static final class Tick extends Event {
    final int node;
    final int incarnation;

    Tick(int node, int incarnation) {
      this.node = node;
      this.incarnation = incarnation;
    }

    @Override
    int kind() {
      return 2 + node * 16;
    }
  }

  private static final class PersistDone extends Event {
    final int node;
    final int incarnation;
    final long seq;

    PersistDone(int node, int incarnation, long seq) {
      this.node = node;
      this.incarnation = incarnation;
      this.seq = seq;
    }

    @Override
    int kind() {
      return 3 + node * 16;
    }
  }

  private static final class ClientWake extends Event {
    final int client;

    ClientWake(int client) {
      this.client = client;
    }

    @Override
    int kind() {
      return 4 + client * 16;
    }
  }

  private static final class ClientTimeout extends Event {
    final int client;
    final long op;

    ClientTimeout(int client, long op) {
      this.client = client;
      this.op = op;
    }

    @Override
    int kind() {
      return 5 + client * 16;
    }
  }

  private static final class FaultTick extends Event {
    @Override
    int kind() {
      return 6;
    }
  }

  private static final class Restart extends Event {
    final int node;

    Restart(int node) {
      this.node = node;
    }

    @Override
    int kind() {
      return 7 + node * 16;
    }
  }

  private static final class LivenessStart extends Event {
    @Override
    int kind() {
      return 8;
    }
  }

  private static final class LivenessCheck extends Event {
    @Override
    int kind() {
      return 9;
    }
  }
}
