package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * The learner of one replica: which slots are chosen (Paxos Made Simple §2.3, with Accepted sent to
 * every replica), up to where the host has been handed them, catch-up from peers when this replica
 * is behind, and the snapshot it serves to peers behind its trimmed log or installs from one.
 *
 * <p>A slot counts as chosen here only once its value is in the log: a quorum of Accepted for a
 * ballot whose value this replica never accepted leaves the slot "chosen without value" until an
 * Accept or a catch-up reply brings the value. The chosen flags live in the log the learner shares
 * with the {@link Acceptor}.
 */
final class Learner {
  private static final long LONG_AGO = Long.MIN_VALUE / 4;

  private final Self self;
  private final Effects effects;
  private final Router router;
  private final SlotLog log;

  private long chosenUpTo;
  private long appliedUpTo;
  private long chosenHintPersisted;
  private long chosenTarget;
  private final HashMap<Long, Votes> votes = new HashMap<>();
  private final TreeMap<Long, Ballot> chosenWithoutValue = new TreeMap<>();
  private long lastCatchUpNanos = LONG_AGO;
  private int catchUpAttempt;

  private SnapshotHandle snapshot;
  private byte[] snapshotData;
  private Ready.SnapshotInstall pendingInstall;

  /**
   * Starts from what the host found on disk, over the acceptor's {@code log}: the persisted chosen hint
   * says which entries are chosen, and those entries hold the chosen values.
   */
  Learner(Self self, Effects effects, Router router, SlotLog log, DurableState durable, long appliedUpTo) {
    this.self = self;
    this.effects = effects;
    this.router = router;
    this.log = log;
    this.snapshot = durable.snapshot();
    this.snapshotData = durable.snapshotData();
    Ensure.that(log.start() == snapshot.slot() + 1, "the log must start right above the snapshot");
    this.chosenUpTo = snapshot.slot();
    for (long slot = snapshot.slot() + 1; slot <= durable.chosenUpTo() && log.get(slot) != null; slot++) {
      log.markChosen(slot);
      chosenUpTo = slot;
    }
    Ensure.argument(appliedUpTo >= snapshot.slot(), "appliedUpTo below the snapshot");
    Ensure.argument(appliedUpTo <= chosenUpTo, "appliedUpTo beyond what the log proves chosen");
    this.appliedUpTo = appliedUpTo;
    this.chosenHintPersisted = chosenUpTo;
    this.chosenTarget = chosenUpTo;
  }

  /** Every slot ≤ this is chosen and its value is in the log. */
  long chosenUpTo() {
    return chosenUpTo;
  }

  /** Every slot ≤ this has been handed to the host for applying. */
  long appliedUpTo() {
    return appliedUpTo;
  }

  SnapshotHandle snapshot() {
    return snapshot;
  }

  // ---------------------------------------------------------------- votes

  /** Counts an Accepted: a slot is chosen once a quorum accepted it under one ballot. */
  void onAccepted(Message.Accepted m) {
    int index = self.indexOf(m.from());
    long end = m.firstSlot() + m.count();
    for (long slot = Math.max(m.firstSlot(), chosenUpTo + 1); slot < end; slot++) {
      if (log.isChosen(slot)) {
        continue;
      }
      Votes v = votes.get(slot);
      if (v == null) {
        v = new Votes(m.ballot());
        votes.put(slot, v);
      }
      if (v.add(m.ballot(), index) && Quorum.reached(v.members(), self.quorum())) {
        votes.remove(slot);
        chosenAt(slot, v.ballot());
      }
    }
  }

  /** Whether the member at {@code memberIndex} is known to have accepted {@code slot} under {@code at}. */
  boolean acceptedBy(long slot, Ballot at, int memberIndex) {
    Votes v = votes.get(slot);
    return v != null && v.ballot().equals(at) && v.has(memberIndex);
  }

  /** A quorum accepted slot {@code slot} under {@code at}: the value this replica accepted there, if any. */
  private void chosenAt(long slot, Ballot at) {
    if (slot < log.start() || slot <= chosenUpTo) {
      return;
    }
    Entry entry = log.get(slot);
    if (entry != null && entry.ballot().equals(at)) {
      markChosen(slot);
    } else {
      Marks.hit("paxos.chosen-without-value");
      chosenWithoutValue.put(slot, at);
      noteChosenTarget(slot);
    }
  }

  /**
   * The acceptor just stored a value for {@code slot} under {@code at}. If a quorum was already seen
   * to accept that slot under {@code at}, this is the chosen value.
   */
  void valueStored(long slot, Ballot at) {
    Entry entry = log.get(slot);
    Ensure.that(entry != null, "slot %d: no value stored", slot);
    Ensure.that(entry.ballot().equals(at), "slot %d: the stored value is not under %s", slot, at);
    Ballot chosenAt = chosenWithoutValue.get(slot);
    if (chosenAt != null && chosenAt.equals(at)) {
      chosenWithoutValue.remove(slot);
      markChosen(slot);
    }
  }

  /**
   * The leader of {@code at} knows every slot ≤ {@code commitUpTo} is chosen. An entry accepted under
   * {@code at} holds the value that leader proposed, which for a chosen slot is the chosen value.
   * {@code leaderId} is the leader this replica follows, for the coverage mark only.
   */
  void learnCommit(long commitUpTo, Ballot at, int from, int leaderId) {
    noteChosenTarget(commitUpTo);
    long last = Math.min(commitUpTo, log.end() - 1);
    for (long slot = chosenUpTo + 1; slot <= last; slot++) {
      Entry entry = log.get(slot);
      if (entry != null && !log.isChosen(slot) && entry.ballot().equals(at)) {
        markChosen(slot);
      }
    }
    if (from != self.id() && commitUpTo > chosenUpTo && leaderId == from) {
      Marks.hit("paxos.behind-leader-commit");
    }
  }

  private void markChosen(long slot) {
    log.markChosen(slot);
    votes.remove(slot);
    while (log.isChosen(chosenUpTo + 1)) {
      chosenUpTo++;
    }
    if (!chosenWithoutValue.isEmpty()) {
      chosenWithoutValue.headMap(chosenUpTo, true).clear();
    }
  }

  /** Some peer knows every slot ≤ {@code slot} is chosen: catch up to it if this replica is behind. */
  void noteChosenTarget(long slot) {
    chosenTarget = Math.max(chosenTarget, slot);
  }

  // ---------------------------------------------------------------- catch-up

  /**
   * Asks a peer for chosen entries if some peer is known to be ahead and no request went out for a
   * retransmit interval. Tries alternate between the leader {@code leaderId} (when known) and the
   * members in turn, so one dead or lagging peer cannot stall catch-up.
   */
  void maybeCatchUp(long nowNanos, int leaderId) {
    if (chosenTarget <= chosenUpTo || nowNanos - lastCatchUpNanos < self.config().retransmitNanos()) {
      return;
    }
    int[] members = self.members();
    int peer;
    catchUpAttempt++;
    if (leaderId != 0 && leaderId != self.id() && catchUpAttempt % 2 == 0) {
      peer = leaderId;
    } else {
      peer = members[Math.floorMod(catchUpAttempt, members.length)];
      if (peer == self.id()) {
        peer = members[Math.floorMod(catchUpAttempt + 1, members.length)];
      }
    }
    if (peer != self.id()) {
      requestCatchUp(peer, nowNanos);
    }
  }

  /** Asks {@code peer} for the chosen entries after this replica's chosen prefix. */
  void requestCatchUp(int peer, long nowNanos) {
    lastCatchUpNanos = nowNanos;
    Marks.hit("paxos.catch-up-requested");
    router.route(new Message.CatchUpRequest(
        self.groupId(), self.id(), peer, chosenUpTo + 1, self.config().catchUpSlotsMax()));
  }

  /**
   * Serves chosen entries from the log, or the snapshot when the asker is behind the log's start.
   * Only chosen entries leave, so this is safe even while this replica rebuilds.
   */
  void onCatchUpRequest(Message.CatchUpRequest m) {
    if (m.fromSlot() < log.start()) {
      if (snapshot.slot() >= m.fromSlot()) {
        Marks.hit("paxos.snapshot-sent");
        router.route(new Message.InstallSnapshot(self.groupId(), self.id(), m.from(), snapshot, snapshotData));
      }
      return;
    }
    int max = Math.min(Math.max(m.maxSlots(), 1), self.config().catchUpSlotsMax());
    ArrayList<Entry> chosen = new ArrayList<>();
    for (long slot = m.fromSlot(); slot <= chosenUpTo && chosen.size() < max; slot++) {
      Entry entry = log.get(slot);
      Ensure.that(entry != null, "chosen slot %d has no entry", slot);
      chosen.add(entry);
    }
    if (!chosen.isEmpty()) {
      router.route(new Message.CatchUpReply(self.groupId(), self.id(), m.from(), chosen));
    }
  }

  /** Stores and marks chosen every entry of the reply this replica did not know was chosen. */
  void onCatchUpReply(Message.CatchUpReply m) {
    for (Entry entry : m.chosen()) {
      long slot = entry.slot();
      if (slot <= chosenUpTo || slot < log.start()) {
        continue;
      }
      Entry existing = log.get(slot);
      if (log.isChosen(slot)) {
        Ensure.that(existing.batch().equals(entry.batch()), "catch-up: slot %d chosen twice differently", slot);
        continue;
      }
      // Storing a chosen value is safe even over a different, lower-ballot acceptance: any proposer
      // that later reads it from this acceptor must propose that value anyway.
      if (existing == null || !existing.equals(entry)) {
        log.put(entry);
        effects.persistEntry(entry);
      }
      Marks.hit("paxos.caught-up");
      markChosen(slot);
    }
  }

  // ---------------------------------------------------------------- snapshots

  /** Whether a peer's snapshot at {@code handle} covers slots this replica does not know are chosen. */
  boolean isAhead(SnapshotHandle handle) {
    return handle.slot() > chosenUpTo;
  }

  /**
   * Installs a peer's snapshot: the host restores its state machine from it (see {@link #takeInstall}),
   * the log is trimmed below it and the chosen prefix continues from its slot.
   */
  void installSnapshot(Message.InstallSnapshot m) {
    long slot = m.handle().slot();
    Ensure.that(slot > chosenUpTo, "snapshot at %d is not ahead of the chosen prefix %d", slot, chosenUpTo);
    snapshot = m.handle();
    snapshotData = m.data();
    pendingInstall = new Ready.SnapshotInstall(m.handle(), m.data());
    log.trimBelow(slot + 1);
    votes.keySet().removeIf(s -> s <= slot);
    chosenWithoutValue.headMap(slot, true).clear();
    chosenUpTo = slot;
    appliedUpTo = slot;
    while (log.isChosen(chosenUpTo + 1)) {
      chosenUpTo++;
    }
    effects.persistTrimBelow(slot + 1);
    effects.persistChosenUpTo(slot);
    chosenHintPersisted = Math.max(chosenHintPersisted, slot);
  }

  /** The host stored a snapshot after applying {@code slot}: serve it, and trim the log below the retained tail. */
  void snapshotTaken(long slot, byte[] data) {
    Ensure.argument(slot <= appliedUpTo, "a snapshot can only cover applied slots");
    Ensure.argument(slot >= snapshot.slot(), "snapshots must not go backwards");
    snapshot = new SnapshotHandle(slot, self.config().configuration());
    snapshotData = Ensure.notNull(data, "data");
    long trimBelow = slot - self.config().retainSlots() + 1;
    if (trimBelow > log.start()) {
      log.trimBelow(trimBelow);
      effects.persistTrimBelow(trimBelow);
      Marks.hit("paxos.log-trimmed");
    }
  }

  // ---------------------------------------------------------------- handing out

  /**
   * Puts the chosen prefix into the open persist request when it rides along with durable content
   * anyway, or when it has fallen a whole pipeline window behind. Losing the hint is safe: it only
   * saves relearning chosen slots after a restart.
   */
  void maybePersistChosenHint() {
    if (chosenUpTo > chosenHintPersisted
        && (effects.openHasDurableContent()
            || chosenUpTo - chosenHintPersisted >= self.config().inflightSlotsMax())) {
      effects.persistChosenUpTo(chosenUpTo);
      chosenHintPersisted = chosenUpTo;
    }
  }

  /** The snapshot to install before applying anything else, if one arrived since the last call. */
  Ready.SnapshotInstall takeInstall() {
    Ready.SnapshotInstall install = pendingInstall;
    pendingInstall = null;
    return install;
  }

  /** Some peer is known to have chosen every slot ≤ this. */
  long chosenTarget() {
    return chosenTarget;
  }

  /**
   * The chosen entries up to {@code visibleUpTo} not yet handed to the host, in slot order; they count
   * as applied from now.
   */
  List<Entry> takeChosen(long visibleUpTo) {
    long last = Math.min(chosenUpTo, visibleUpTo);
    if (last <= appliedUpTo) {
      return List.of();
    }
    ArrayList<Entry> out = new ArrayList<>((int) (last - appliedUpTo));
    for (long slot = appliedUpTo + 1; slot <= last; slot++) {
      Entry entry = log.get(slot);
      if (entry == null || !log.isChosen(slot)) {
        throw new Ensure.InvariantViolation("slot " + slot + " below chosenUpTo is not chosen");
      }
      out.add(entry);
    }
    appliedUpTo = last;
    return out;
  }
}
