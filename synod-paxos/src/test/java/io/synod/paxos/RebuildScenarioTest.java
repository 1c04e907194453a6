package io.synod.paxos;

import static io.synod.paxos.TestCluster.MS;
import static io.synod.paxos.TestCluster.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Interleavings of a rebuild after disk loss (see {@link Rebuild}), driven message by message: the
 * rebuilding replica plans from peers that lack a slot it had accepted before it lost its disk, an
 * Accept of the old ballot still in flight reaches a peer after the peer answered, members answer
 * late, and replicas rebuild one after another.
 */
class RebuildScenarioTest {
  private static final Batch A = Batch.of(cmd("a"));

  /**
   * Replica 3 accepts "x" in slot 2 under the first leader's ballot b1, and nobody else keeps it:
   * the leader crashes before its own acceptance is durable, and its Accept to replica 2 is still
   * in flight. Then replica 3 loses its disk and plans its rebuild from replies that all end at
   * slot 1. Only now does the late Accept reach replica 2: "x" is chosen in slot 2 by replica 2 and
   * the acceptance replica 3 forgot, beyond the plan's bound. Had replica 3 voted again once caught
   * up to the bound, a new leader could win with it and the restarted replica 1, both without slot
   * 2, and give slot 2 to another command. It waits instead for a leader above every promise it was
   * told of; that leader ran phase 1 without it, so its quorum holds replica 2, and it proposes "x"
   * again.
   */
  @Test
  void aSlotOnlyTheRebuildingReplicaHeldIsChosenByALateAcceptAndKept() {
    TestCluster c = lateAcceptAfterRebuildPlan(new TestCluster(3).config);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.appliedCommands(id)).as("replica %d", id).containsExactly("a", "x", "y");
    }
  }

  /**
   * The same interleaving with the planted {@link Fault#REBUILD_WITHOUT_HIGHER_LEADER}: replica 3
   * votes again once caught up to slot 1, promises replica 1's new ballot first, and the quorum
   * {1, 3} knows nothing of slot 2, so "y" takes the slot in which "x" was chosen.
   */
  @Test
  void aRebuildThatEndsAtItsBoundLosesTheValueTheLateAcceptChose() {
    PaxosConfig config = new TestCluster(3).config.withFaults(Set.of(Fault.REBUILD_WITHOUT_HIGHER_LEADER));
    TestCluster c = lateAcceptAfterRebuildPlan(config);
    assertThat(c.appliedCommands(1)).containsExactly("a", "y");
  }

  /** The interleaving of the two tests above; returns the cluster once "y" was proposed and applied. */
  private static TestCluster lateAcceptAfterRebuildPlan(PaxosConfig config) {
    boolean waitsForLeader = !config.faults().contains(Fault.REBUILD_WITHOUT_HIGHER_LEADER);
    TestCluster c = new TestCluster(config);
    c.elect(1);
    Ballot b1 = c.r(1).ballot();
    c.r(1).propose(cmd("a"));
    c.stabilize();
    Entry slot1 = c.applied.get(0).get(0);
    assertThat(slot1.batch()).isEqualTo(A);

    c.autoPersist = false;
    c.r(1).propose(cmd("x"));
    c.flush();
    // Replica 3 accepts slot 2 durably; its Accepted votes are lost. The Accept to 2 waits.
    c.deliver(m -> m instanceof Message.Accept && m.to() == 3);
    c.persistAll(3);
    c.drop(m -> m instanceof Message.Accepted);
    assertThat(c.inflight).singleElement().matches(m -> m instanceof Message.Accept && m.to() == 2);
    Message lateAccept = c.inflight.remove(0);

    // Replica 1 crashes before its own acceptance of slot 2 is durable; replica 3 loses its disk.
    c.restart(1, new DurableState(b1, 1, new SnapshotHandle(0, c.config.configuration()), new byte[0],
        List.of(slot1)));
    c.restart(3, DurableState.forgotten(c.config.configuration()));
    c.autoPersist = true;
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.FOLLOWER);

    // Replica 3 asks; replicas 1 and 2 both answer with b1 and logs that end at slot 1.
    c.tickOnly(3, 1 * MS);
    assertThat(c.deliver(m -> m instanceof Message.RebuildRequest)).isEqualTo(2);
    assertThat(c.inflight).filteredOn(m -> m instanceof Message.RebuildReply).hasSize(2)
        .allMatch(m -> ((Message.RebuildReply) m).lastSlot() == 1 && ((Message.RebuildReply) m).promised().equals(b1));
    c.deliver(m -> m instanceof Message.RebuildReply);

    // The late Accept reaches replica 2 after it answered: with 3's forgotten vote, "x" is chosen.
    c.r(2).step(lateAccept);
    c.flush();
    assertThat(c.inflight).anyMatch(m -> m instanceof Message.Accepted && m.from() == 2 && m.to() == 1);
    c.deliver(m -> m instanceof Message.Accepted);

    // Replica 3 catches up to the plan's bound, slot 1, and still does not vote: no leader above b1.
    for (int i = 0; i < 5 && c.r(3).chosenUpTo() < 1; i++) {
      c.tickOnly(3, 25 * MS);
      c.deliver(m -> m instanceof Message.CatchUpRequest || m instanceof Message.CatchUpReply);
    }
    assertThat(c.r(3).chosenUpTo()).isEqualTo(1);
    assertThat(c.r(3).rebuilding()).isEqualTo(waitsForLeader);

    // Replica 1 campaigns and its Prepare reaches replica 3 first. Rebuilding, 3 ignores it, so the
    // quorum must include replica 2, which reports "x" for slot 2. (Had 3 promised, {1, 3} would be
    // a quorum that knows nothing of slot 2, and the leader's first command would take that slot.)
    for (int attempt = 0; attempt < 3 && c.r(1).role() != Replica.Role.LEADER; attempt++) {
      c.tickOnly(1, 250 * MS);
      c.deliver(m -> m instanceof Message.Prepare && m.to() == 3);
      c.deliver(m -> m.from() == 3);
      if (c.r(1).role() != Replica.Role.LEADER) {
        c.stabilize();
      }
    }
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.LEADER);
    assertThat(c.r(1).ballot().greaterThan(b1)).isTrue();
    c.r(1).propose(cmd("y"));
    c.stabilize();
    for (int i = 0; i < 10 && (c.r(3).rebuilding() || c.r(3).chosenUpTo() < c.r(1).chosenUpTo()); i++) {
      c.tick(25 * MS);
      c.stabilize();
    }
    assertThat(c.r(3).rebuilding()).isFalse();
    return c;
  }

  /**
   * The same start, but the late Accept of b1 reaches replica 2 only after it promised the new
   * leader's ballot: it is refused, and "x" was never chosen (only the forgotten acceptance held it).
   * The new leader, which heard of slot 2 from nobody, gives it to its next command on every replica.
   */
  @Test
  void aSlotOnlyTheRebuildingReplicaHeldAndThatNobodyChoseGoesToTheNextCommand() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    Ballot b1 = c.r(1).ballot();
    c.r(1).propose(cmd("a"));
    c.stabilize();
    Entry slot1 = c.applied.get(0).get(0);

    c.autoPersist = false;
    c.r(1).propose(cmd("x"));
    c.flush();
    c.deliver(m -> m instanceof Message.Accept && m.to() == 3);
    c.persistAll(3);
    c.drop(m -> m instanceof Message.Accepted);
    Message lateAccept = c.inflight.remove(0);
    c.restart(1, new DurableState(b1, 1, new SnapshotHandle(0, c.config.configuration()), new byte[0],
        List.of(slot1)));
    c.restart(3, DurableState.forgotten(c.config.configuration()));
    c.autoPersist = true;

    // Replica 1 wins a new ballot with replica 2 while replica 3 rebuilds.
    c.elect(1);
    Ballot b2 = c.r(1).ballot();
    assertThat(b2.greaterThan(b1)).isTrue();
    c.r(2).step(lateAccept);
    c.flush();
    assertThat(c.inflight).anyMatch(m -> m instanceof Message.Nack && m.from() == 2);
    for (int i = 0; i < 10 && (c.r(3).rebuilding() || c.r(3).chosenUpTo() < 2); i++) {
      c.tick(25 * MS);
      c.stabilize();
    }
    assertThat(c.r(3).rebuilding()).isFalse();
    assertThat(c.r(1).nextSlot()).isEqualTo(2);
    c.r(1).propose(cmd("b"));
    c.stabilize();
    for (int id = 1; id <= 3; id++) {
      assertThat(c.applied.get(id - 1)).as("replica %d", id).extracting(Entry::slot).containsExactly(1L, 2L);
      assertThat(c.appliedCommands(id)).as("replica %d", id).containsExactly("a", "b");
    }
  }

  /**
   * A rebuilding replica makes no plan until every other member answered: with one of five silent it
   * keeps waiting, however long a leader above everything is heard, since the silent one may hold
   * the highest promise or the last slot. Once it answers, the rebuild ends.
   */
  @Test
  void aRebuildWaitsForEveryOtherMember() {
    TestCluster c = new TestCluster(5);
    c.elect(1);
    c.r(1).propose(cmd("a"));
    c.stabilize();
    c.restart(4, DurableState.forgotten(c.config.configuration()));
    for (int i = 0; i < 20; i++) {
      c.tick(20 * MS);
      c.drop(m -> m instanceof Message.RebuildRequest && m.to() == 5);
      c.stabilize();
    }
    assertThat(c.r(1).role()).isEqualTo(Replica.Role.LEADER);
    assertThat(c.r(4).chosenUpTo()).isEqualTo(1);
    assertThat(c.r(4).rebuilding()).isTrue();
    for (int i = 0; i < 20 && c.r(4).rebuilding(); i++) {
      c.tick(20 * MS);
      c.stabilize();
    }
    assertThat(c.r(4).rebuilding()).isFalse();
    c.r(c.leaderId()).propose(cmd("b"));
    c.stabilize();
    assertThat(c.appliedCommands(4)).containsExactly("a", "b");
  }

  /**
   * Replicas lose their disks one after another, each rebuilding only after the previous one
   * finished: every chosen value survives, even once each of the three has been wiped, since a
   * quorum always kept a good copy.
   */
  @Test
  void replicasRebuildOneAfterAnotherAndEveryChosenValueSurvives() {
    TestCluster c = new TestCluster(3);
    c.elect(1);
    c.r(1).propose(cmd("a"));
    c.stabilize();
    int next = 0;
    for (int victim : new int[] {3, 2, 1}) {
      c.restart(victim, DurableState.forgotten(c.config.configuration()));
      for (int i = 0; i < 40 && c.r(victim).rebuilding(); i++) {
        c.tick(25 * MS);
        c.stabilize();
      }
      assertThat(c.r(victim).rebuilding()).as("replica %d rebuilt", victim).isFalse();
      int leader = c.leaderId();
      for (int i = 0; i < 40 && leader == 0; i++) {
        c.tick(25 * MS);
        c.stabilize();
        leader = c.leaderId();
      }
      c.r(leader).propose(cmd("after-" + victim));
      c.stabilize();
      next++;
    }
    for (int i = 0; i < 5; i++) {
      c.tick(25 * MS);
      c.stabilize();
    }
    List<String> expected = List.of("a", "after-3", "after-2", "after-1");
    assertThat(next).isEqualTo(3);
    for (int id = 1; id <= 3; id++) {
      assertThat(c.appliedCommands(id)).as("replica %d", id).containsExactlyElementsOf(expected);
    }
  }
}
