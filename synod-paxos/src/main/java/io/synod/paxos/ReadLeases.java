package io.synod.paxos;

import io.synod.common.Marks;
import java.util.Arrays;

/**
 * The read-lease part of a replica (docs/READ-LEASES.md): as holder, the promises it asked every peer
 * for and got; as grantor, until when it honours the promise it gave each peer; and the progress
 * every replica reported (accepted prefix, vouched slot), from which it decides which chosen slots are
 * visible and may be applied.
 *
 * <p>Times are this replica's monotonic clock. Promises are not durable: a new instance starts with
 * none held and treats every peer as a holder it may be obliged to until one obligation period has
 * passed since it started.
 */
final class ReadLeases {
  private static final long NEVER = Long.MIN_VALUE / 4;
  /** Requests in a row that must disagree (agree) before a holder's clock counts as out of (back in) bounds. */
  private static final int CLOCK_STREAK = 3;

  private final Self self;
  private final Router router;
  private final ReadLeaseConfig config;
  private final long incarnation;
  private final long holdNanos;
  /** Until this time every peer counts as a holder this replica may be obliged to (it forgot its promises). */
  private final long restartWindowEnd;

  // As holder, per member index.
  private long requestNumber;
  private long lastRenewNanos = NEVER;
  private final long[] sentNumber;
  private final long[] sentAt;
  private final long[] expiry;
  private final long[] grantAccepted;

  // As grantor, per member index.
  private final long[] obligedUntil;
  /**
   * Clock comparison with each holder (docs/READ-LEASES.md, "Clocks beyond the bound"): the request
   * that arrived soonest after the holder's clock reading (the smallest receipt-minus-reading
   * offset), how long the current streak of requests against the holder's standing is, and whether
   * the holder's clock is found outside the bound (it then gets no promises).
   */
  private final long[] clockBaseReceived;
  private final long[] clockBaseReading;
  private final int[] clockDisagreements;
  private final boolean[] clockFault;

  // Progress reported by peers, per member index.
  private final long[] peerIncarnation;
  private final long[] peerPrefix;
  private final long[] peerVouched;
  private final long[] toldPrefix;
  private final long[] toldVouched;

  /** This replica's position in the configuration. */
  private final int selfIndex;
  /** Room to sort per-member values in, so the visibility and lease checks allocate nothing. */
  private final long[] scratch;

  // This replica's own progress.
  private long prefix;
  private long vouched;
  private long visibleUpTo;

  ReadLeases(Self self, Router router, long incarnation, long nowNanos, long startPrefix) {
    this.self = self;
    this.router = router;
    this.config = self.config().readLeases();
    this.incarnation = incarnation;
    this.holdNanos = config.holdNanos();
    this.restartWindowEnd = nowNanos + holdNanos;
    int n = self.size();
    selfIndex = self.indexOf(self.id());
    scratch = new long[n];
    sentNumber = new long[n];
    sentAt = filled(n, NEVER);
    expiry = filled(n, NEVER);
    grantAccepted = new long[n];
    obligedUntil = filled(n, NEVER);
    clockBaseReceived = filled(n, NEVER);
    clockBaseReading = new long[n];
    clockDisagreements = new int[n];
    clockFault = new boolean[n];
    peerIncarnation = new long[n];
    peerPrefix = new long[n];
    peerVouched = new long[n];
    toldPrefix = new long[n];
    toldVouched = new long[n];
    prefix = startPrefix;
    vouched = 0;
    visibleUpTo = startPrefix;
  }

  private static long[] filled(int n, long value) {
    long[] array = new long[n];
    Arrays.fill(array, value);
    return array;
  }

  // ---------------------------------------------------------------- own progress

  /** Every slot ≤ the result is accepted here or known chosen. */
  long prefix() {
    return prefix;
  }

  long vouched() {
    return vouched;
  }

  /** Advances the accepted prefix over what the log holds now. */
  void advancePrefix(SlotLog log, long chosenUpTo) {
    prefix = Math.max(prefix, Math.max(log.start() - 1, chosenUpTo));
    while (log.get(prefix + 1) != null) {
      prefix++;
    }
  }

  /**
   * Vouches for what it can, then returns the highest slot ≤ {@code chosenUpTo} known visible: every
   * replica accepted it, or a quorum vouched for it.
   */
  long visibleUpTo(long chosenUpTo, long nowNanos) {
    long canVouch = prefix;
    boolean restarting = nowNanos < restartWindowEnd;
    long everyone = prefix;
    for (int i = 0; i < peerPrefix.length; i++) {
      if (i == selfIndex) {
        continue;
      }
      everyone = Math.min(everyone, peerPrefix[i]);
      // Planted bug (simulator tests only): VOUCH_WITHOUT_HOLDERS ignores every obligation.
      if ((restarting || nowNanos < obligedUntil[i]) && !self.planted(Fault.VOUCH_WITHOUT_HOLDERS)) {
        canVouch = Math.min(canVouch, peerPrefix[i]);
      }
    }
    if (canVouch > vouched) {
      vouched = canVouch;
    }
    long[] votes = scratch;
    System.arraycopy(peerVouched, 0, votes, 0, votes.length);
    votes[selfIndex] = vouched;
    Arrays.sort(votes);
    long byQuorum = votes[votes.length - self.quorum()];
    long visible = Math.min(chosenUpTo, Math.max(everyone, byQuorum));
    if (visible > visibleUpTo) {
      visibleUpTo = visible;
    }
    if (chosenUpTo > visibleUpTo) {
      Marks.hit("paxos.chosen-not-yet-visible");
    }
    return visibleUpTo;
  }

  /**
   * Tells every peer whose view of this replica's accepted prefix is behind, and, with
   * {@code vouchedToo} (once per tick), also every peer whose view of its vouched slot is. Vouches
   * matter while some holder has stopped answering: with every replica keeping up, each one's
   * prefix reaches every peer directly, a hop before vouches that depend on it would. So they wait
   * for the tick instead of costing every write a second message to each peer.
   */
  void sendProgress(boolean vouchedToo) {
    int[] members = self.members();
    for (int i = 0; i < members.length; i++) {
      if (i == selfIndex || (prefix <= toldPrefix[i] && (!vouchedToo || vouched <= toldVouched[i]))) {
        continue;
      }
      toldPrefix[i] = prefix;
      toldVouched[i] = vouched;
      router.route(new Message.Progress(self.groupId(), self.id(), members[i], incarnation, prefix, vouched));
    }
  }

  // ---------------------------------------------------------------- holder

  /** Asks every peer for a fresh promise once per renewal interval, while this replica is caught up. */
  void tick(long nowNanos, boolean caughtUp) {
    if (!caughtUp || nowNanos - lastRenewNanos < config.renewNanos()) {
      return;
    }
    lastRenewNanos = nowNanos;
    requestNumber++;
    int[] members = self.members();
    for (int i = 0; i < members.length; i++) {
      if (i == selfIndex) {
        continue;
      }
      sentNumber[i] = requestNumber;
      sentAt[i] = nowNanos;
      router.route(new Message.LeaseRequest(
          self.groupId(), self.id(), members[i], incarnation, requestNumber, prefix, nowNanos));
    }
  }

  /** A promise: valid from the request's sending for D, once the grantor's accepted slot is applied. */
  void onGrant(Message.LeaseGrant m) {
    int i = self.indexOf(m.from());
    if (m.number() != sentNumber[i]) {
      Marks.hit("paxos.lease-grant-stale");
      return;
    }
    expiry[i] = sentAt[i] + config.durationNanos();
    grantAccepted[i] = m.accepted();
  }

  /**
   * Until when, on this replica's clock, a majority of promises (its own included) lets it answer
   * reads from a state that has applied {@code appliedUpTo}; {@link Long#MIN_VALUE} if none does.
   */
  long validUntil(long appliedUpTo, long nowNanos) {
    int needed = self.quorum() - 1;
    if (needed <= 0) {
      return Long.MAX_VALUE;
    }
    long[] usable = scratch;
    int count = 0;
    for (int i = 0; i < expiry.length; i++) {
      if (i != selfIndex && expiry[i] > nowNanos && grantAccepted[i] <= appliedUpTo) {
        usable[count++] = expiry[i];
      }
    }
    if (count < needed) {
      return Long.MIN_VALUE;
    }
    Arrays.sort(usable, 0, count);
    return usable[count - needed];
  }

  // ---------------------------------------------------------------- grantor

  /** Grants {@code m}'s sender a promise and starts honouring it, unless its clock is out of bounds. */
  void onRequest(Message.LeaseRequest m, long nowNanos, long highestAccepted) {
    int i = self.indexOf(m.from());
    boolean newIncarnation = m.incarnation() > peerIncarnation[i];
    noteProgress(i, m.incarnation(), m.prefix(), 0);
    if (newIncarnation) {
      clockBaseReceived[i] = NEVER;
      clockDisagreements[i] = 0;
      clockFault[i] = false;
    }
    if (m.incarnation() < peerIncarnation[i] || !clockWithinBound(i, m.clockNanos(), nowNanos)) {
      return;
    }
    obligedUntil[i] = nowNanos + holdNanos;
    router.route(new Message.LeaseGrant(self.groupId(), self.id(), m.from(), incarnation, m.number(), highestAccepted));
  }

  /**
   * Compares the holder's clock with this replica's over the time since the request that arrived
   * soonest after its reading: the two elapsed times may differ by the drift both clocks are allowed
   * plus the change in delay (the jitter bound). A holder whose clock runs slow against this one, or
   * this one's running fast, shows as a growing difference; three disagreeing requests in a row and
   * the holder gets no promises from this replica until three in a row agree again. A clock running
   * the other way only makes promises end sooner than they could, which is safe.
   */
  private boolean clockWithinBound(int i, long reading, long nowNanos) {
    long offset = nowNanos - reading;
    boolean agrees;
    if (clockBaseReceived[i] == NEVER || offset < clockBaseReceived[i] - clockBaseReading[i]) {
      clockBaseReceived[i] = nowNanos;
      clockBaseReading[i] = reading;
      agrees = true;
    } else {
      long elapsed = nowNanos - clockBaseReceived[i];
      long difference = offset - (clockBaseReceived[i] - clockBaseReading[i]);
      agrees = difference <= 2 * config.rho() * elapsed + config.jitterNanos();
    }
    // A streak decides, either way: one late request (a pause, a slow link) proves nothing, and a
    // holder found out of bounds gets promises again only after as many requests agreeing again.
    if (agrees == clockFault[i]) {
      if (++clockDisagreements[i] >= CLOCK_STREAK) {
        clockFault[i] = !agrees;
        clockDisagreements[i] = 0;
        if (clockFault[i]) {
          Marks.hit("paxos.lease-clock-out-of-bound");
        }
      }
    } else {
      clockDisagreements[i] = 0;
    }
    return !clockFault[i];
  }

  /** Whether this replica found {@code member}'s clock outside the drift bound and stopped granting to it. */
  boolean clockFault(int member) {
    return clockFault[self.indexOf(member)];
  }

  void onProgress(Message.Progress m) {
    noteProgress(self.indexOf(m.from()), m.incarnation(), m.prefix(), m.vouched());
  }

  /**
   * A peer's accepted prefix counts only for its newest incarnation: a delayed report from before it
   * lost its disk must not stand for the rebuilt process. A vouch stays true once made.
   */
  private void noteProgress(int i, long peerInc, long peerPrefixNow, long peerVouchedNow) {
    if (peerInc > peerIncarnation[i]) {
      peerIncarnation[i] = peerInc;
      peerPrefix[i] = peerPrefixNow;
      // A new process knows nothing of this replica's progress: tell it again.
      toldPrefix[i] = -1;
      toldVouched[i] = -1;
    } else if (peerInc == peerIncarnation[i]) {
      peerPrefix[i] = Math.max(peerPrefix[i], peerPrefixNow);
    }
    peerVouched[i] = Math.max(peerVouched[i], peerVouchedNow);
  }
}
