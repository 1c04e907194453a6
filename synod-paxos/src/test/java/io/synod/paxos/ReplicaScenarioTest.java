package io.synod.paxos;

import static io.synod.paxos.TestCluster.MS;
import static io.synod.paxos.TestCluster.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplicaScenarioTest {
  @Test
  void electedLeaderCommitsABatchInOneRoundTrip() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    assertThat(c.r(2).leaderHint()).isEqualTo(1);
    assertThat(c.r(1).propose(cmd("a"))).isEqualTo(Replica.ProposeResult.QUEUED);
    assertThat(c.r(1).propose(cmd("b"))).isEqualTo(Replica.ProposeResult.QUEUED);
    c.flush();
    // Phase 2 only: Accept out, Accepted back to everyone, and every replica knows the slot is chosen.
    // The leader's own Accepted follows its fsync; both commands share one slot.
    assertThat(c.inflight).filteredOn(m -> m instanceof Message.Accept).hasSize(2)
        .allMatch(m -> ((Message.Accept) m).batches().size() == 1);
    assertThat(c.inflight).allMatch(m -> m instanceof Message.Accept || m instanceof Message.Accepted);
    c.deliverAll();
    assertThat(c.inflight).isNotEmpty().allMatch(m -> m instanceof Message.Accepted);
    c.deliverAll();
    assertThat(c.inflight).isEmpty();
    for (int id = 1; id <= 3; id++) {
      assertThat(c.appliedCommands(id)).containsExactly("a", "b");
    }
  }

  @Test
  void followersRejectProposals() {
    TestCluster c = new TestCluster(3);
    c.elect(2);
    assertThat(c.r(1).propose(cmd("x"))).isEqualTo(Replica.ProposeResult.NOT_LEADER);
    assertThat(c.r(1).leaderHint()).isEqualTo(2);
  }

  @Test
  void acceptedIsHeldUntilTheEntryIsDurable() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    c.autoPersist = false;
    c.r(1).propose(cmd("a"));
    c.deliver(m -> m instanceof Message.Accept && m.to() == 2);
    assertThat(c.inflight).noneMatch(m -> m instanceof Message.Accepted && m.from() == 2);
    assertThat(c.unpersisted.get(1)).isNotEmpty();
    c.persistAll(2);
    c.flush();
    assertThat(c.inflight).filteredOn(m -> m instanceof Message.Accepted && m.from() == 2).hasSize(2);
    // The leader's own vote also waits for its own fsync, which overlaps the round trip.
    assertThat(c.r(1).chosenUpTo()).isZero();
    c.deliver(m -> m instanceof Message.Accepted && m.to() == 1);
    assertThat(c.r(1).chosenUpTo()).isZero();
    c.persistAll(1);
    c.flush();
    assertThat(c.r(1).chosenUpTo()).isEqualTo(1);
  }

  @Test
  void promiseIsHeldUntilDurable() {
    TestCluster c = new TestCluster(3);
    c.autoPersist = false;
    c.tickOnly(1, 250 * MS);
    c.deliver(m -> m instanceof Message.Prepare && m.to() == 2);
    assertThat(c.inflight).noneMatch(m -> m instanceof Message.Promise);
    assertThat(c.unpersisted.get(1).get(0).promised()).isEqualTo(c.r(1).ballot());
    c.persistAll(2);
    c.flush();
    assertThat(c.inflight).filteredOn(m -> m instanceof Message.Promise).hasSize(1);
  }

  @Test
  void acceptorWithALiveLeaderRefusesAHigherBallot() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    // Replica 3 is cut off, times out and campaigns; replica 2 still hears the leader and refuses.
    long before = Marks.count("paxos.prepare-refused-live-leader");
    c.tickOnly(3, 250 * MS);
    c.drop(m -> m.to() == 1 || m.from() == 1);
    c.deliver(m -> m instanceof Message.Prepare);
    assertThat(c.inflight).noneMatch(m -> m instanceof Message.Promise && m.to() == 3);
    assertThat(Marks.count("paxos.prepare-refused-live-leader")).isGreaterThan(before);
    assertThat(c.r(2).promised()).isEqualTo(c.r(1).ballot());
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.LEADER);
  }

  @Test
  void newLeaderReproposesTheHighestBallotValueAndFillsGapsWithNoops() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3)).withTimeouts(100 * MS, 10 * MS, 20 * MS);
    Batch old = Batch.of(cmd("old"));
    Batch newer = Batch.of(cmd("newer"));
    Batch third = Batch.of(cmd("third"));
    // Replica 2 accepted slot 1 under 1.1; replica 3 accepted slot 1 under 2.3 and slot 3 under 2.3.
    DurableState s2 = new DurableState(new Ballot(1, 1), 0, new SnapshotHandle(0, config.configuration()),
        new byte[0], List.of(new Entry(1, new Ballot(1, 1), old)));
    DurableState s3 = new DurableState(new Ballot(2, 3), 0, new SnapshotHandle(0, config.configuration()),
        new byte[0], List.of(new Entry(1, new Ballot(2, 3), newer), new Entry(3, new Ballot(2, 3), third)));
    TestCluster c = new TestCluster(config);
    c.replicas[1] = new Replica(config, 2, s2, 0, new SplittableRandom(2), 0);
    c.replicas[2] = new Replica(config, 3, s3, 0, new SplittableRandom(3), 0);
    // Phase 1 with the quorum {1, 3}: replica 2's report arrives only after the leader is elected.
    for (int attempt = 0; attempt < 3 && c.r(1).role() != Replica.Role.LEADER; attempt++) {
      c.tickOnly(1, 250 * MS);
      for (int i = 0; i < 5; i++) {
        c.deliver(m -> m.from() != 2 && m.to() != 2);
      }
    }
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.LEADER);
    c.stabilize();
    assertThat(c.r(1).ballot().round()).isEqualTo(3);
    List<Entry> applied = c.applied.get(0);
    assertThat(applied).hasSize(3);
    assertThat(applied.get(0).batch()).isEqualTo(newer);
    assertThat(applied.get(1).batch().isNoop()).isTrue();
    assertThat(applied.get(2).batch()).isEqualTo(third);
    assertThat(c.applied.get(1)).isEqualTo(applied);
  }

  @Test
  void pipelineIsBoundedByTheWindowAndBatchesFill() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3))
        .withTimeouts(100 * MS, 10 * MS, 20 * MS).withBatching(2, 3, 100);
    TestCluster c = new TestCluster(config);
    c.elect(1);
    for (int i = 0; i < 20; i++) {
      c.r(1).propose(cmd("c" + i));
    }
    c.flush();
    assertThat(c.r(1).nextSlot() - c.r(1).chosenUpTo() - 1).isEqualTo(2);
    assertThat(c.r(1).pendingCommands()).isEqualTo(14);
    c.stabilize();
    assertThat(c.appliedCommands(3)).hasSize(20);
    assertThat(c.applied.get(2)).allMatch(e -> e.batch().size() <= 3);
  }

  @Test
  void lostAcceptsAreRetransmittedAndLaggardsCatchUp() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    c.r(1).propose(cmd("a"));
    c.drop(m -> m.to() == 3);
    c.stabilize();
    assertThat(c.appliedCommands(1)).containsExactly("a");
    assertThat(c.appliedCommands(3)).isEmpty();
    for (int i = 0; i < 5; i++) {
      c.tick(25 * MS);
      c.stabilize();
    }
    assertThat(c.appliedCommands(3)).containsExactly("a");
  }

  @Test
  void replicaBehindTheTrimmedLogInstallsASnapshot() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3))
        .withTimeouts(100 * MS, 10 * MS, 20 * MS).withRetainSlots(0);
    TestCluster c = new TestCluster(config);
    c.elect(1);
    for (int i = 0; i < 5; i++) {
      c.r(1).propose(cmd("c" + i));
      c.flush();
      c.drop(m -> m.to() == 3 || m.from() == 3);
      c.stabilize();
    }
    long applied = c.r(1).appliedUpTo();
    c.r(1).snapshotTaken(applied, cmd("state@" + applied));
    c.r(2).snapshotTaken(c.r(2).appliedUpTo(), cmd("state@" + c.r(2).appliedUpTo()));
    assertThat(c.r(1).logStart()).isEqualTo(applied + 1);
    Ready ready = null;
    for (int i = 0; i < 10 && ready == null; i++) {
      c.tick(25 * MS);
      c.deliver(m -> !(m instanceof Message.InstallSnapshot));
      List<Message> installs = c.inflight.stream().filter(m -> m instanceof Message.InstallSnapshot).toList();
      if (!installs.isEmpty()) {
        c.inflight.removeAll(installs);
        c.r(3).step(installs.get(0));
        ready = c.r(3).ready();
      }
    }
    assertThat(ready).isNotNull();
    assertThat(ready.install().handle().slot()).isEqualTo(applied);
    assertThat(new String(ready.install().data(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("state@");
    assertThat(ready.persist().trimBelow()).isEqualTo(applied + 1);
    assertThat(c.r(3).chosenUpTo()).isEqualTo(applied);
  }

  @Test
  void messagesOfAnotherGroupAreIgnored() {
    TestCluster c = new TestCluster(3);
    Ballot high = new Ballot(9, 2);
    c.r(1).step(new Message.Prepare(8, 2, 1, high, 1));
    c.r(1).step(new Message.Prepare(7, 9, 1, high, 1));
    assertThat(c.r(1).promised()).isEqualTo(Ballot.ZERO);
    c.r(1).step(new Message.Prepare(7, 2, 1, high, 1));
    assertThat(c.r(1).promised()).isEqualTo(high);
  }

  @Test
  void restartKeepsPromiseAndReappliesChosenEntries() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3));
    Batch a = Batch.of(cmd("a"));
    DurableState durable = new DurableState(new Ballot(4, 2), 1, new SnapshotHandle(0, config.configuration()),
        new byte[0], List.of(new Entry(1, new Ballot(4, 2), a), new Entry(2, new Ballot(4, 2), a)));
    Replica replica = new Replica(config, 1, durable, 0, new SplittableRandom(1), 0);
    assertThat(replica.promised()).isEqualTo(new Ballot(4, 2));
    assertThat(replica.chosenUpTo()).isEqualTo(1);
    Ready ready = replica.ready();
    assertThat(ready.chosen()).extracting(Entry::slot).containsExactly(1L);
    // A lower ballot is refused with the promise it would break.
    replica.step(new Message.Accept(7, 3, 1, new Ballot(3, 3), 3, List.of(a), 0));
    assertThat(replica.ready().messages()).singleElement().isInstanceOf(Message.Nack.class);
  }

  @Test
  void deposedLeaderReportsUnassignedCommandsAsDropped() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    c.r(1).propose(cmd("never"));
    Ballot higher = c.r(1).ballot().next(2);
    c.r(1).step(new Message.Accept(7, 2, 1, higher, 1, List.of(Batch.NOOP), 0));
    Ready ready = c.r(1).ready();
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.FOLLOWER);
    assertThat(ready.dropped()).hasSize(1);
  }

  @Test
  void leaderCatchesUpWhenFollowersTrimmedTheSlotsItWaitsOn() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3))
        .withTimeouts(100 * MS, 10 * MS, 20 * MS).withRetainSlots(0);
    TestCluster c = new TestCluster(config);
    c.elect(1);
    c.r(1).propose(cmd("a"));
    c.flush();
    // The followers choose slot 1 between themselves; the leader never hears their Accepted.
    c.deliver(m -> m instanceof Message.Accept);
    c.drop(m -> m.to() == 1);
    c.deliverAll();
    assertThat(c.r(2).chosenUpTo()).isEqualTo(1);
    assertThat(c.r(3).chosenUpTo()).isEqualTo(1);
    assertThat(c.r(1).chosenUpTo()).isZero();
    c.r(2).snapshotTaken(1, cmd("s1"));
    c.r(3).snapshotTaken(1, cmd("s1"));
    // Retransmitted Accepts for slot 1 fall below the followers' logs; heartbeat acks tell the leader
    // how far they got, and it fetches the snapshot.
    for (int i = 0; i < 6 && c.r(1).chosenUpTo() == 0; i++) {
      c.tickOnly(1, 25 * MS);
      c.stabilize();
    }
    assertThat(c.r(1).chosenUpTo()).isEqualTo(1);
  }

  @Test
  void replicaThatLostItsStateDoesNotVoteUntilRebuilt() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    c.r(1).propose(cmd("a"));
    c.stabilize();
    c.replicas[2] = new Replica(c.config, 3, DurableState.forgotten(c.config.configuration()), 0,
        new SplittableRandom(3), c.now);
    c.applied.get(2).clear();
    assertThat(c.r(3).rebuilding()).isTrue();
    c.r(1).propose(cmd("b"));
    c.flush();
    c.deliver(m -> m.to() == 3);
    assertThat(c.inflight).noneMatch(m -> m.from() == 3 && (m instanceof Message.Accepted || m instanceof Message.Promise));
    c.tickOnly(3, 1 * MS);
    assertThat(c.inflight).anyMatch(m -> m instanceof Message.RebuildRequest);
    for (int i = 0; i < 10 && c.r(3).rebuilding(); i++) {
      c.stabilize();
      c.tickOnly(3, 25 * MS);
      c.tickOnly(1, 0);
    }
    c.stabilize();
    assertThat(c.r(3).rebuilding()).isFalse();
    assertThat(c.r(3).promised()).isEqualTo(c.r(1).ballot());
    assertThat(c.r(3).chosenUpTo()).isEqualTo(c.r(1).chosenUpTo());
    assertThat(c.appliedCommands(3)).containsExactly("a", "b");
    assertThat(c.unpersisted.get(2)).isEmpty();
    // Once rebuilt it votes again.
    c.r(1).propose(cmd("c"));
    c.flush();
    c.deliver(m -> m.to() == 3);
    assertThat(c.inflight).anyMatch(m -> m.from() == 3 && m instanceof Message.Accepted);
  }

  @Test
  void rebuildingReplicaNeverCampaigns() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3)).withTimeouts(100 * MS, 10 * MS, 20 * MS);
    Replica replica = new Replica(config, 1, DurableState.forgotten(config.configuration()), 0,
        new SplittableRandom(1), 0);
    for (long t = 0; t <= 2_000 * MS; t += 10 * MS) {
      replica.tick(t);
      for (Message m : replica.ready().messages()) {
        assertThat(m).isInstanceOf(Message.RebuildRequest.class);
      }
    }
    assertThat(replica.role()).isEqualTo(Replica.Role.FOLLOWER);
    replica.step(new Message.Prepare(7, 2, 1, new Ballot(5, 2), 1));
    assertThat(replica.ready().messages()).isEmpty();
    assertThat(replica.promised()).isEqualTo(Ballot.ZERO);
  }

  /**
   * A leader that learns by catch-up a slot chosen under a higher ballot has been superseded: it
   * steps down at once. Were it to go on, its next Accept or heartbeat would report that slot chosen
   * under its own ballot, and a follower holding this leader's proposal for the slot would take it for
   * the chosen value (a divergence the simulator found: seed 39820, 5 replicas).
   */
  @Test
  void aLeaderThatCatchesUpOnASlotChosenUnderAHigherBallotStepsDown() {
    TestCluster c = new TestCluster(5);
    c.elect(1);
    Ballot own = c.r(1).ballot();
    long slot = c.r(1).chosenUpTo() + 1;
    Entry chosenElsewhere = new Entry(slot, new Ballot(own.round() + 1, 4), Batch.of(cmd("other")));
    c.r(1).step(new Message.CatchUpReply(7, 2, 1, List.of(chosenElsewhere)));
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.FOLLOWER);
    // Nothing it sends from now on claims, under its old ballot, that the slot is chosen.
    c.flush();
    assertThat(c.inflight).noneMatch(m -> m instanceof Message.Heartbeat h && h.ballot().equals(own) && h.commitUpTo() >= slot)
        .noneMatch(m -> m instanceof Message.Accept a && a.ballot().equals(own) && a.commitUpTo() >= slot);
    assertThat(c.r(1).chosenUpTo()).isGreaterThanOrEqualTo(slot);
  }
}
