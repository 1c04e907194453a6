package io.synod.node.core;

import static io.synod.node.core.CoreCluster.MS;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import io.synod.paxos.ReadLeaseConfig;
import io.synod.paxos.Replica;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenarios of {@link NodeCore} on simulated time: no command is lost, none is applied twice. */
class NodeCoreTest {
  private static int follower(CoreCluster cluster, int leader) {
    return leader % cluster.size + 1;
  }

  private static void assertAppliedOnceEverywhere(CoreCluster cluster, String command) {
    for (int id = 1; id <= cluster.size; id++) {
      assertThat(Collections.frequency(cluster.machines[id].copy(), command))
          .as("copies of %s applied at node %d", command, id).isEqualTo(1);
    }
  }

  @Test
  void theMachinesOwnCommandsAreLoggedByTheLeaderOnlyAndAppliedOnceEverywhere() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int other = follower(cluster, leader);
    cluster.machines[other].want("from-follower");
    cluster.machines[leader].want("from-leader");
    cluster.advance(500 * MS);
    assertAppliedOnceEverywhere(cluster, "from-leader");
    assertThat(cluster.machines[leader].copy()).doesNotContain("from-follower");
    assertThat(cluster.machines[other].ticksAsFollower()).isPositive();
    // A client request still gets its own reply after internal commands took slots.
    long id = cluster.request(other, "client");
    assertThat(cluster.advanceUntil(c -> c.reply(other, id) != null, 5_000 * MS)).isTrue();
    assertThat(cluster.reply(other, id).isOk()).isTrue();
    assertAppliedOnceEverywhere(cluster, "client");
  }

  @Test
  void aRequestMadeBeforeAnyLeaderWaitsForOneAndSucceeds() {
    CoreCluster cluster = new CoreCluster(3, 100);
    long id = cluster.request(2, "early");
    cluster.electLeader();
    assertThat(cluster.advanceUntil(c -> c.reply(2, id) != null, 5_000 * MS)).isTrue();
    assertThat(cluster.reply(2, id).isOk()).isTrue();
    assertThat(cluster.reply(2, id).result()).isEqualTo(1);
    cluster.advance(500 * MS);
    assertAppliedOnceEverywhere(cluster, "early");
  }

  @Test
  void aRequestBeyondThePendingLimitIsRefusedAsBusyBeforeItIsSentAnywhere() {
    CoreCluster cluster = new CoreCluster(3, 2);
    cluster.request(1, "a");
    cluster.request(1, "b");
    long third = cluster.request(1, "c");
    assertThat(cluster.reply(1, third).failure()).isEqualTo(NodeReady.Failure.BUSY);
    cluster.electLeader();
    cluster.advance(1_000 * MS);
    assertThat(cluster.machines[1].copy()).containsExactly("a", "b");
  }

  @Test
  void aRequestLostWithADeposedLeaderIsSentToTheNewLeaderAndAppliedOnce() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int origin = follower(cluster, leader);
    long before = Marks.count("node.requests-resent-on-leader-change");
    long id = cluster.request(origin, "survivor");
    // The forward reaches the leader, which proposes the command; then the leader is cut off
    // before its accepts go out, so the command's slot is never chosen under its ballot.
    NodeMessage forward = cluster.inFlight.pollFirst();
    assertThat(forward).isInstanceOf(NodeMessage.Forward.class);
    cluster.deliver(forward);
    cluster.isolate(leader);
    assertThat(cluster.advanceUntil(c -> c.leader() != 0 && c.leader() != leader
        && c.cores[origin].replica().leaderHint() == c.leader(), 10_000 * MS)).isTrue();
    assertThat(cluster.advanceUntil(c -> c.reply(origin, id) != null, 5_000 * MS)).isTrue();
    assertThat(cluster.reply(origin, id).isOk()).isTrue();
    assertThat(Marks.count("node.requests-resent-on-leader-change")).isGreaterThan(before);
    // The old leader comes back and learns what was chosen: the command is there once.
    cluster.heal();
    assertThat(cluster.advanceUntil(c -> c.machines[leader].copy().contains("survivor"), 10_000 * MS)).isTrue();
    cluster.advance(1_000 * MS);
    assertAppliedOnceEverywhere(cluster, "survivor");
  }

  @Test
  void aForwardDeliveredTwiceIsProposedTwiceAndAppliedOnce() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int origin = follower(cluster, leader);
    long before = Marks.count("node.duplicate-command-skipped");
    long id = cluster.request(origin, "twice");
    NodeMessage forward = cluster.inFlight.pollFirst();
    cluster.deliver(forward);
    cluster.deliver(forward);
    cluster.advance(500 * MS);
    assertThat(cluster.reply(origin, id).isOk()).isTrue();
    assertThat(Marks.count("node.duplicate-command-skipped")).isGreaterThanOrEqualTo(before + cluster.size);
    assertAppliedOnceEverywhere(cluster, "twice");
  }

  @Test
  void aCopyOfATimedOutRequestThatArrivesLateIsNotApplied() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int origin = follower(cluster, leader);
    long late = cluster.request(origin, "late");
    NodeMessage held = cluster.inFlight.pollFirst();
    assertThat(held).isInstanceOf(NodeMessage.Forward.class);
    // Cut off, the origin's resends are lost; the client is told the outcome is unknown.
    cluster.isolate(origin);
    cluster.advance(CoreCluster.REQUEST_TIMEOUT_NANOS + 100 * MS);
    assertThat(cluster.reply(origin, late).failure()).isEqualTo(NodeReady.Failure.TIMEOUT);
    cluster.heal();
    cluster.electLeader();
    long next = cluster.request(origin, "next");
    assertThat(cluster.advanceUntil(c -> c.reply(origin, next) != null, 5_000 * MS)).isTrue();
    // The held copy reaches the leader only now, after a later request of its origin was applied.
    long expired = Marks.count("node.expired-command-skipped");
    cluster.deliver(new NodeMessage.Forward(1, origin, cluster.leader(), ((NodeMessage.Forward) held).command()));
    cluster.advance(500 * MS);
    assertThat(Marks.count("node.expired-command-skipped")).isGreaterThan(expired);
    for (int id = 1; id <= cluster.size; id++) {
      assertThat(cluster.machines[id].copy()).doesNotContain("late").containsOnlyOnce("next");
    }
  }

  @Test
  void aCommandForwardedToANodeThatDoesNotLeadGoesOnToTheLeader() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int stale = follower(cluster, leader);
    int origin = follower(cluster, stale);
    assertThat(List.of(leader, stale, origin)).doesNotHaveDuplicates();
    // The origin believed `stale` led (as after a leader change) and forwarded a command to it.
    byte[] logged = new CommandId(origin, 1, 1_000, 1_000).encode("stray".getBytes(StandardCharsets.UTF_8));
    cluster.deliver(new NodeMessage.Forward(1, origin, stale, logged));
    cluster.advance(500 * MS);
    assertAppliedOnceEverywhere(cluster, "stray");
  }

  @Test
  void everyRequestGetsExactlyOneReply() {
    CoreCluster cluster = new CoreCluster(5, 1_000);
    cluster.electLeader();
    long[] ids = new long[50];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = cluster.request(1 + i % 5, "c" + i);
      if (i == 20) {
        cluster.isolate(cluster.leader());
      }
      cluster.advance(20 * MS);
    }
    cluster.heal();
    cluster.advance(CoreCluster.REQUEST_TIMEOUT_NANOS);
    for (int i = 0; i < ids.length; i++) {
      NodeReady.Reply<Integer> reply = cluster.reply(1 + i % 5, ids[i]);
      assertThat(reply).as("reply to c%d", i).isNotNull();
      if (reply.isOk()) {
        assertAppliedOnceEverywhere(cluster, "c" + i);
      }
    }
    for (int id = 1; id <= cluster.size; id++) {
      assertThat(cluster.machines[id].copy()).doesNotHaveDuplicates().isEqualTo(cluster.machines[1].copy());
      assertThat(cluster.cores[id].pendingRequests()).isZero();
    }
  }

  /**
   * With read leases on, a follower answers a read from its own state, with the lease's end for its
   * host to check; cut off, it stops once its lease ran out and sends reads through the log instead,
   * which answers them once it is back.
   */
  @Test
  void aFollowerAnswersReadsLocallyUnderItsLeaseAndThroughTheLogWithout() {
    ReadLeaseConfig leases = ReadLeaseConfig.defaults().withTimes(600 * MS, 150 * MS);
    CoreCluster cluster = new CoreCluster(3, 100, leases);
    int leader = cluster.electLeader();
    int follower = leader == 3 ? 2 : 3;
    cluster.advance(leases.holdNanos() + 200 * MS);
    long a = cluster.request(leader, "a");
    long b = cluster.request(follower, "b");
    cluster.advanceUntil(c -> c.reply(leader, a) != null && c.reply(follower, b) != null, 2_000 * MS);

    long local = cluster.read(follower, "?");
    NodeReady.Reply<Integer> answer = cluster.reply(follower, local);
    assertThat(answer).isNotNull();
    assertThat(answer.leased()).isTrue();
    assertThat(answer.validUntilNanos()).isGreaterThan(cluster.now());
    assertThat(answer.result()).isEqualTo(2);

    cluster.isolate(follower);
    cluster.advance(leases.durationNanos() + 100 * MS);
    long late = cluster.read(follower, "?");
    assertThat(cluster.reply(follower, late)).as("no local answer without a lease").isNull();
    cluster.heal();
    cluster.advanceUntil(c -> c.reply(follower, late) != null, 3_000 * MS);
    NodeReady.Reply<Integer> logged = cluster.reply(follower, late);
    assertThat(logged.isOk()).isTrue();
    assertThat(logged.leased()).as("answered through the log").isFalse();
    assertThat(cluster.machines[follower].copy()).contains("?");
  }

  @Test
  void aLeadershipTransferMakesTheTargetLeaderAndLosesNoCommand() {
    CoreCluster cluster = new CoreCluster(5, 1_000);
    int leader = cluster.electLeader();
    int target = follower(cluster, leader);
    long startedBefore = Marks.count("paxos.leadership-transfer-started");
    long campaignedBefore = Marks.count("paxos.leadership-transfer-campaign");
    long[] ids = new long[40];
    for (int i = 0; i < 20; i++) {
      ids[i] = cluster.request(1 + i % 5, "t" + i);
    }
    // Some of those are forwarded, queued or in flight at the old leader when it hands over.
    cluster.deliver(cluster.inFlight.pollFirst());
    assertThat(cluster.cores[leader].transferLeadership(target)).isEqualTo(Replica.TransferResult.STARTED);
    cluster.drain(leader);
    assertThat(cluster.cores[leader].replica().role()).isEqualTo(Replica.Role.FOLLOWER);
    for (int i = 20; i < ids.length; i++) {
      ids[i] = cluster.request(1 + i % 5, "t" + i);
    }
    // Well within one election timeout (300 ms): the target did not wait for one to pass.
    assertThat(cluster.advanceUntil(c -> c.leader() == target && c.everyoneKnowsTheLeader(), 200 * MS)).isTrue();
    assertThat(Marks.count("paxos.leadership-transfer-started")).isEqualTo(startedBefore + 1);
    assertThat(Marks.count("paxos.leadership-transfer-campaign")).isEqualTo(campaignedBefore + 1);
    assertThat(cluster.advanceUntil(c -> {
      for (int i = 0; i < ids.length; i++) {
        if (c.reply(1 + i % 5, ids[i]) == null) {
          return false;
        }
      }
      return true;
    }, 5_000 * MS)).isTrue();
    cluster.advance(500 * MS);
    for (int i = 0; i < ids.length; i++) {
      assertThat(cluster.reply(1 + i % 5, ids[i]).isOk()).as("reply to t%d", i).isTrue();
      assertAppliedOnceEverywhere(cluster, "t" + i);
    }
    assertThat(cluster.leader()).isEqualTo(target);
  }

  @Test
  void onlyTheLeaderTransfersAndOnlyToAMember() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int other = follower(cluster, leader);
    assertThat(cluster.cores[other].transferLeadership(leader)).isEqualTo(Replica.TransferResult.NOT_LEADER);
    assertThat(cluster.cores[leader].transferLeadership(9)).isEqualTo(Replica.TransferResult.UNKNOWN_TARGET);
    assertThat(cluster.cores[leader].transferLeadership(leader)).isEqualTo(Replica.TransferResult.ALREADY_LEADER);
    cluster.drain(leader);
    assertThat(cluster.inFlight).isEmpty();
    assertThat(cluster.leader()).isEqualTo(leader);
  }

  @Test
  void aTransferToACutOffTargetEndsWithAnOrdinaryElection() {
    CoreCluster cluster = new CoreCluster(3, 100);
    int leader = cluster.electLeader();
    int target = follower(cluster, leader);
    cluster.isolate(target);
    assertThat(cluster.cores[leader].transferLeadership(target)).isEqualTo(Replica.TransferResult.STARTED);
    cluster.drain(leader);
    long id = cluster.request(leader, "after");
    assertThat(cluster.advanceUntil(c -> c.leader() != 0 && c.leader() != target
        && c.reply(leader, id) != null, 10_000 * MS)).isTrue();
    assertThat(cluster.reply(leader, id).isOk()).isTrue();
  }
}
