package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
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
 * starts no election and ignores Accepts until it has rebuilt (after Paxos Made Live §5.1; see
 * {@link Rebuild}).
 *
 * <p>This class is the façade and the role state machine; the work is done by one part per role, each
 * holding its own state: the {@link Acceptor} (promise and accepted log), the {@link Learner} (chosen
 * prefix, catch-up, snapshots), the {@link Election} (leader followed, timeout, ballots seen), and,
 * only while they last, a {@link Candidacy} (one campaign), a {@link LeaderPipeline} (one term) and a
 * {@link Rebuild}. The replica handles each message by calling those parts in protocol order, and it
 * alone changes the {@link Role}.
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

  private final Self self;
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
  private final Acceptor acceptor;
  private final Learner learner;
  private final Election election;

  private long now;
  private Role role = Role.FOLLOWER;
  /** This replica's campaign: set exactly while the role is CANDIDATE. */
  private Candidacy candidacy;
  /** This replica's term: set exactly while the role is LEADER. */
  private LeaderPipeline pipeline;
  /** Set exactly while this replica rebuilds lost state; it then votes and campaigns not at all. */
  private Rebuild rebuild;
  /** Read leases (docs/READ-LEASES.md); null when they are off. */
  private final ReadLeases leases;
  /** A tick passed since vouches were last reported: the next {@link #ready()} reports them. */
  private boolean vouchesDue;
  /** Commands of ended terms that never got a slot, until the next {@link Ready} reports them. */
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
    this(config, id, durable, appliedUpTo, random, nowNanos, 1);
  }

  /**
   * Starts a replica as above, as the process incarnation {@code incarnation}: a number that grows
   * with every start of the replica's host (read leases tell a restarted peer's reports from its
   * earlier life's by it).
   */
  public Replica(PaxosConfig config, int id, DurableState durable, long appliedUpTo, RandomGenerator random,
      long nowNanos, long incarnation) {
    PaxosConfig validated = config.validate();
    Ensure.notNull(random, "random");
    this.self = new Self(validated, id);
    this.now = nowNanos;
    this.acceptor = new Acceptor(self, effects, router, durable);
    this.learner = new Learner(self, effects, router, acceptor.log(), durable, appliedUpTo);
    this.election = new Election(self, random, acceptor.promised());
    if (durable.forgotten()) {
      this.rebuild = new Rebuild(self, effects, router, acceptor, learner, election);
    }
    this.leases = validated.readLeases().enabled()
        ? new ReadLeases(self, router, incarnation, nowNanos, learner.appliedUpTo())
        : null;
    election.resetDeadline(now);
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Moves this replica's time forward without the periodic work of {@link #tick}. A host calls it
   * with its clock read after taking messages from its queue and before stepping them, so that what
   * a message starts counts from a time after its receipt: a read-lease grantor's obligation runs
   * from the grant, which must not be dated before the request arrived (docs/READ-LEASES.md, "What
   * each replica keeps"), and the holder's clock is compared with this one at the receipt.
   */
  public void advance(long nowNanos) {
    Ensure.argument(nowNanos >= now, "time must not go backwards");
    now = nowNanos;
  }

  /** Advances time: elections, heartbeats, retransmissions and catch-up happen here. */
  public void tick(long nowNanos) {
    Ensure.argument(nowNanos >= now, "time must not go backwards");
    now = nowNanos;
    if (leases != null && rebuild == null) {
      leases.tick(now, learner.chosenUpTo() >= learner.chosenTarget() - self.config().inflightSlotsMax());
      vouchesDue = true;
    }
    if (rebuild != null) {
      rebuild.tick(now);
      learner.maybeCatchUp(now, election.leaderId());
      maybeFinishRebuild();
      return;
    }
    switch (role) {
      case FOLLOWER -> {
        if (election.timedOut(now)) {
          startElection();
        }
      }
      case CANDIDATE -> {
        if (election.timedOut(now)) {
          startElection();
        } else if (candidacy.prepareDue(now)) {
          candidacy.resendPrepares(now);
        }
      }
      case LEADER -> leaderTick();
    }
    learner.maybeCatchUp(now, election.leaderId());
  }

  /** Handles one message from a peer. Messages of other groups or from non-members are ignored. */
  public void step(Message message) {
    if (message.groupId() != self.groupId() || message.to() != self.id() || !self.isMember(message.from())) {
      Marks.hit("paxos.message-ignored");
      return;
    }
    if (rebuild != null && !usefulWhileRebuilding(message)) {
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
    } else if (message instanceof Message.Progress m) {
      if (leases != null) {
        leases.onProgress(m);
      }
    } else if (message instanceof Message.LeaseRequest m) {
      if (leases != null && rebuild == null) {
        leases.onRequest(m, now, highestKnownSlot());
      }
    } else if (message instanceof Message.LeaseGrant m) {
      if (leases != null && rebuild == null) {
        leases.onGrant(m);
      }
    } else if (message instanceof Message.TimeoutNow m) {
      onTimeoutNow(m);
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
        || message instanceof Message.RebuildReply || message instanceof Message.Heartbeat
        || message instanceof Message.Progress;
  }

  /** Queues a command for a slot if this replica leads. */
  public ProposeResult propose(byte[] command) {
    Ensure.notNull(command, "command");
    if (role != Role.LEADER) {
      return ProposeResult.NOT_LEADER;
    }
    return pipeline.propose(command);
  }

  /** The answer to {@link #transferLeadership}. */
  public enum TransferResult {
    /** This replica stepped down and told {@code target} to campaign now. */
    STARTED,
    /** This replica does not lead: only the leader hands leadership over. */
    NOT_LEADER,
    /** The target is not a member of the group. */
    UNKNOWN_TARGET,
    /** The target is this replica, which already leads. */
    ALREADY_LEADER
  }

  /**
   * Hands leadership to {@code target}: the leader sends every other member a
   * {@link Message.TimeoutNow} naming the target, and steps down. The target campaigns at once with a
   * ballot above this leader's, and the others, told the leader left, promise it without waiting
   * out their lease. Commands this leader queued but never proposed are {@code dropped} (the host
   * sends them again to the next leader); slots it proposed are found by the target's phase 1 like
   * any new leader's. If the target cannot win (it is cut off, or behind a trimmed log), an ordinary
   * election follows after the timeout: safety never depends on the transfer.
   */
  public TransferResult transferLeadership(int target) {
    if (!self.isMember(target)) {
      return TransferResult.UNKNOWN_TARGET;
    }
    if (role != Role.LEADER) {
      return TransferResult.NOT_LEADER;
    }
    if (target == self.id()) {
      return TransferResult.ALREADY_LEADER;
    }
    Marks.hit("paxos.leadership-transfer-started");
    Ballot ballot = pipeline.ballot();
    for (int member : self.members()) {
      if (member != self.id()) {
        route(new Message.TimeoutNow(self.groupId(), self.id(), member, ballot, target));
      }
    }
    stepDown();
    election.forgetLeader();
    Ensure.that(role == Role.FOLLOWER, "a leader that hands over leadership follows");
    Ensure.that(pipeline == null, "a leader that hands over leadership keeps no pipeline");
    return TransferResult.STARTED;
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
    checkRole();
    if (role == Role.LEADER) {
      pipeline.assignSlots();
    }
    learner.maybePersistChosenHint();
    Ready.SnapshotInstall install = learner.takeInstall();
    long visible = Long.MAX_VALUE;
    if (leases != null) {
      leases.advancePrefix(acceptor.log(), learner.chosenUpTo());
      visible = leases.visibleUpTo(learner.chosenUpTo(), now);
      if (rebuild == null) {
        leases.sendProgress(vouchesDue);
        vouchesDue = false;
      }
    }
    List<Entry> chosen = learner.takeChosen(visible);
    List<byte[]> droppedNow = List.of();
    if (!dropped.isEmpty()) {
      droppedNow = List.copyOf(dropped);
      dropped.clear();
    }
    return new Ready(install, effects.takeOutbox(), effects.takePersist(), chosen, droppedNow);
  }

  // ---------------------------------------------------------------- observers

  public int id() {
    return self.id();
  }

  public Role role() {
    return role;
  }

  /** The replica believed to lead, or 0 if unknown. */
  public int leaderHint() {
    return election.leaderId();
  }

  /** The ballot this replica leads or campaigns under (ZERO if never). */
  public Ballot ballot() {
    return election.ballot();
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

  /** The highest slot this replica holds an accepted entry for or knows chosen. */
  public long highestKnownSlot() {
    return Math.max(acceptor.log().end() - 1, learner.chosenUpTo());
  }

  /** Whether read leases are on (docs/READ-LEASES.md). */
  public boolean readLeasesEnabled() {
    return leases != null;
  }

  /**
   * Until when, on this replica's clock, it may answer reads from its state as applied now: a
   * majority of promises (its own included) is valid until then, and every grantor's accepted slot
   * is applied. {@link Long#MIN_VALUE} when it holds no such lease (or read leases are off, or it
   * rebuilds). The caller reads the state first and checks the clock against this after.
   */
  public long readLeaseValidUntil() {
    if (leases == null || rebuild != null) {
      return Long.MIN_VALUE;
    }
    return leases.validUntil(learner.appliedUpTo(), now);
  }

  /**
   * Whether this replica found {@code member}'s clock running outside the read-lease drift bound
   * against its own, and so grants it no promises (docs/READ-LEASES.md, "Clocks beyond the bound").
   */
  public boolean readLeaseClockFault(int member) {
    return leases != null && leases.clockFault(member);
  }

  /** First slot of the in-memory log (everything below is covered by the snapshot). */
  public long logStart() {
    return acceptor.log().start();
  }

  public SnapshotHandle snapshot() {
    return learner.snapshot();
  }

  /** Whether this replica lost its durable state and does not vote yet. */
  public boolean rebuilding() {
    return rebuild != null;
  }

  /** Commands waiting for a slot at this leader (0 when not leading). */
  public int pendingCommands() {
    return pipeline == null ? 0 : pipeline.pendingCommands();
  }

  /** The next slot this leader will fill; when not leading, one past the chosen prefix. */
  public long nextSlot() {
    return pipeline == null ? learner.chosenUpTo() + 1 : pipeline.nextSlot();
  }

  // ---------------------------------------------------------------- roles

  /** The role and the objects that exist only in a role must agree. */
  private void checkRole() {
    Ensure.that((role == Role.CANDIDATE) == (candidacy != null), "a candidacy exists exactly while campaigning");
    Ensure.that((role == Role.LEADER) == (pipeline != null), "a pipeline exists exactly while leading");
    Ensure.that(rebuild == null || role == Role.FOLLOWER, "a rebuilding replica neither campaigns nor leads");
  }

  /** Phase 1 for every slot above what this replica knows is chosen. */
  private void startElection() {
    Marks.hit("paxos.election-started");
    endRole();
    Ballot bid = election.nextBid(acceptor.promised());
    role = Role.CANDIDATE;
    election.forgetLeader();
    candidacy = new Candidacy(self, router, bid, learner.chosenUpTo() + 1, now);
    election.resetDeadline(now);
    candidacy.sendPrepares();
  }

  /** A quorum promised: phase 2 from the candidacy's first slot on, under its ballot. */
  private void becomeLeader() {
    Marks.hit("paxos.leader-elected");
    Ensure.that(candidacy.ballot().equals(election.ballot()), "the candidacy runs under the latest bid");
    Ensure.that(acceptor.promised().equals(candidacy.ballot()), "a new leader holds its own promise");
    Candidacy.Proposals proposals = candidacy.proposals(
        acceptor.log(), learner.chosenUpTo(), self.planted(Fault.SKIP_REPROPOSE));
    Ballot ballot = candidacy.ballot();
    candidacy = null;
    role = Role.LEADER;
    election.lead();
    pipeline = new LeaderPipeline(self, router, acceptor.log(), learner, ballot, proposals.nextSlot(), now);
    pipeline.start(proposals.firstSlot(), proposals.batches(), now);
  }

  private void leaderTick() {
    Ensure.that(acceptor.promised().equals(pipeline.ballot()), "a leader holds its own promise");
    if (pipeline.lostQuorum(now)) {
      // Cut off from a quorum: stop refusing other candidates so the majority side can move on.
      Marks.hit("paxos.leader-lost-quorum");
      stepDown();
      election.forgetLeader();
      return;
    }
    pipeline.tick(now);
  }

  /** Gives up campaigning or leading, and waits a new election timeout as a follower. */
  private void stepDown() {
    endRole();
    role = Role.FOLLOWER;
    election.resetDeadline(now);
  }

  /** Discards the campaign or term in progress; commands of a term that never got a slot are dropped. */
  private void endRole() {
    if (pipeline != null) {
      dropped.addAll(pipeline.takePending());
      pipeline = null;
    }
    candidacy = null;
  }

  /**
   * Whether this replica refuses to promise a higher ballot to {@code from}: a leader refuses every
   * other replica, a follower refuses while it hears from a live leader other than {@code from}.
   */
  private boolean leaderLeaseHeldAgainst(int from) {
    if (role == Role.LEADER) {
      return from != self.id();
    }
    return election.leaseHeldAgainst(from, now);
  }

  /** A leader at {@code at} is alive: follow it, and give up leading or campaigning at a lower ballot. */
  private void observeLeader(Ballot at, int from) {
    if (from == self.id()) {
      return;
    }
    if (role != Role.FOLLOWER && at.greaterThan(election.ballot())) {
      stepDown();
    }
    if (role == Role.FOLLOWER) {
      election.follow(from, now);
    }
  }

  private void noteAck(int from, Ballot at) {
    if (role == Role.LEADER) {
      pipeline.noteAck(from, at, now);
    }
  }

  // ---------------------------------------------------------------- messages

  private void onPrepare(Message.Prepare m) {
    election.noteBallot(m.ballot());
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    if (m.ballot().greaterThan(acceptor.promised())) {
      if (leaderLeaseHeldAgainst(m.from())) {
        Marks.hit("paxos.prepare-refused-live-leader");
        return;
      }
      acceptor.promiseAtLeast(m.ballot());
      if (role != Role.FOLLOWER && m.from() != self.id()) {
        // Promising another replica's higher ballot ends this replica's own campaign or term.
        stepDown();
      }
    }
    acceptor.sendPromise(m, learner.chosenUpTo());
  }

  private void onPromise(Message.Promise m) {
    learner.noteChosenTarget(m.chosenUpTo());
    if (role != Role.CANDIDATE || !candidacy.answers(m)) {
      return;
    }
    if (m.logStart() > candidacy.fromSlot()) {
      // The acceptor trimmed slots this candidate does not know: its report is incomplete. Catch up
      // first; other acceptors may still complete the quorum.
      Marks.hit("paxos.promise-behind-snapshot");
      learner.requestCatchUp(m.from(), now);
      return;
    }
    if (candidacy.count(m)) {
      becomeLeader();
    }
  }

  private void onNack(Message.Nack m) {
    election.noteBallot(m.promised());
    Ballot bid = election.ballot();
    if (!m.ballot().equals(bid) || !m.promised().greaterThan(bid)) {
      return;
    }
    switch (role) {
      case FOLLOWER -> { }
      case CANDIDATE -> {
        Marks.hit("paxos.candidate-nacked");
        stepDown();
      }
      case LEADER -> {
        // An acceptor promised a higher ballot, e.g. one that campaigned while cut off. Followers that
        // still hear from this leader will promise it a higher ballot, so bid again instead of giving up.
        Marks.hit("paxos.leader-rebid");
        startElection();
      }
    }
  }

  private void onAccept(Message.Accept m) {
    election.noteBallot(m.ballot());
    boolean belowPromiseAccepted = self.planted(Fault.ACCEPT_BELOW_PROMISE)
        && m.ballot().compareTo(acceptor.promised()) < 0;
    if (belowPromiseAccepted) {
      // Planted bug (simulator tests only): the Accept is taken although its ballot is below the promise.
      acceptor.accept(m, learner);
      return;
    }
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    // Accepting under a ballot implies promising it: a later Prepare below it must be refused.
    acceptor.promiseAtLeast(m.ballot());
    observeLeader(m.ballot(), m.from());
    acceptor.accept(m, learner);
    learner.learnCommit(m.commitUpTo(), m.ballot(), m.from(), election.leaderId());
  }

  private void onAccepted(Message.Accepted m) {
    election.noteBallot(m.ballot());
    if (role == Role.LEADER && m.ballot().compareTo(pipeline.ballot()) < 0
        && self.planted(Fault.COUNT_STALE_ACCEPTED)) {
      // Planted bug (simulator tests only): a vote of an earlier ballot counts for this leader's.
      m = new Message.Accepted(m.groupId(), m.from(), m.to(), pipeline.ballot(), m.firstSlot(), m.count());
    }
    noteAck(m.from(), m.ballot());
    if (role == Role.LEADER && m.ballot().greaterThan(pipeline.ballot())) {
      Marks.hit("paxos.leader-saw-higher-accepted");
      stepDown();
    }
    learner.onAccepted(m);
  }

  private void onHeartbeat(Message.Heartbeat m) {
    election.noteBallot(m.ballot());
    if (rebuild != null) {
      learner.noteChosenTarget(m.commitUpTo());
      election.heardWhileRebuilding(m.from());
      rebuild.heardLeader(m.ballot());
      return;
    }
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    observeLeader(m.ballot(), m.from());
    learner.learnCommit(m.commitUpTo(), m.ballot(), m.from(), election.leaderId());
    route(new Message.HeartbeatAck(self.groupId(), self.id(), m.from(), m.ballot(), learner.chosenUpTo()));
  }

  private void onHeartbeatAck(Message.HeartbeatAck m) {
    noteAck(m.from(), m.ballot());
    // A follower may know more chosen slots than its leader: it can have snapshotted and trimmed
    // slots whose Accepts the leader still waits on. The leader then catches up like anyone else.
    learner.noteChosenTarget(m.chosenUpTo());
  }

  private void onCatchUpReply(Message.CatchUpReply m) {
    if (role != Role.FOLLOWER) {
      for (Entry entry : m.chosen()) {
        if (entry.ballot().greaterThan(election.ballot())) {
          // A higher ballot chose values: this term is over. It must end before the entries count as
          // chosen here, or its next Accept or heartbeat would tell followers that slots are chosen
          // whose value its own ballot never got chosen, and a follower holding this ballot's
          // proposal there would take that for the chosen value.
          Marks.hit("paxos.superseded-by-caught-up-entry");
          stepDown();
          break;
        }
      }
    }
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
    maybeFinishRebuild();
  }

  private void onRebuildRequest(Message.RebuildRequest m) {
    if (rebuild != null) {
      return;
    }
    acceptor.sendRebuildReply(m, learner.chosenUpTo());
    if (role == Role.LEADER) {
      // The rebuilding replica waits for a leader above every promise it was told of (see
      // Rebuild#maybeFinish): bid again, so a stable leader does not keep it waiting.
      Marks.hit("paxos.leader-rebid-for-rebuild");
      startElection();
    }
  }

  /**
   * The leader of {@code m.ballot()} stepped down for {@code m.target()}. A stale one (below the
   * promise) is refused like any old ballot's message. The target campaigns now; any other follower
   * of the sender stops counting it as a live leader, so the target's Prepare is not refused under
   * the lease.
   */
  private void onTimeoutNow(Message.TimeoutNow m) {
    election.noteBallot(m.ballot());
    if (!acceptor.admits(m.ballot(), m.from())) {
      return;
    }
    if (role != Role.FOLLOWER) {
      // A candidate or leader above the sender's ballot has moved on already.
      return;
    }
    if (election.leaderId() == m.from()) {
      election.forgetLeader();
    }
    if (m.target() == self.id()) {
      Marks.hit("paxos.leadership-transfer-campaign");
      startElection();
    }
  }

  private void onRebuildReply(Message.RebuildReply m) {
    if (rebuild != null && rebuild.onReply(m)) {
      maybeFinishRebuild();
    }
  }

  private void maybeFinishRebuild() {
    if (rebuild != null && rebuild.maybeFinish()) {
      rebuild = null;
      Marks.hit("paxos.rebuilt");
      election.resetDeadline(now);
    }
  }

  // ---------------------------------------------------------------- routing

  /** Sends now: to a peer through the outbox, to this replica by handling it at once. */
  private void route(Message message) {
    if (message.to() == self.id()) {
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
