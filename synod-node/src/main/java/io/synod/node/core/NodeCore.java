package io.synod.node.core;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.Message;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.Ready;
import io.synod.paxos.Replica;
import io.synod.paxos.SnapshotHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One replica's whole logic above the Paxos {@link Replica}: client requests and their table,
 * forwarding to the leader (and again after a leader change), carrying out the core's {@link Ready},
 * applying chosen commands exactly once, matching results to requests, and the snapshot policy.
 *
 * <p>Pure and single-threaded, like the core: inputs are {@link #tick}, {@link #request},
 * {@link #receive}, {@link #persisted} and {@link #snapshotStored}; outputs come as data from
 * {@link #ready()}. No threads, clock reads, I/O or logging: the server's runtime and the simulator
 * drive this same class.
 *
 * <p>No lost commands: every accepted request ends with exactly one reply (its result, or a failure
 * saying whether it may have been applied). Each logged command carries a {@link CommandId}; the
 * origin sends a waiting request again to whoever leads after a leader change, after a deposed
 * leader dropped it, and every {@code resendIntervalNanos}; {@link AppliedCommands} makes every copy
 * after the first a no-op on every replica, so these re-proposals are exactly-once.
 *
 * @param <R> the state machine's typed result
 */
public final class NodeCore<R> {
  /**
   * @param id this node's replica id
   * @param paxos the group's Paxos configuration
   * @param requestTimeoutNanos a request with no outcome after this long fails with
   *     {@link NodeReady.Failure#TIMEOUT}
   * @param resendIntervalNanos a request forwarded to a leader and not applied after this long is
   *     sent again (forwards travel over a lossy transport)
   * @param snapshotEverySlots snapshot the state machine after this many applied slots (0: never), and
   *     once at least as many command bytes were applied as the last snapshot held
   * @param pendingRequestsMax client requests waiting here at once; beyond it requests get
   *     {@link NodeReady.Failure#BUSY}
   * @param snapshotStepBytes how much of a snapshot is encoded per batch of work
   *     ({@link StateMachine#startSnapshot()}): the most a snapshot holds the loop at a time
   */
  public record Config(
      int id, PaxosConfig paxos, long requestTimeoutNanos, long resendIntervalNanos, int snapshotEverySlots,
      int pendingRequestsMax, int snapshotStepBytes) {
    /** The step the server's nodes use: about a millisecond of encoding. */
    public static final int SNAPSHOT_STEP_BYTES = 256 << 10;

    public Config(int id, PaxosConfig paxos, long requestTimeoutNanos, long resendIntervalNanos,
        int snapshotEverySlots, int pendingRequestsMax) {
      this(id, paxos, requestTimeoutNanos, resendIntervalNanos, snapshotEverySlots, pendingRequestsMax,
          SNAPSHOT_STEP_BYTES);
    }

    public Config validate() {
      paxos.validate();
      Ensure.argument(paxos.configuration().contains(id), "node " + id + " is not a member of the group");
      Ensure.argument(requestTimeoutNanos > 0, "requestTimeoutNanos must be positive");
      Ensure.argument(resendIntervalNanos > 0, "resendIntervalNanos must be positive");
      Ensure.argument(resendIntervalNanos < requestTimeoutNanos, "resendIntervalNanos must be below the request timeout");
      Ensure.argument(snapshotEverySlots >= 0, "snapshotEverySlots must not be negative");
      Ensure.argument(pendingRequestsMax >= 1, "pendingRequestsMax must be at least 1");
      Ensure.argument(snapshotStepBytes >= 1, "snapshotStepBytes must be positive");
      return this;
    }
  }

  /** What the node looks like from outside. */
  public record Status(Replica.Role role, int leaderId, long chosenUpTo, long appliedUpTo, long ballotRound) {}

  /** A client request waiting here for its command to be applied. */
  private static final class Pending {
    final long requestId;
    final byte[] logged;
    final long deadlineNanos;
    /** When to send it again; 0: as soon as a leader is known; MAX_VALUE: only on a leader change. */
    long resendAtNanos;

    Pending(long requestId, byte[] logged, long deadlineNanos) {
      this.requestId = requestId;
      this.logged = logged;
      this.deadlineNanos = deadlineNanos;
    }
  }

  /**
   * A read to answer locally once the state has applied {@code waitFor} (everything this node had
   * accepted or knew chosen when the read arrived) under a valid read lease.
   */
  private record LocalRead(long requestId, byte[] command, long waitFor, long arrivedNanos, boolean waited) {
    LocalRead(long requestId, byte[] command, long waitFor, long arrivedNanos) {
      this(requestId, command, waitFor, arrivedNanos, false);
    }
  }

  /** The snapshot handed to storage and not yet reported stored. */
  private record SnapshotInFlight(long slot, byte[] data) {}

  /** A snapshot being encoded in steps: of {@code slot}, with the applied-commands table as of then. */
  private record SnapshotInProgress(long slot, byte[] table, StateMachine.SnapshotEncoder encoder) {}

  private static final int ROUNDS_MAX = 100;

  private final Config config;
  private final StateMachine<R> machine;
  private final Replica replica;
  private final long incarnation;
  /** Planted bugs (see {@link NodeFault}); empty unless a simulator test asked for some. */
  private final Set<NodeFault> faults;
  private final AppliedCommands applied = new AppliedCommands();
  /** Waiting requests by id; ids grow and every request has the same timeout, so this is deadline order. */
  private final TreeMap<Long, Pending> pending = new TreeMap<>();

  /** Reads answered from the local state, sent through the log, handed back too late, and that waited. */
  private long localReadsAnswered;
  private long readsThroughLog;
  private long localReadsExpired;
  private long readsWaited;

  /** Reads waiting to be answered from the local state under a read lease, in arrival order. */
  private final ArrayDeque<LocalRead> reads = new ArrayDeque<>();

  /**
   * The node's internal commands ({@link StateMachine#tick}) proposed and not yet applied, dropped or
   * timed out: request id (in their own id space, origin {@code -id}) to deadline. Nobody waits for
   * them: the machine proposes again what still matters.
   */
  private final TreeMap<Long, Long> internal = new TreeMap<>();
  private long lastInternalId;
  /** Internal commands proposed since this core started. */
  private long internalProposed;

  private List<NodeMessage> messages = new ArrayList<>();
  private List<NodeReady.StorageJob> storage = new ArrayList<>();
  private List<NodeReady.Reply<R>> replies = new ArrayList<>();

  private long now;
  private long lastRequestId;
  /** Where waiting requests were last sent: this node's id while it leads, the leader's, or 0. */
  private int sentTarget;
  /** This node's ballot when it last proposed as leader (a new term re-proposes what waits). */
  private Ballot sentBallot;
  private boolean resendAll;
  private long lastSnapshotSlot;
  /** Size of the last snapshot taken here, and command bytes applied since it was taken. */
  private long lastSnapshotBytes;
  private long appliedBytesSinceSnapshot;
  private SnapshotInFlight snapshotInFlight;
  private SnapshotInProgress snapshotInProgress;

  /**
   * A node restarting from {@code state} (what its storage recovered). The state machine must hold
   * no more than the snapshot: the applied-commands table lives in the snapshot and is rebuilt by
   * replaying the log from there, so a machine ahead of the snapshot would miss its part.
   *
   * @param incarnation strictly larger than any earlier start of this node (persisted by the host)
   * @param random the node's source of randomness (election jitter)
   * @param nowNanos the host's monotonic clock now
   */
  public NodeCore(Config config, StateMachine<R> machine, DurableState state, long incarnation, RandomGenerator random,
      long nowNanos) {
    this(config, machine, state, incarnation, random, nowNanos, Set.of());
  }

  /**
   * Test-only: a node with the planted bugs {@code faults} switched on, for the simulator's
   * planted-bug tests. Production code calls the constructor above, which plants none.
   */
  public NodeCore(Config config, StateMachine<R> machine, DurableState state, long incarnation, RandomGenerator random,
      long nowNanos, Set<NodeFault> faults) {
    this.faults = Set.copyOf(faults);
    this.config = config.validate();
    this.machine = Objects.requireNonNull(machine, "machine");
    Ensure.argument(incarnation >= 1, "incarnations start at 1");
    this.incarnation = incarnation;
    long snapshotSlot = state.snapshot().slot();
    Ensure.argument(machine.appliedSlot() <= snapshotSlot,
        "the state machine (at slot " + machine.appliedSlot() + ") is ahead of the snapshot at slot " + snapshotSlot);
    if (snapshotSlot > machine.appliedSlot()) {
      machine.restore(snapshotSlot, NodeSnapshot.restore(state.snapshotData(), restoredTable()));
    }
    Ensure.that(machine.appliedSlot() == snapshotSlot, "the state machine starts at the snapshot");
    this.lastSnapshotSlot = snapshotSlot;
    this.now = nowNanos;
    this.replica = new Replica(config.paxos(), config.id(), state, snapshotSlot, random, nowNanos, incarnation);
  }

  /**
   * A node snapshot that seeds a new cluster with {@code machineSnapshot} (the state machine's own
   * snapshot format) and an empty applied-commands table: what a restore writes into every new
   * member's storage, so that the members start from it like from any stored snapshot.
   */
  public static byte[] seedSnapshot(byte[] machineSnapshot) {
    Objects.requireNonNull(machineSnapshot, "machineSnapshot");
    return NodeSnapshot.encode(new AppliedCommands(), machineSnapshot);
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Moves time forward without the periodic work of {@link #tick} ({@link Replica#advance}): the host
   * calls it with its clock read after it took a batch of inputs from its queue and before handing
   * them over, so that they are handled at a time no earlier than their arrival.
   */
  public void advance(long nowNanos) {
    Ensure.argument(nowNanos >= now, "the clock must not go backwards");
    now = nowNanos;
    replica.advance(nowNanos);
  }

  /** Time passes: drives the core's timers, expires requests and sends again what is due. */
  public void tick(long nowNanos) {
    Ensure.argument(nowNanos >= now, "the clock must not go backwards");
    now = nowNanos;
    replica.tick(nowNanos);
    expireRequests();
    for (Pending p : pending.values()) {
      if (p.resendAtNanos <= now) {
        Marks.hit("node.request-resent-on-timer");
        resend(p);
      }
    }
    proposeInternal(machine.tick(now, replica.role() == Replica.Role.LEADER));
  }

  /**
   * Proposes the machine's own commands while this node leads, each under a command id of the
   * internal id space, so that a copy is applied once. Refused or dropped ones are forgotten: the
   * machine asks again while they still matter.
   */
  private void proposeInternal(List<byte[]> commands) {
    while (!internal.isEmpty() && internal.firstEntry().getValue() <= now) {
      internal.pollFirstEntry();
    }
    if (commands.isEmpty() || replica.role() != Replica.Role.LEADER) {
      return;
    }
    for (byte[] command : commands) {
      long requestId = ++lastInternalId;
      long floor = internal.isEmpty() ? requestId : internal.firstKey();
      byte[] logged = new CommandId(-config.id(), incarnation, requestId, floor).encode(command);
      if (replica.propose(logged) == Replica.ProposeResult.QUEUED) {
        internal.put(requestId, now + config.requestTimeoutNanos());
        internalProposed++;
      } else {
        Marks.hit("node.internal-command-refused");
      }
    }
  }

  /**
   * A client request: {@code command} for the state machine. {@code requestId} must be larger than
   * every earlier one; the reply carries it.
   */
  public void request(long requestId, byte[] command) {
    Ensure.argument(requestId > lastRequestId, "request ids must increase");
    Ensure.notNull(command, "command");
    lastRequestId = requestId;
    if (pending.size() >= config.pendingRequestsMax()) {
      replies.add(NodeReady.Reply.failed(requestId, NodeReady.Failure.BUSY));
      return;
    }
    byte[] logged = new CommandId(config.id(), incarnation, requestId, floor(requestId)).encode(command);
    Pending p = new Pending(requestId, logged, now + config.requestTimeoutNanos());
    pending.put(requestId, p);
    send(p);
  }

  /**
   * A read-only client request: {@code command} must change nothing. With read leases on it is
   * answered from this node's own state once that state has applied everything this node had
   * accepted when the read arrived and a majority of promises is valid (docs/READ-LEASES.md, "The
   * local read rule"); the reply then carries the time until which the host may deliver it. Without a
   * lease it goes through the log like {@link #request}. Ids share {@link #request}'s sequence.
   */
  public void read(long requestId, byte[] command) {
    Ensure.argument(requestId > lastRequestId, "request ids must increase");
    Ensure.notNull(command, "command");
    if (!replica.readLeasesEnabled()) {
      request(requestId, command);
      return;
    }
    lastRequestId = requestId;
    if (pending.size() + reads.size() >= config.pendingRequestsMax()) {
      replies.add(NodeReady.Reply.failed(requestId, NodeReady.Failure.BUSY));
      return;
    }
    // Planted bug (simulator tests only): READ_BEFORE_APPLY waits for nothing accepted.
    long waitFor = faults.contains(NodeFault.READ_BEFORE_APPLY) ? 0 : replica.highestKnownSlot();
    reads.add(new LocalRead(requestId, command, waitFor, now));
  }

  /**
   * The host found the local read's {@code reply} too late to deliver (its clock passed
   * {@link NodeReady.Reply#validUntilNanos()}): the read of {@code command} is tried again, within
   * the deadlines of its first arrival.
   */
  public void readExpired(NodeReady.Reply<R> reply, byte[] command) {
    Ensure.argument(reply.leased(), "only a local read's reply can expire");
    Marks.hit("node.local-read-expired");
    localReadsExpired++;
    reads.add(new LocalRead(reply.requestId(), command, replica.highestKnownSlot(), reply.arrivedNanos()));
  }

  /**
   * Hands leadership to {@code target} ({@link Replica#transferLeadership}). Requests waiting here
   * are sent again once the new leader is known, like after any change of leader.
   */
  public Replica.TransferResult transferLeadership(int target) {
    Replica.TransferResult result = replica.transferLeadership(target);
    if (result == Replica.TransferResult.STARTED) {
      Marks.hit("node.leadership-transfer");
    }
    return result;
  }

  /** A message from a peer. */
  public void receive(NodeMessage message) {
    Ensure.argument(message.to() == config.id(), "message for node " + message.to() + " delivered to " + config.id());
    if (message instanceof NodeMessage.Paxos p) {
      replica.step(p.message());
    } else if (message instanceof NodeMessage.Forward f) {
      forwarded(f);
    }
  }

  /** Every {@link NodeReady.Persist} numbered up to {@code seq} is durable. */
  public void persisted(long seq) {
    replica.persisted(seq);
  }

  /** The snapshot this core took at {@code slot} ({@link NodeReady.StoreSnapshot#taken()}) is durable. */
  public void snapshotStored(long slot) {
    SnapshotInFlight stored = snapshotInFlight;
    Ensure.argument(stored != null && stored.slot() == slot, "no snapshot of slot " + slot + " was being stored");
    snapshotInFlight = null;
    // An installed snapshot may have overtaken it meanwhile.
    if (slot > replica.snapshot().slot()) {
      replica.snapshotTaken(slot, stored.data());
    }
  }

  // ---------------------------------------------------------------- outputs

  /** Collects the effects of every input since the previous call. */
  public NodeReady<R> ready() {
    for (int round = 0; round < ROUNDS_MAX; round++) {
      noteLeaderChange();
      if (resendAll) {
        resendAll = false;
        for (Pending p : pending.values()) {
          resend(p);
        }
      }
      Ready ready = replica.ready();
      if (ready.isEmpty()) {
        break;
      }
      carryOut(ready);
      maybeSnapshot();
    }
    if (snapshotInProgress != null) {
      continueSnapshot();
    }
    answerReads();
    NodeReady<R> out = new NodeReady<>(messages, storage, replies);
    messages = new ArrayList<>();
    storage = new ArrayList<>();
    replies = new ArrayList<>();
    return out;
  }

  // ---------------------------------------------------------------- observers

  public int id() {
    return config.id();
  }

  public long incarnation() {
    return incarnation;
  }

  public Status status() {
    return new Status(replica.role(), replica.leaderHint(), replica.chosenUpTo(), replica.appliedUpTo(),
        Math.max(replica.ballot().round(), replica.promised().round()));
  }

  /** The Paxos replica, for observation only (the simulator's checks, status pages). */
  public Replica replica() {
    return replica;
  }

  /** Reads answered from the local state under a read lease since this core started. */
  public long localReadsAnswered() {
    return localReadsAnswered;
  }

  /** Reads sent through the log because no lease allowed a local answer (or a wait ran out). */
  public long readsThroughLog() {
    return readsThroughLog;
  }

  /** Local answers the host handed back because its clock said the lease ran out meanwhile. */
  public long localReadsExpired() {
    return localReadsExpired;
  }

  /** Reads that waited for writes this node had accepted to be applied. */
  public long readsWaited() {
    return readsWaited;
  }

  /** Internal commands ({@link StateMachine#tick}) this core proposed since it started. */
  public long internalProposed() {
    return internalProposed;
  }

  /** Client requests waiting here. */
  public int pendingRequests() {
    return pending.size();
  }

  /** Request ids the applied-commands table remembers. */
  public int rememberedCommands() {
    return applied.size();
  }

  // ---------------------------------------------------------------- requests

  /** Where commands go now: this node while it leads, else the leader it knows, else 0. */
  private int target() {
    if (replica.role() == Replica.Role.LEADER) {
      return config.id();
    }
    int leader = replica.leaderHint();
    return leader == config.id() ? 0 : leader;
  }

  /**
   * A new leader, or a new term of this node's leadership, may never see what was sent before (a
   * deposed leader's slots can be filled with no-ops): everything waiting goes again.
   */
  private void noteLeaderChange() {
    int target = target();
    Ballot ballot = target == config.id() ? replica.ballot() : null;
    if (target != sentTarget || !Objects.equals(ballot, sentBallot)) {
      sentTarget = target;
      sentBallot = ballot;
      if (target != 0 && !pending.isEmpty()) {
        Marks.hit("node.requests-resent-on-leader-change");
        resendAll = true;
      }
    }
  }

  private void send(Pending p) {
    int target = target();
    if (target == 0) {
      // No leader known (an election runs): sent as soon as one is.
      p.resendAtNanos = Long.MAX_VALUE;
    } else if (target == config.id()) {
      Replica.ProposeResult result = replica.propose(p.logged);
      // A queued proposal gets a slot or comes back as dropped, so only a full queue needs the timer.
      p.resendAtNanos = result == Replica.ProposeResult.QUEUED ? Long.MAX_VALUE : now + config.resendIntervalNanos();
    } else {
      messages.add(new NodeMessage.Forward(config.paxos().groupId(), config.id(), target, p.logged));
      p.resendAtNanos = now + config.resendIntervalNanos();
    }
  }

  /** Sends a waiting request again (see {@link #send}). */
  private void resend(Pending p) {
    if (faults.contains(NodeFault.LOSE_FORWARDS)) {
      return; // Planted bug (simulator tests only): a waiting request is never sent again.
    }
    send(p);
  }

  /**
   * A command another node forwarded here, believing this node leads. If it no longer does, the
   * command goes on once to the leader this node knows, so the origin need not wait for its timer
   * after a leader change. Only a command that came straight from its origin is passed on: two
   * nodes with stale views cannot bounce it back and forth. A command refused here is not lost: its
   * origin sends it again.
   */
  private void forwarded(NodeMessage.Forward f) {
    if (replica.role() == Replica.Role.LEADER) {
      if (faults.contains(NodeFault.LOSE_FORWARDS)) {
        return; // Planted bug (simulator tests only): the forwarded command is dropped silently.
      }
      if (replica.propose(f.command()) != Replica.ProposeResult.QUEUED) {
        Marks.hit("node.forward-refused");
      }
      return;
    }
    CommandId id = CommandId.parse(f.command());
    int leader = replica.leaderHint();
    if (id != null && id.origin() == f.from() && leader != 0 && leader != config.id() && leader != f.from()) {
      messages.add(new NodeMessage.Forward(config.paxos().groupId(), config.id(), leader, f.command()));
    }
  }

  /**
   * Answers the waiting reads whose wait is over: the state is read first, and the reply carries the
   * lease's end, which the host checks against its clock after (a pause in between makes the check
   * fail, never a stale answer pass). A read without a lease goes through the log instead.
   */
  private void answerReads() {
    int n = reads.size();
    for (int i = 0; i < n; i++) {
      LocalRead read = reads.poll();
      if (machine.appliedSlot() < read.waitFor() && now - read.arrivedNanos() < config.paxos().readLeases().durationNanos()) {
        if (!read.waited()) {
          readsWaited++;
          read = new LocalRead(read.requestId(), read.command(), read.waitFor(), read.arrivedNanos(), true);
        }
        reads.add(read);
        continue;
      }
      long validUntil = machine.appliedSlot() >= read.waitFor() ? replica.readLeaseValidUntil() : Long.MIN_VALUE;
      R result = validUntil > now ? machine.read(read.command(), 0, read.command().length) : null;
      if (result == null) {
        Marks.hit("node.local-read-fell-back");
        readsThroughLog++;
        throughLog(read);
        continue;
      }
      Marks.hit("node.local-read-answered");
      localReadsAnswered++;
      replies.add(new NodeReady.Reply<>(read.requestId(), result, null, validUntil, read.arrivedNanos()));
    }
  }

  /** A read that cannot be answered locally is logged like any request, keeping its arrival's deadline. */
  private void throughLog(LocalRead read) {
    byte[] logged = new CommandId(config.id(), incarnation, read.requestId(), floor(read.requestId()))
        .encode(read.command());
    Pending p = new Pending(read.requestId(), logged, read.arrivedNanos() + config.requestTimeoutNanos());
    pending.put(read.requestId(), p);
    send(p);
  }

  /**
   * The lowest request id still waiting here, at most {@code requestId}: every logged command carries
   * it, and replicas forget applied ids below it. Reads waiting for a local answer count, since one
   * may still go through the log.
   */
  private long floor(long requestId) {
    long floor = pending.isEmpty() ? requestId : Math.min(requestId, pending.firstKey());
    for (LocalRead read : reads) {
      floor = Math.min(floor, read.requestId());
    }
    return floor;
  }

  private void expireRequests() {
    Iterator<Pending> it = pending.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      if (p.deadlineNanos > now) {
        return;
      }
      it.remove();
      replies.add(NodeReady.Reply.failed(p.requestId, NodeReady.Failure.TIMEOUT));
    }
  }

  // ---------------------------------------------------------------- the core's effects

  private void carryOut(Ready ready) {
    if (ready.install() != null) {
      install(ready.install());
    }
    for (Message message : ready.messages()) {
      messages.add(new NodeMessage.Paxos(message));
    }
    if (ready.persist() != null) {
      storage.add(new NodeReady.Persist(ready.persist()));
    }
    for (Entry entry : ready.chosen()) {
      apply(entry);
    }
    for (byte[] command : ready.dropped()) {
      // A deposed leader never gave these a slot: the origin's requests go to the new leader.
      CommandId id = CommandId.parse(command);
      if (id != null && id.origin() == -config.id()) {
        internal.remove(id.requestId());
        continue;
      }
      Pending p = id != null && id.origin() == config.id() && id.incarnation() == incarnation
          ? pending.get(id.requestId()) : null;
      if (p != null) {
        Marks.hit("node.dropped-request-resent");
        resend(p);
      }
    }
  }

  private void install(Ready.SnapshotInstall install) {
    long slot = install.handle().slot();
    Ensure.that(slot > machine.appliedSlot(), "an installed snapshot moves the state forward");
    if (snapshotInProgress != null) {
      // Of a state about to be replaced by a newer one.
      Marks.hit("node.snapshot-abandoned-for-install");
      snapshotInProgress.encoder().abandon();
      snapshotInProgress = null;
    }
    machine.restore(slot, NodeSnapshot.restore(install.data(), restoredTable()));
    Ensure.that(machine.appliedSlot() == slot, "the state machine is at the installed slot");
    lastSnapshotSlot = slot;
    storage.add(new NodeReady.StoreSnapshot(install.handle(), install.data(), false));
  }

  /**
   * The table a snapshot's applied commands are restored into: this node's own, or, with the planted
   * {@link NodeFault#APPLIED_TABLE_NOT_RESTORED} (simulator tests only), a throwaway one.
   */
  private AppliedCommands restoredTable() {
    return faults.contains(NodeFault.APPLIED_TABLE_NOT_RESTORED) ? new AppliedCommands() : applied;
  }

  private void apply(Entry entry) {
    long slot = entry.slot();
    Ensure.that(slot == machine.appliedSlot() + 1, "chosen entries continue the applied prefix");
    Batch batch = entry.batch();
    for (int i = 0; i < batch.size(); i++) {
      byte[] logged = batch.command(i);
      CommandId id = CommandId.parse(logged);
      if (id == null) {
        Marks.hit("node.unreadable-command-skipped");
        continue;
      }
      AppliedCommands.Verdict verdict = applied.admit(id);
      // Planted bug (simulator tests only): with APPLY_DUPLICATES a duplicate is applied again.
      boolean plantedDuplicate = verdict == AppliedCommands.Verdict.DUPLICATE
          && faults.contains(NodeFault.APPLY_DUPLICATES);
      if (verdict != AppliedCommands.Verdict.APPLY && !plantedDuplicate) {
        markSkipped(verdict);
        continue;
      }
      Pending p = id.origin() == config.id() && id.incarnation() == incarnation ? pending.remove(id.requestId()) : null;
      if (id.origin() == -config.id() && id.incarnation() == incarnation) {
        internal.remove(id.requestId());
      }
      R result = machine.apply(slot, logged, CommandId.BYTES, logged.length - CommandId.BYTES, p != null);
      appliedBytesSinceSnapshot += logged.length;
      if (p != null && faults.contains(NodeFault.REPLY_TO_OTHER_REQUEST) && !pending.isEmpty()) {
        // Planted bug (simulator tests only): the oldest other request gets this result instead.
        Pending other = pending.pollFirstEntry().getValue();
        pending.put(p.requestId, p);
        p = other;
      }
      if (p != null) {
        replies.add(NodeReady.Reply.ok(p.requestId, result));
      }
    }
    machine.slotApplied(slot);
    Ensure.that(machine.appliedSlot() == slot, "the state machine recorded the applied slot");
  }

  private static void markSkipped(AppliedCommands.Verdict verdict) {
    switch (verdict) {
      case DUPLICATE -> Marks.hit("node.duplicate-command-skipped");
      case EXPIRED -> Marks.hit("node.expired-command-skipped");
      default -> Marks.hit("node.old-incarnation-command-skipped");
    }
  }

  private void maybeSnapshot() {
    long appliedSlot = machine.appliedSlot();
    if (config.snapshotEverySlots() == 0 || snapshotInProgress != null || snapshotInFlight != null
        || appliedSlot - lastSnapshotSlot < config.snapshotEverySlots()) {
      return;
    }
    // A snapshot costs time proportional to the state. Waiting until as many command bytes have been
    // applied as the last snapshot held keeps that cost at most one byte per byte written, however
    // large the state grows (the log it lets go of is at least that big).
    if (appliedBytesSinceSnapshot < lastSnapshotBytes) {
      return;
    }
    // The table is small and taken now; the machine's state is encoded a step per batch of work,
    // as of now, while later slots are applied (StateMachine.startSnapshot).
    snapshotInProgress = new SnapshotInProgress(appliedSlot, applied.encode(), machine.startSnapshot());
    lastSnapshotSlot = appliedSlot;
    appliedBytesSinceSnapshot = 0;
  }

  /** One step of the snapshot being encoded (one per {@link #ready()}); hands it to storage once whole. */
  private void continueSnapshot() {
    SnapshotInProgress inProgress = snapshotInProgress;
    byte[] machineBytes = inProgress.encoder().step(config.snapshotStepBytes());
    if (machineBytes == null) {
      Marks.hit("node.snapshot-stepped");
      return;
    }
    snapshotInProgress = null;
    byte[] data = NodeSnapshot.encode(inProgress.table(), machineBytes);
    lastSnapshotBytes = data.length;
    snapshotInFlight = new SnapshotInFlight(inProgress.slot(), data);
    storage.add(new NodeReady.StoreSnapshot(
        new SnapshotHandle(inProgress.slot(), config.paxos().configuration()), data, true));
  }
}
