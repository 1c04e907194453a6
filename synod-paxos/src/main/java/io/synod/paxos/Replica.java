package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One replica of a Multi-Paxos group: proposer, acceptor and learner at once.
 *
 * <p>The replica is pure. Inputs are {@link #tick(long)}, {@link #step(Message)},
 * {@link #propose(byte[])}, {@link #persisted(long)} and {@link #snapshotTaken(long, byte[])}; after a
 * batch of inputs the host calls {@link #ready()} and carries out the returned {@link Ready}. The
 * replica never calls out, blocks, reads a clock or owns randomness; it is not thread-safe and must be
 * driven by one thread.
 *
 * <p>Protocol (Lamport, "Paxos Made Simple" §3, with phase 1 run once for all future slots): a
 * candidate sends Prepare(b, fromSlot); acceptors promise b for every slot ≥ fromSlot and report what
 * they accepted there; with a quorum of promises the new leader re-proposes, slot by slot, the value
 * of the highest ballot reported, filling gaps with no-ops, and from then on each batch of commands
 * needs one Accept/Accepted round trip. Acceptors send Accepted to every replica, so every replica
 * learns a chosen slot without waiting for the leader.
 *
 * <p>A replica whose disk was found corrupt starts from {@link DurableState#forgotten}: it may have
 * promised ballots and accepted values it no longer knows, so it sends no Promise and no Accepted,
 * starts no election and ignores Accepts until it has rebuilt (after Paxos Made Live §5.1). It asks
 * every other member for its promise and the highest slot in its log. It then promises the highest
 * ballot any of them promised (every candidate promises its own ballot first, so this covers any
 * promise it forgot), and before voting again it learns, by catch-up, every slot up to the highest
 * one reported: any slot it may have accepted was proposed before it lost its state, so it lies
 * below that bound and is chosen by the time it has learned the bound. It never copies peers'
 * acceptances (that would create quorums nobody formed). Only one replica of a group may be
 * rebuilding at a time, and all others must answer: the "a quorum keeps a good copy" condition.
 */
public final class Replica {
  /** What this replica is doing in its group. */
  public enum Role { FOLLOWER, CANDIDATE, LEADER }

  /** Outcome of {@link #propose(byte[])}. */
  public enum ProposeResult {
    /** Queued for a slot. */
    QUEUED,
    /** This replica does not lead; see {@link #leaderHint()}. */
    NOT_LEADER,
    /** The proposal queue is full; retry later. */
    FULL
  }

  private static final long LONG_AGO = Long.MIN_VALUE / 4;

  private final PaxosConfig config;
  private final int id;
  private final RandomGenerator random;
  private final Self self;
  private final int[] members;
  private final int quorum;
  private final Effects effects = new Effects();
  private final Router router = new Router() {
    @Override
    public void route(Message message) {
      Replica.this.route(message);
    }

    @Override
    public void routeAfterPersist(Message message) {
      Replica.this.routeAfterPersist(message);
    }
  };

  private long now;

  private final Acceptor acceptor;
  private final SlotLog log;
  private final Learner learner;
  private Ballot highestSeen;

  // Rebuilding after the host lost this replica's durable state.
  private boolean rebuilding;
  /** The highest ballot a leader was heard under while rebuilding. */
  private Ballot rebuildLeaderBallot = Ballot.ZERO;
  private final TreeMap<Integer, Message.RebuildReply> rebuildReplies = new TreeMap<>();
  private long lastRebuildRequestNanos = LONG_AGO;
  private RebuildPlan rebuildPlan;

  // Role state.
  private Role role = Role.FOLLOWER;
  private int leaderId;
  private long lastLeaderContactNanos = LONG_AGO;
  private long electionDeadlineNanos;

  // Candidate.
  private Ballot ballot = Ballot.ZERO;
  private long candidateFromSlot;
  private final TreeMap<Integer, Message.Promise> promises = new TreeMap<>();
  private long lastPrepareNanos;

  // Leader.
  private long nextSlot;
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private final long[] lastAckNanos;
  private long leaderSinceNanos;
  private long lastHeartbeatNanos;
  private long lastRetransmitNanos;
  private final ArrayList<byte[]> dropped = new ArrayList<>();

  /**
   * Starts a replica from what its host found on disk.
   *
   * @param config validated limits and timeouts
   * @param id this replica's id, a member of {@code config.configuration()}
   * @param durable the durable state (use {@link DurableState#empty} for a new replica)
   * @param appliedUpTo the host's state machine already reflects every slot ≤ this (at least the
   *     snapshot's slot); chosen entries are handed out from the next slot
   * @param random the only source of randomness (election jitter)
   * @param nowNanos the current monotonic time
   */
  public Replica(
      PaxosConfig config, int id, DurableState durable, long appliedUpTo, RandomGenerator random, long nowNanos) {
    this.config = config.validate();
    this.id = id;
    this.random = Ensure.notNull(random, "random");
    this.self = new Self(this.config, id);
    this.members = self.members();
    this.quorum = self.quorum();
    this.lastAckNanos = new long[members.length];
    this.now = nowNanos;

    this.rebuilding = durable.forgotten();
    this.acceptor = new Acceptor(self, effects, router, durable);
    this.log = acceptor.log();
    this.highestSeen = acceptor.promised();
    this.learner = new Learner(self, effects, router, log, durable, appliedUpTo);
    this.nextSlot = learner.chosenUpTo() + 1;
    resetElectionDeadline();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances time: elections, heartbeats, retransmissions and catch-up happen here. */
  public void tick(long nowNanos) {
    Ensure.argument(nowNanos >= now, "time must not go backwards");
    now = nowNanos;
    if (rebuilding) {
      if (rebuildPlan == null && now - lastRebuildRequestNanos >= config.retransmitNanos()) {
        requestRebuild();
      } else if (rebuildPlan != null && learner.chosenUpTo() >= rebuildPlan.chosenTarget() && leaderId != 0
          && !rebuildLeaderBallot.greaterThan(rebuildPlan.promised())
          && now - lastRebuildRequestNanos >= config.electionTimeoutNanos()) {
        // Caught up, but the leader's ballot is not above the plan's: ask it again, which makes it bid.
        Marks.hit("paxos.rebuild-asked-leader-to-rebid");
        lastRebuildRequestNanos = now;
        route(new Message.RebuildRequest(config.groupId(), id, leaderId));
      }
      learner.maybeCatchUp(now, leaderId);
      maybeFinishRebuild();
      return;
    }
    switch (role) {
      case FOLLOWER -> {
        if (now >= electionDeadlineNanos) {
          startElection();
        }
      }
      case CANDIDATE -> {
        if (now >= electionDeadlineNanos) {
          startElection();
        } else if (now - lastPrepareNanos >= config.retransmitNanos()) {
          resendPrepares();
        }
      }
      case LEADER -> leaderTick();
    }
    learner.maybeCatchUp(now, leaderId);
  }

  /** Handles one message from a peer. Messages of other groups or from non-members are ignored. */
  public void step(Message message) {
    if (message.groupId() != config.groupId() || message.to() != id || !self.isMember(message.from())) {
      Marks.hit("paxos.message-ignored");
      return;
    }
    if (rebuilding && !usefulWhileRebuilding(message)) {
      Marks.hit("paxos.rebuilding-ignored");
      return;
    }
    if (message instanceof Message.Accept m) {
      onAccept(m);
    } else if (message instanceof Message.Accepted m) {
      onAccepted(m);
    } else if (message instanceof Message.Heartbeat m) {
      onHeartbeat(m);
    } else if (message instanceof Message.HeartbeatAck m) {
      onHeartbeatAck(m);
    } else if (message instanceof Message.Prepare m) {
      onPrepare(m);
    } else if (message instanceof Message.Promise m) {
      onPromise(m);
    } else if (message instanceof Message.Nack m) {
      onNack(m);
    } else if (message instanceof Message.CatchUpRequest m) {
      learner.onCatchUpRequest(m);
    } else if (message instanceof Message.CatchUpReply m) {
      onCatchUpReply(m);
    } else if (message instanceof Message.InstallSnapshot m) {
      onInstallSnapshot(m);
    } else if (message instanceof Message.RebuildRequest m) {
      onRebuildRequest(m);
    } else if (message instanceof Message.RebuildReply m) {
      onRebuildReply(m);
    } else {
      throw new IllegalArgumentException("unknown message " + message);
    }
  }

  /**
   * While rebuilding, a replica only learns: votes of others, chosen entries, snapshots, commit
   * indexes from heartbeats, and replies to its rebuild requests. It answers catch-up requests from
   * what it knows is chosen, which is safe whatever it forgot.
   */
  private static boolean usefulWhileRebuilding(Message message) {
    return message instanceof Message.Accepted || message instanceof Message.CatchUpReply
        || message instanceof Message.CatchUpRequest || message instanceof Message.InstallSnapshot
        || message instanceof Message.RebuildReply || message instanceof Message.Heartbeat;
  }

  /** Queues a command for a slot if this replica leads. */
  public ProposeResult propose(byte[] command) {
    Ensure.notNull(command, "command");
    if (role != Role.LEADER) {
      return ProposeResult.NOT_LEADER;
    }
    if (pending.size() >= config.pendingCommandsMax()) {
      return ProposeResult.FULL;
    }
    pending.addLast(command);
    return ProposeResult.QUEUED;
  }

  /** Every persist request numbered ≤ {@code upTo} is durable. */
  public void persisted(long upTo) {
    for (Message message : effects.persisted(upTo)) {
      route(message);
    }
  }

  /**
   * The host durably stored a snapshot of its state machine after applying slot {@code slot}; the
   * replica serves it to peers behind the log and trims the log below {@code slot - retainSlots}.
   */
  public void snapshotTaken(long slot, byte[] data) {
    learner.snapshotTaken(slot, data);
  }

  /** Collects the effects of every input since the previous call. */
  public Ready ready() {
    if (role == Role.LEADER) {
      assignSlots();
    }
    learner.maybePersistChosenHint();
    Ready.SnapshotInstall install = learner.takeInstall();
    List<Entry> chosen = learner.takeChosen();
    List<byte[]> droppedNow = List.of();
    if (!dropped.isEmpty()) {
      droppedNow = List.copyOf(dropped);
      dropped.clear();
    }
    return new Ready(install, effects.takeOutbox(), effects.takePersist(), chosen, droppedNow);
  }

  // ---------------------------------------------------------------- observers

  public int id() {
    return id;
  }

  public Role role() {
    return role;
  }

  /** The replica believed to lead, or 0 if unknown. */
  public int leaderHint() {
    return leaderId;
  }

  /** The ballot this replica leads or campaigns under (ZERO if never). */
  public Ballot ballot() {
    return ballot;
  }

  public Ballot promised() {
    return acceptor.promised();
  }

  /** Every slot ≤ this is chosen and its value known here. */
  public long chosenUpTo() {
    return learner.chosenUpTo();
  }

  /** Every slot ≤ this has been handed to the host for applying. */
  public long appliedUpTo() {
    return learner.appliedUpTo();
  }

  /** First slot of the in-memory log (everything below is covered by the snapshot). */
  public long logStart() {
    return log.start();
  }

  public SnapshotHandle snapshot() {
    return learner.snapshot();
  }

  /** Whether this replica lost its durable state and does not vote yet. */
  public boolean rebuilding() {
    return rebuilding;
  }

  /** Commands waiting for a slot at this leader. */
  public int pendingCommands() {
    return pending.size();
  }

  /** The next slot this leader will fill. */
  public long nextSlot() {
    return nextSlot;
  }

  // ---------------------------------------------------------------- election

  private void resetElectionDeadline() {
    long base = config.electionTimeoutNanos();
    electionDeadlineNanos = now + base + random.nextLong(base);
  }

  /** Phase 1 for every slot above what this replica knows is chosen. */
  private void startElection() {
    Marks.hit("paxos.election-started");
    if (role == Role.LEADER) {
      dropPending();
    }
    Ballot promised = acceptor.promised();
    Ballot base = promised.atLeast(highestSeen) ? promised : highestSeen;
    ballot = base.next(id);
    highestSeen = ballot;
    role = Role.CANDIDATE;
    leaderId = 0;
    lastLeaderContactNanos = LONG_AGO;
    candidateFromSlot = learner.chosenUpTo() + 1;
    promises.clear();
    resetElectionDeadline();
    lastPrepareNanos = now;
    for (int member : members) {
      route(new Message.Prepare(config.groupId(), id, member, ballot, candidateFromSlot));
    }
  }

  private void resendPrepares() {
    lastPrepareNanos = now;
    for (int member : members) {
      if (!promises.containsKey(member)) {
        route(new Message.Prepare(config.groupId(), id, member, ballot, candidateFromSlot));
      }
    }
  }

  /**
   * Whether this replica follows (or is) a leader it heard from recently, other than {@code from}.
   * Such a replica refuses to promise a higher ballot, so a replica that was cut off and comes back
   * with a high ballot cannot depose a healthy leader.
   */
  private boolean leaderLeaseHeldAgainst(int from) {
    if (role == Role.LEADER) {
      return from != id;
    }
    return leaderId != 0 && leaderId != from && now - lastLeaderContactNanos < config.electionTimeoutNanos();
  }

  private void onPrepare(Message.Prepare m) {
    noteBallot(m.ballot());
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    if (m.ballot().greaterThan(acceptor.promised())) {
      if (leaderLeaseHeldAgainst(m.from())) {
        Marks.hit("paxos.prepare-refused-live-leader");
        return;
      }
      acceptor.promiseAtLeast(m.ballot());
      if (role != Role.FOLLOWER && m.from() != id) {
        stepDown();
      }
    }
    acceptor.sendPromise(m, learner.chosenUpTo());
  }

  private void onPromise(Message.Promise m) {
    learner.noteChosenTarget(m.chosenUpTo());
    if (role != Role.CANDIDATE || !m.ballot().equals(ballot) || m.fromSlot() != candidateFromSlot) {
      return;
    }
    if (m.logStart() > candidateFromSlot) {
      // The acceptor trimmed slots this candidate does not know: its report is incomplete. Catch up
      // first; other acceptors may still complete the quorum.
      Marks.hit("paxos.promise-behind-snapshot");
      learner.requestCatchUp(m.from(), now);
      return;
    }
    promises.put(m.from(), m);
    if (promises.size() >= quorum) {
      becomeLeader();
    }
  }

  private void onNack(Message.Nack m) {
    noteBallot(m.promised());
    if (!m.ballot().equals(ballot) || !m.promised().greaterThan(ballot)) {
      return;
    }
    if (role == Role.CANDIDATE) {
      Marks.hit("paxos.candidate-nacked");
      stepDown();
    } else if (role == Role.LEADER) {
      // An acceptor promised a higher ballot, e.g. one that campaigned while cut off. Followers that
      // still hear from this leader will promise it a higher ballot, so bid again instead of giving up.
      Marks.hit("paxos.leader-rebid");
      startElection();
    }
  }

  private void stepDown() {
    if (role == Role.LEADER) {
      dropPending();
    }
    role = Role.FOLLOWER;
    promises.clear();
    resetElectionDeadline();
  }

  private void dropPending() {
    dropped.addAll(pending);
    pending.clear();
  }

  private void noteBallot(Ballot seen) {
    if (seen.greaterThan(highestSeen)) {
      highestSeen = seen;
    }
  }

  /** A leader at {@code at} is alive: follow it, and give up leading or campaigning at a lower ballot. */
  private void observeLeader(Ballot at, int from) {
    if (from == id) {
      return;
    }
    if (role != Role.FOLLOWER && at.greaterThan(ballot)) {
      stepDown();
    }
    if (role == Role.FOLLOWER) {
      leaderId = from;
      lastLeaderContactNanos = now;
      resetElectionDeadline();
    }
  }

  // ---------------------------------------------------------------- leader

  private void becomeLeader() {
    Marks.hit("paxos.leader-elected");
    role = Role.LEADER;
    leaderId = id;
    leaderSinceNanos = now;
    lastHeartbeatNanos = now;
    lastRetransmitNanos = now;
    for (int i = 0; i < lastAckNanos.length; i++) {
      lastAckNanos[i] = now;
    }
    long maxSlot = Math.max(learner.chosenUpTo(), log.end() - 1);
    for (Message.Promise promise : promises.values()) {
      for (Entry entry : promise.accepted()) {
        maxSlot = Math.max(maxSlot, entry.slot());
      }
    }
    // Re-propose, for every slot from candidateFromSlot, the value of the highest ballot any promise
    // reported (Paxos Made Simple §2.2, P2c); no report means nothing can have been chosen: no-op.
    HashMap<Long, Entry> highest = new HashMap<>();
    for (Message.Promise promise : promises.values()) {
      for (Entry entry : promise.accepted()) {
        Entry best = highest.get(entry.slot());
        if (best == null || entry.ballot().greaterThan(best.ballot())) {
          highest.put(entry.slot(), entry);
        }
      }
    }
    promises.clear();
    nextSlot = Math.max(maxSlot + 1, candidateFromSlot);
    ArrayList<Batch> batches = new ArrayList<>();
    long first = candidateFromSlot;
    for (long slot = candidateFromSlot; slot <= maxSlot; slot++) {
      Batch value;
      if (log.isChosen(slot)) {
        value = log.get(slot).batch();
      } else if (highest.containsKey(slot) && !config.faults().contains(Fault.SKIP_REPROPOSE)) {
        value = highest.get(slot).batch();
        Marks.hit("paxos.reproposed");
      } else {
        value = Batch.NOOP;
        Marks.hit("paxos.gap-filled-noop");
      }
      batches.add(value);
    }
    if (!batches.isEmpty()) {
      sendAccepts(first, batches);
    }
    broadcastHeartbeat();
  }

  private void leaderTick() {
    int recent = 1;
    for (int i = 0; i < members.length; i++) {
      if (members[i] != id && now - lastAckNanos[i] < config.electionTimeoutNanos()) {
        recent++;
      }
    }
    if (recent < quorum && now - leaderSinceNanos >= config.electionTimeoutNanos()) {
      // Cut off from a quorum: stop refusing other candidates so the majority side can move on.
      Marks.hit("paxos.leader-lost-quorum");
      stepDown();
      leaderId = 0;
      return;
    }
    if (now - lastHeartbeatNanos >= config.heartbeatNanos()) {
      broadcastHeartbeat();
    }
    if (now - lastRetransmitNanos >= config.retransmitNanos()) {
      retransmitAccepts();
    }
  }

  private void broadcastHeartbeat() {
    lastHeartbeatNanos = now;
    for (int member : members) {
      if (member != id) {
        route(new Message.Heartbeat(config.groupId(), id, member, ballot, learner.chosenUpTo()));
      }
    }
  }

  /** Gives queued commands slots, as far as the pipeline window allows. */
  private void assignSlots() {
    if (pending.isEmpty()) {
      return;
    }
    long limit = learner.chosenUpTo() + config.inflightSlotsMax();
    ArrayList<Batch> batches = new ArrayList<>();
    long first = nextSlot;
    while (!pending.isEmpty() && nextSlot <= limit) {
      ArrayList<byte[]> commands = new ArrayList<>(Math.min(pending.size(), config.batchCommandsMax()));
      int bytes = 0;
      while (!pending.isEmpty() && commands.size() < config.batchCommandsMax()) {
        int size = pending.peekFirst().length;
        if (!commands.isEmpty() && bytes + size > config.batchBytesMax()) {
          break;
        }
        commands.add(pending.pollFirst());
        bytes += size;
      }
      batches.add(Batch.of(commands));
      nextSlot++;
    }
    if (!batches.isEmpty()) {
      sendAccepts(first, batches);
    }
  }

  /** Sends Accept for consecutive slots to every member, this replica included. */
  private void sendAccepts(long firstSlot, List<Batch> batches) {
    for (int offset = 0; offset < batches.size(); offset += config.acceptSlotsMax()) {
      List<Batch> chunk = List.copyOf(batches.subList(offset, Math.min(batches.size(), offset + config.acceptSlotsMax())));
      for (int member : members) {
        route(new Message.Accept(
            config.groupId(), id, member, ballot, firstSlot + offset, chunk, learner.chosenUpTo()));
      }
    }
  }

  /** Resends the leader's in-flight entries to members whose Accepted it has not seen. */
  private void retransmitAccepts() {
    lastRetransmitNanos = now;
    for (int i = 0; i < members.length; i++) {
      int member = members[i];
      if (member == id) {
        continue;
      }
      long runStart = -1;
      ArrayList<Batch> run = new ArrayList<>();
      for (long slot = learner.chosenUpTo() + 1; slot <= nextSlot; slot++) {
        boolean missing = false;
        if (slot < nextSlot && !log.isChosen(slot)) {
          Entry entry = log.get(slot);
          missing = entry != null && entry.ballot().equals(ballot) && !learner.acceptedBy(slot, ballot, i);
        }
        if (missing) {
          if (runStart < 0) {
            runStart = slot;
          }
          run.add(log.get(slot).batch());
          if (run.size() < config.acceptSlotsMax()) {
            continue;
          }
        }
        if (runStart >= 0) {
          Marks.hit("paxos.accept-retransmitted");
          route(new Message.Accept(
              config.groupId(), id, member, ballot, runStart, List.copyOf(run), learner.chosenUpTo()));
          runStart = -1;
          run.clear();
        }
      }
    }
  }

  private void noteAck(int from, Ballot at) {
    if (role == Role.LEADER && at.equals(ballot)) {
      lastAckNanos[self.indexOf(from)] = now;
    }
  }

  // ---------------------------------------------------------------- acceptor

  private void onAccept(Message.Accept m) {
    noteBallot(m.ballot());
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    acceptor.promiseAtLeast(m.ballot());
    observeLeader(m.ballot(), m.from());
    acceptor.accept(m, learner);
    learner.learnCommit(m.commitUpTo(), m.ballot(), m.from(), leaderId);
  }

  private void onHeartbeat(Message.Heartbeat m) {
    noteBallot(m.ballot());
    if (rebuilding) {
      learner.noteChosenTarget(m.commitUpTo());
      leaderId = m.from();
      if (m.ballot().greaterThan(rebuildLeaderBallot)) {
        rebuildLeaderBallot = m.ballot();
      }
      return;
    }
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    observeLeader(m.ballot(), m.from());
    learner.learnCommit(m.commitUpTo(), m.ballot(), m.from(), leaderId);
    route(new Message.HeartbeatAck(config.groupId(), id, m.from(), m.ballot(), learner.chosenUpTo()));
  }

  private void onHeartbeatAck(Message.HeartbeatAck m) {
    noteAck(m.from(), m.ballot());
    // A follower may know more chosen slots than its leader: it can have snapshotted and trimmed
    // slots whose Accepts the leader still waits on. The leader then catches up like anyone else.
    learner.noteChosenTarget(m.chosenUpTo());
  }

  // ---------------------------------------------------------------- learner

  private void onAccepted(Message.Accepted m) {
    noteBallot(m.ballot());
    noteAck(m.from(), m.ballot());
    if (role == Role.LEADER && m.ballot().greaterThan(ballot)) {
      Marks.hit("paxos.leader-saw-higher-accepted");
      stepDown();
    }
    learner.onAccepted(m);
  }

  private void onCatchUpReply(Message.CatchUpReply m) {
    learner.onCatchUpReply(m);
    maybeFinishRebuild();
  }

  private void onInstallSnapshot(Message.InstallSnapshot m) {
    if (!learner.isAhead(m.handle())) {
      return;
    }
    Marks.hit("paxos.snapshot-installed");
    if (role != Role.FOLLOWER) {
      stepDown();
    }
    learner.installSnapshot(m);
    nextSlot = Math.max(nextSlot, learner.chosenUpTo() + 1);
    maybeFinishRebuild();
  }

  // ---------------------------------------------------------------- rebuilding

  private void requestRebuild() {
    lastRebuildRequestNanos = now;
    for (int member : members) {
      if (member != id && !rebuildReplies.containsKey(member)) {
        route(new Message.RebuildRequest(config.groupId(), id, member));
      }
    }
  }

  private void onRebuildRequest(Message.RebuildRequest m) {
    if (rebuilding) {
      return;
    }
    acceptor.sendRebuildReply(m, learner.chosenUpTo());
    if (role == Role.LEADER) {
      // The rebuilding replica waits for a leader above every promise it was told of (see
      // maybeFinishRebuild): bid again, so a stable leader does not keep it waiting.
      Marks.hit("paxos.leader-rebid-for-rebuild");
      startElection();
    }
  }

  private void onRebuildReply(Message.RebuildReply m) {
    if (!rebuilding || rebuildPlan != null) {
      return;
    }
    rebuildReplies.put(m.from(), m);
    learner.noteChosenTarget(m.chosenUpTo());
    if (rebuildReplies.size() < members.length - 1) {
      return;
    }
    Ballot highest = acceptor.promised();
    long lastSlot = learner.chosenUpTo();
    for (Message.RebuildReply reply : rebuildReplies.values()) {
      noteBallot(reply.promised());
      if (reply.promised().greaterThan(highest)) {
        highest = reply.promised();
      }
      lastSlot = Math.max(lastSlot, reply.lastSlot());
    }
    rebuildReplies.clear();
    rebuildPlan = new RebuildPlan(highest, lastSlot);
    learner.noteChosenTarget(lastSlot);
    maybeFinishRebuild();
  }

  /** What a rebuilding replica adopts once it has learned every slot its peers know is chosen. */
  private record RebuildPlan(Ballot promised, long chosenTarget) {}

  /**
   * A rebuilt replica may vote again once (1) it has learned every slot up to the highest one its
   * peers held when they answered, and (2) it has heard a leader under a ballot above every promise
   * they reported. (2) matters because its forgotten acceptances were made under ballots at most
   * those promises: an Accept of such a ballot still in flight can reach a peer after the peer
   * answered, and with the forgotten acceptance form a majority for a slot beyond the plan's target.
   * A leader above those ballots ran phase 1 without this replica's vote, so it learned of any such
   * value from the peers, and the peers that promised it refuse the old ballots from then on.
   */
  private void maybeFinishRebuild() {
    if (!rebuilding || rebuildPlan == null || learner.chosenUpTo() < rebuildPlan.chosenTarget()) {
      return;
    }
    if (!rebuildLeaderBallot.greaterThan(rebuildPlan.promised())) {
      return;
    }
    acceptor.promiseAtLeast(rebuildLeaderBallot);
    effects.persistRebuilt();
    rebuildPlan = null;
    rebuilding = false;
    Marks.hit("paxos.rebuilt");
    resetElectionDeadline();
  }

  // ---------------------------------------------------------------- routing

  /** Sends now: to a peer through the outbox, to this replica by handling it at once. */
  private void route(Message message) {
    if (message.to() == id) {
      step(message);
    } else {
      effects.send(message);
    }
  }

  /** Sends once everything it vouches for is durable. */
  private void routeAfterPersist(Message message) {
    if (!effects.hold(message)) {
      route(message);
    }
  }
}
