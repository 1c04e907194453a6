package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * One campaign of a replica: phase 1 (Paxos Made Simple §2.2) under one ballot for every slot from
 * {@code fromSlot} on. Created when the replica starts an election and discarded when it wins (its
 * promises then decide what the new leader proposes first), steps down, or campaigns again.
 */
final class Candidacy {
  /** What a new leader proposes first: {@code batches} for the slots from {@code firstSlot} on. */
  record Proposals(long firstSlot, List<Batch> batches, long nextSlot) {}

  private final Self self;
  private final Router router;
  private final Ballot ballot;
  private final long fromSlot;
  private final TreeMap<Integer, Message.Promise> promises = new TreeMap<>();
  private long lastPrepareNanos;

  /** {@code fromSlot} is one past what the candidate knows is chosen. */
  Candidacy(Self self, Router router, Ballot ballot, long fromSlot, long nowNanos) {
    Ensure.that(ballot.replicaId() == self.id(), "a candidate campaigns under its own ballot");
    Ensure.that(fromSlot >= 1, "slots start at 1");
    this.self = self;
    this.router = router;
    this.ballot = ballot;
    this.fromSlot = fromSlot;
    this.lastPrepareNanos = nowNanos;
  }

  Ballot ballot() {
    return ballot;
  }

  long fromSlot() {
    return fromSlot;
  }

  /** Phase 1a to every member, this replica included. */
  void sendPrepares() {
    for (int member : self.members()) {
      router.route(new Message.Prepare(self.groupId(), self.id(), member, ballot, fromSlot));
    }
  }

  boolean prepareDue(long nowNanos) {
    return nowNanos - lastPrepareNanos >= self.config().retransmitNanos();
  }

  /** Sends Prepare again to every member whose promise has not arrived. */
  void resendPrepares(long nowNanos) {
    lastPrepareNanos = nowNanos;
    for (int member : self.members()) {
      if (!promises.containsKey(member)) {
        router.route(new Message.Prepare(self.groupId(), self.id(), member, ballot, fromSlot));
      }
    }
  }

  /** Whether {@code m} answers this campaign's Prepare (and not an earlier one of this replica). */
  boolean answers(Message.Promise m) {
    return m.ballot().equals(ballot) && m.fromSlot() == fromSlot;
  }

  /**
   * Counts a complete promise; returns whether a quorum has promised. A promise whose acceptor
   * trimmed slots from {@code fromSlot} on is incomplete and must not be counted.
   */
  boolean count(Message.Promise m) {
    Ensure.that(answers(m), "a promise for another campaign");
    Ensure.that(m.logStart() <= fromSlot, "an incomplete promise must not be counted");
    promises.put(m.from(), m);
    return promises.size() >= self.quorum();
  }

  /**
   * What the new leader proposes first, from a quorum of promises: for every slot from
   * {@code fromSlot} up to the highest one any promise (or this replica's log) reports, the chosen
   * value if this replica knows it, else the value of the highest ballot any promise reported (Paxos
   * Made Simple §2.2, P2c), else a no-op: no report means nothing can have been chosen there.
   */
  Proposals proposals(SlotLog log, long chosenUpTo, boolean skipRepropose) {
    Ensure.that(promises.size() >= self.quorum(), "proposals need a quorum of promises");
    long maxSlot = Math.max(chosenUpTo, log.end() - 1);
    for (Message.Promise promise : promises.values()) {
      for (Entry entry : promise.accepted()) {
        maxSlot = Math.max(maxSlot, entry.slot());
      }
    }
    HashMap<Long, Entry> highest = new HashMap<>();
    for (Message.Promise promise : promises.values()) {
      for (Entry entry : promise.accepted()) {
        Entry best = highest.get(entry.slot());
        if (best == null || entry.ballot().greaterThan(best.ballot())) {
          highest.put(entry.slot(), entry);
        }
      }
    }
    ArrayList<Batch> batches = new ArrayList<>();
    for (long slot = fromSlot; slot <= maxSlot; slot++) {
      Batch value;
      if (log.isChosen(slot)) {
        value = log.get(slot).batch();
      } else if (highest.containsKey(slot) && !skipRepropose) {
        value = highest.get(slot).batch();
        Marks.hit("paxos.reproposed");
      } else {
        value = Batch.NOOP;
        Marks.hit("paxos.gap-filled-noop");
      }
      batches.add(value);
    }
    return new Proposals(fromSlot, batches, Math.max(maxSlot + 1, fromSlot));
  }
}
