package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.random.RandomGenerator;

/**
 * What a replica knows about leadership across terms: the leader it follows and when it last heard
 * from it, when it will give up waiting and campaign, the highest ballot it has seen, and the ballot
 * of its own latest bid. One campaign's state lives in a {@link Candidacy}, one term's in a
 * {@link LeaderPipeline}; this outlives both.
 *
 * <p>The election timeout is randomized from the injected generator, so that replicas that lost their
 * leader together rarely campaign together (the only randomness of the replica).
 */
final class Election {
  private static final long LONG_AGO = Long.MIN_VALUE / 4;

  private final Self self;
  private final RandomGenerator random;
  private Ballot highestSeen;
  private Ballot ballot = Ballot.ZERO;
  private long deadlineNanos;
  private int leaderId;
  private long lastLeaderContactNanos = LONG_AGO;

  /** {@code promised} is the acceptor's promise found on disk: every later bid goes above it. */
  Election(Self self, RandomGenerator random, Ballot promised) {
    this.self = self;
    this.random = random;
    this.highestSeen = Ensure.notNull(promised, "promised");
  }

  /** The ballot of this replica's latest bid, which it campaigns or leads under (ZERO if it never bid). */
  Ballot ballot() {
    return ballot;
  }

  /** The replica believed to lead (this one included), or 0 if unknown. */
  int leaderId() {
    return leaderId;
  }

  /** Remembers a ballot seen in any message, so that this replica's next bid goes above it. */
  void noteBallot(Ballot seen) {
    if (seen.greaterThan(highestSeen)) {
      highestSeen = seen;
    }
  }

  /**
   * A new bid: a ballot of this replica above both its own promise and every ballot it has seen, so
   * acceptors that promised any of those can promise it.
   */
  Ballot nextBid(Ballot promised) {
    Ballot base = promised.atLeast(highestSeen) ? promised : highestSeen;
    ballot = base.next(self.id());
    highestSeen = ballot;
    Ensure.that(ballot.greaterThan(promised), "a bid must go above the promise");
    Ensure.that(ballot.replicaId() == self.id(), "a bid must carry this replica's id");
    return ballot;
  }

  /** Draws a new deadline in [timeout, 2·timeout) from now. */
  void resetDeadline(long nowNanos) {
    long base = self.config().electionTimeoutNanos();
    deadlineNanos = nowNanos + base + random.nextLong(base);
  }

  /** Whether the deadline passed without a leader (or a campaign) resetting it. */
  boolean timedOut(long nowNanos) {
    return nowNanos >= deadlineNanos;
  }

  /** A leader other than this replica is alive: follow it, and wait a full timeout before campaigning. */
  void follow(int leader, long nowNanos) {
    Ensure.that(leader != self.id(), "a replica does not follow itself");
    leaderId = leader;
    lastLeaderContactNanos = nowNanos;
    resetDeadline(nowNanos);
  }

  /** This replica leads. */
  void lead() {
    leaderId = self.id();
  }

  /** No leader is known any more (this replica campaigns, or lost its quorum while leading). */
  void forgetLeader() {
    leaderId = 0;
    lastLeaderContactNanos = LONG_AGO;
  }

  /**
   * A rebuilding replica heard {@code leader}'s heartbeat. It remembers whom to ask for catch-up, but
   * counts no contact: a replica that does not vote holds no leader lease for anyone.
   */
  void heardWhileRebuilding(int leader) {
    leaderId = leader;
  }

  /**
   * Whether this replica, as a follower, heard from a leader other than {@code from} less than an
   * election timeout ago. Such a replica refuses to promise a higher ballot, so a replica that was
   * cut off and comes back with a high ballot cannot depose a healthy leader.
   */
  boolean leaseHeldAgainst(int from, long nowNanos) {
    return leaderId != 0 && leaderId != from
        && nowNanos - lastLeaderContactNanos < self.config().electionTimeoutNanos();
  }
}
