package io.synod.paxos;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.TreeMap;

/**
 * The rebuild of a replica whose host lost its durable state (after Paxos Made Live §5.1). It exists
 * only while the replica rebuilds; the replica neither votes nor campaigns meanwhile.
 *
 * <p>The replica may have promised ballots and accepted values it no longer knows. It asks every
 * other member for its promise and the highest slot in its log, and from the answers makes a plan:
 * the highest promise reported (every candidate promises its own ballot first, so this covers any
 * promise it forgot) and the highest slot (any slot it may have accepted was proposed before it lost
 * its state, so it lies below that bound and is chosen by the time it has learned the bound). It
 * never copies peers' acceptances: that would create quorums nobody formed. Only one replica of a
 * group may be rebuilding at a time, and all others must answer: the "a quorum keeps a good copy"
 * condition.
 */
final class Rebuild {
  private static final long LONG_AGO = Long.MIN_VALUE / 4;

  /** What the replica adopts once it has learned every slot its peers know is chosen. */
  private record Plan(Ballot promised, long chosenTarget) {}

  private final Self self;
  private final Effects effects;
  private final Router router;
  private final Acceptor acceptor;
  private final Learner learner;
  private final Election election;
  /** The highest ballot a leader was heard under while rebuilding. */
  private Ballot leaderBallot = Ballot.ZERO;
  private final TreeMap<Integer, Message.RebuildReply> replies = new TreeMap<>();
  private long lastRequestNanos = LONG_AGO;
  private Plan plan;

  Rebuild(Self self, Effects effects, Router router, Acceptor acceptor, Learner learner, Election election) {
    this.self = self;
    this.effects = effects;
    this.router = router;
    this.acceptor = acceptor;
    this.learner = learner;
    this.election = election;
  }

  /**
   * Asks the members that have not answered, every retransmit interval, until a plan is made. Once
   * caught up but still waiting for a leader above the plan's promise, asks the leader it hears from
   * again every election timeout, which makes that leader bid higher.
   */
  void tick(long nowNanos) {
    int leaderId = election.leaderId();
    if (plan == null && nowNanos - lastRequestNanos >= self.config().retransmitNanos()) {
      requestRebuild(nowNanos);
    } else if (plan != null && learner.chosenUpTo() >= plan.chosenTarget() && leaderId != 0
        && !leaderBallot.greaterThan(plan.promised())
        && nowNanos - lastRequestNanos >= self.config().electionTimeoutNanos()) {
      // Caught up, but the leader's ballot is not above the plan's: ask it again, which makes it bid.
      Marks.hit("paxos.rebuild-asked-leader-to-rebid");
      lastRequestNanos = nowNanos;
      router.route(new Message.RebuildRequest(self.groupId(), self.id(), leaderId));
    }
  }

  private void requestRebuild(long nowNanos) {
    lastRequestNanos = nowNanos;
    for (int member : self.members()) {
      if (member != self.id() && !replies.containsKey(member)) {
        router.route(new Message.RebuildRequest(self.groupId(), self.id(), member));
      }
    }
  }

  /** A leader's heartbeat under {@code at} reached this replica. */
  void heardLeader(Ballot at) {
    if (at.greaterThan(leaderBallot)) {
      leaderBallot = at;
    }
  }

  /**
   * Collects a peer's answer; with every other member's, makes the plan. Returns whether this answer
   * completed the plan (answers after that are ignored).
   */
  boolean onReply(Message.RebuildReply m) {
    if (plan != null) {
      return false;
    }
    replies.put(m.from(), m);
    learner.noteChosenTarget(m.chosenUpTo());
    if (replies.size() < self.size() - 1) {
      return false;
    }
    Ballot highest = acceptor.promised();
    long lastSlot = learner.chosenUpTo();
    for (Message.RebuildReply reply : replies.values()) {
      election.noteBallot(reply.promised());
      if (reply.promised().greaterThan(highest)) {
        highest = reply.promised();
      }
      lastSlot = Math.max(lastSlot, reply.lastSlot());
    }
    Ensure.that(!replies.containsKey(self.id()), "a rebuilding replica does not answer itself");
    replies.clear();
    plan = new Plan(highest, lastSlot);
    learner.noteChosenTarget(lastSlot);
    return true;
  }

  /**
   * Finishes the rebuild if it may: the replica may vote again once (1) it has learned every slot up
   * to the highest one its peers held when they answered, and (2) it has heard a leader under a
   * ballot above every promise they reported. (2) matters because its forgotten acceptances were
   * made under ballots at most those promises: an Accept of such a ballot still in flight can reach a
   * peer after the peer answered, and with the forgotten acceptance form a majority for a slot beyond
   * the plan's target. A leader above those ballots ran phase 1 without this replica's vote, so it
   * learned of any such value from the peers, and the peers that promised it refuse the old ballots
   * from then on.
   *
   * <p>On finishing it promises that leader's ballot and records durably that the rebuild is over.
   * Returns whether it finished; the replica then discards this object.
   */
  boolean maybeFinish() {
    if (plan == null || learner.chosenUpTo() < plan.chosenTarget()) {
      return false;
    }
    // With the planted REBUILD_WITHOUT_HIGHER_LEADER (simulator tests only) the rebuild ends at the
    // bound, under the higher of the leader's ballot and the plan's promise.
    boolean waitForLeader = !self.planted(Fault.REBUILD_WITHOUT_HIGHER_LEADER);
    if (waitForLeader && !leaderBallot.greaterThan(plan.promised())) {
      return false;
    }
    Ballot promise = leaderBallot.greaterThan(plan.promised()) ? leaderBallot : plan.promised();
    if (!promise.greaterThan(Ballot.ZERO)) {
      return false;
    }
    acceptor.promiseAtLeast(promise);
    effects.persistRebuilt();
    plan = null;
    Ensure.that(acceptor.promised().greaterThan(Ballot.ZERO), "a rebuilt replica has promised a leader's ballot");
    return true;
  }
}
