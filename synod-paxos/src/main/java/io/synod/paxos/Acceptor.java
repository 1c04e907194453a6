package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;

/**
 * The acceptor of one replica (Paxos Made Simple §2.2, with phase 1 for every slot at once): the
 * ballot it promised and the log of values it accepted, and its answers to Prepare, Accept and
 * rebuild requests.
 *
 * <p>The acceptor decides only whether a ballot may act on it and what it stores and reports; what a
 * promise or an Accept means for this replica's own campaign or leadership is the {@link Replica}'s
 * business, which calls these steps in order. The log is shared with the {@link Learner}, which marks
 * slots chosen in it: a chosen value is always stored here as an accepted entry.
 */
final class Acceptor {
  private final Self self;
  private final Effects effects;
  private final Router router;
  private final SlotLog log;
  private Ballot promised;

  /** Starts from what the host found on disk: the promise, and every accepted entry above the snapshot. */
  Acceptor(Self self, Effects effects, Router router, DurableState durable) {
    this.self = self;
    this.effects = effects;
    this.router = router;
    Ensure.argument(!durable.forgotten() || durable.entries().isEmpty(), "a forgotten state holds no entries");
    this.promised = Ensure.notNull(durable.promised(), "promised");
    this.log = new SlotLog(durable.snapshot().slot() + 1);
    for (Entry entry : durable.entries()) {
      if (entry.slot() > durable.snapshot().slot()) {
        log.put(entry);
      }
    }
  }

  Ballot promised() {
    return promised;
  }

  /** The accepted entries, with the chosen flags the learner sets on them. */
  SlotLog log() {
    return log;
  }

  /**
   * Whether a Prepare, Accept or Heartbeat under {@code ballot} may act on this acceptor: only if the
   * ballot is not below its promise. Otherwise it answers {@code from} with a Nack naming the promise,
   * so the sender learns which ballot to go above.
   */
  boolean admits(Ballot ballot, int from) {
    if (ballot.compareTo(promised) < 0) {
      router.route(new Message.Nack(self.groupId(), self.id(), from, ballot, promised));
      return false;
    }
    return true;
  }

  /**
   * Promises {@code ballot} for every slot if it is above the current promise. The promise goes into
   * the open persist request; whatever vouches for it leaves through {@link Router#routeAfterPersist}.
   */
  void promiseAtLeast(Ballot ballot) {
    if (ballot.greaterThan(promised)) {
      promised = ballot;
      effects.persistPromised(promised);
    }
  }

  /**
   * Phase 1b: reports to the candidate every entry accepted from its {@code fromSlot} on (or from the
   * log start, when trimmed: {@code logStart} tells the candidate the report is incomplete). The
   * Promise leaves only once the promise is durable.
   */
  void sendPromise(Message.Prepare m, long chosenUpTo) {
    Ensure.that(m.ballot().equals(promised), "a Promise for %s, but %s is promised", m.ballot(), promised);
    long from = Math.max(m.fromSlot(), log.start());
    ArrayList<Entry> accepted = new ArrayList<>();
    for (long slot = from; slot < log.end(); slot++) {
      Entry entry = log.get(slot);
      if (entry != null) {
        accepted.add(entry);
      }
    }
    Message.Promise promise = new Message.Promise(
        self.groupId(), self.id(), m.from(), m.ballot(), m.fromSlot(), log.start(), chosenUpTo, accepted);
    if (self.planted(Fault.PROMISE_BEFORE_DURABLE)) {
      router.route(promise); // Planted bug (simulator tests only): the promise may not be durable yet.
    } else {
      router.routeAfterPersist(promise);
    }
  }

  /**
   * Phase 2b: stores the Accept's values under its ballot, which this acceptor has already promised,
   * and sends Accepted to every replica (once durable) for each run of slots it now holds under that
   * ballot. A value whose slot the learner knows was chosen under this ballot, without the value, is
   * handed to {@code learner} as soon as it is stored.
   */
  void accept(Message.Accept m, Learner learner) {
    if (!self.planted(Fault.ACCEPT_BELOW_PROMISE)) {
      Ensure.that(m.ballot().equals(promised), "an Accept under %s, but %s is promised", m.ballot(), promised);
    }
    long first = Math.max(m.firstSlot(), log.start());
    long end = m.firstSlot() + m.batches().size();
    // Accepted goes out for each run of slots this replica now holds under the ballot.
    long runStart = -1;
    for (long slot = first; slot < end; slot++) {
      Batch batch = m.batches().get((int) (slot - m.firstSlot()));
      Entry existing = log.get(slot);
      boolean holds = true;
      if (existing != null && existing.ballot().equals(m.ballot())) {
        Ensure.that(existing.batch().equals(batch), "slot %d: two values under ballot %s", slot, m.ballot());
      } else if (log.isChosen(slot) && !existing.batch().equals(batch)) {
        // A stale Accept: its ballot lost the slot to a later one whose value this replica learned
        // by catch-up without promising that later ballot. It must not vote for the other value.
        Marks.hit("paxos.stale-accept-for-chosen-slot");
        holds = false;
      } else {
        Entry entry = new Entry(slot, m.ballot(), batch);
        log.put(entry);
        effects.persistEntry(entry);
        learner.valueStored(slot, m.ballot());
      }
      if (holds && runStart < 0) {
        runStart = slot;
      }
      if (runStart >= 0 && (!holds || slot == end - 1)) {
        long runEnd = holds ? slot + 1 : slot;
        for (int member : self.members()) {
          Message.Accepted accepted = new Message.Accepted(
              self.groupId(), self.id(), member, m.ballot(), runStart, (int) (runEnd - runStart));
          if (self.planted(Fault.ACCEPTED_BEFORE_DURABLE)) {
            router.route(accepted); // Planted bug (simulator tests only): the entries may not be durable yet.
          } else {
            router.routeAfterPersist(accepted);
          }
        }
        runStart = -1;
      }
    }
  }

  /**
   * Answers a rebuilding replica with this acceptor's promise, its chosen prefix and the highest slot
   * it holds an entry for. The reply vouches for the promise and the log: it leaves once they are
   * durable.
   */
  void sendRebuildReply(Message.RebuildRequest m, long chosenUpTo) {
    long lastSlot = Math.max(chosenUpTo, log.end() - 1);
    router.routeAfterPersist(
        new Message.RebuildReply(self.groupId(), self.id(), m.from(), promised, chosenUpTo, lastSlot));
  }
}
