package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One term of a leader: phase 2 (Paxos Made Simple §3) under the ballot it won, pipelined and
 * batched. It holds the commands waiting for a slot, the next slot to fill, when each member last
 * acknowledged this term, and when it last sent heartbeats and retransmissions.
 *
 * <p>Created when a replica wins an election and discarded when it steps down, so nothing of one
 * term leaks into the next; the commands still waiting then are handed back through
 * {@link #takePending()} to be reported as dropped.
 */
final class LeaderPipeline {
  private final Self self;
  private final Router router;
  private final SlotLog log;
  private final Learner learner;
  private final Ballot ballot;
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private final long[] lastAckNanos;
  private final long sinceNanos;
  private long nextSlot;
  private long lastHeartbeatNanos;
  private long lastRetransmitNanos;

  /**
   * Starts a term under {@code ballot}, with every slot below {@code nextSlot} either chosen or about
   * to be proposed by {@link #start}. Every member counts as heard from now.
   */
  LeaderPipeline(Self self, Router router, SlotLog log, Learner learner, Ballot ballot, long nextSlot, long nowNanos) {
    Ensure.that(ballot.replicaId() == self.id(), "a leader proposes under its own ballot");
    Ensure.that(nextSlot > learner.chosenUpTo(), "a new term starts above the chosen prefix");
    this.self = self;
    this.router = router;
    this.log = log;
    this.learner = learner;
    this.ballot = ballot;
    this.nextSlot = nextSlot;
    this.sinceNanos = nowNanos;
    this.lastHeartbeatNanos = nowNanos;
    this.lastRetransmitNanos = nowNanos;
    this.lastAckNanos = new long[self.size()];
    for (int i = 0; i < lastAckNanos.length; i++) {
      lastAckNanos[i] = nowNanos;
    }
  }

  Ballot ballot() {
    return ballot;
  }

  /** The next slot this leader will fill. */
  long nextSlot() {
    return nextSlot;
  }

  /** Commands waiting for a slot. */
  int pendingCommands() {
    return pending.size();
  }

  /** Sends the first proposals of the term (re-proposals and no-ops) and announces the term. */
  void start(long firstSlot, List<Batch> batches, long nowNanos) {
    if (!batches.isEmpty()) {
      sendAccepts(firstSlot, batches);
    }
    broadcastHeartbeat(nowNanos);
  }

  Replica.ProposeResult propose(byte[] command) {
    if (pending.size() >= self.config().pendingCommandsMax()) {
      return Replica.ProposeResult.FULL;
    }
    pending.addLast(command);
    return Replica.ProposeResult.QUEUED;
  }

  /** Ends the term: the commands that never got a slot, in the order they were proposed. */
  List<byte[]> takePending() {
    List<byte[]> out = new ArrayList<>(pending);
    pending.clear();
    return out;
  }

  /** {@code from} answered this term (an Accepted or a heartbeat ack under its ballot). */
  void noteAck(int from, Ballot at, long nowNanos) {
    if (at.equals(ballot)) {
      lastAckNanos[self.indexOf(from)] = nowNanos;
    }
  }

  /**
   * Whether this leader has heard from less than a quorum (itself included) for an election timeout,
   * after leading at least that long. It should then stop refusing other candidates, so the majority
   * side can move on.
   */
  boolean lostQuorum(long nowNanos) {
    long timeout = self.config().electionTimeoutNanos();
    int recent = 1;
    int[] members = self.members();
    for (int i = 0; i < members.length; i++) {
      if (members[i] != self.id() && nowNanos - lastAckNanos[i] < timeout) {
        recent++;
      }
    }
    return recent < self.quorum() && nowNanos - sinceNanos >= timeout;
  }

  /** Heartbeats and retransmissions, each when its interval has passed. */
  void tick(long nowNanos) {
    if (nowNanos - lastHeartbeatNanos >= self.config().heartbeatNanos()) {
      broadcastHeartbeat(nowNanos);
    }
    if (nowNanos - lastRetransmitNanos >= self.config().retransmitNanos()) {
      retransmitAccepts(nowNanos);
    }
  }

  private void broadcastHeartbeat(long nowNanos) {
    lastHeartbeatNanos = nowNanos;
    for (int member : self.members()) {
      if (member != self.id()) {
        router.route(new Message.Heartbeat(self.groupId(), self.id(), member, ballot, learner.chosenUpTo()));
      }
    }
  }

  /** Gives queued commands slots, as far as the pipeline window allows. */
  void assignSlots() {
    if (pending.isEmpty()) {
      return;
    }
    PaxosConfig config = self.config();
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
    Ensure.that(firstSlot > 0, "slots start at 1");
    Ensure.that(firstSlot + batches.size() <= nextSlot, "Accepts only for slots this term assigned");
    int acceptSlotsMax = self.config().acceptSlotsMax();
    for (int offset = 0; offset < batches.size(); offset += acceptSlotsMax) {
      List<Batch> chunk = List.copyOf(batches.subList(offset, Math.min(batches.size(), offset + acceptSlotsMax)));
      for (int member : self.members()) {
        router.route(new Message.Accept(
            self.groupId(), self.id(), member, ballot, firstSlot + offset, chunk, learner.chosenUpTo()));
      }
    }
  }

  /** Resends the leader's in-flight entries to members whose Accepted it has not seen. */
  private void retransmitAccepts(long nowNanos) {
    lastRetransmitNanos = nowNanos;
    int acceptSlotsMax = self.config().acceptSlotsMax();
    int[] members = self.members();
    for (int i = 0; i < members.length; i++) {
      int member = members[i];
      if (member == self.id()) {
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
          if (run.size() < acceptSlotsMax) {
            continue;
          }
        }
        if (runStart >= 0) {
          Marks.hit("paxos.accept-retransmitted");
          router.route(new Message.Accept(
              self.groupId(), self.id(), member, ballot, runStart, List.copyOf(run), learner.chosenUpTo()));
          runStart = -1;
          run.clear();
        }
      }
    }
  }
}
