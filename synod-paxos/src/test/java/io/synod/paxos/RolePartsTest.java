package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Ensure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The parts of a replica that hold pure decisions, tested alone: a candidacy's first proposals
 * against a naive P2c, and an election's bids, deadline and leader lease.
 */
class RolePartsTest {
  private static final long MS = 1_000_000L;
  private static final int CASES = 2_000;

  private static final Router NO_ROUTING = new Router() {
    @Override
    public void route(Message message) {
      throw new AssertionError("unexpected message " + message);
    }

    @Override
    public void routeAfterPersist(Message message) {
      throw new AssertionError("unexpected message " + message);
    }
  };

  private static Batch value(String text) {
    return Batch.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Every acceptor holds one value per ballot and slot, as Paxos guarantees; derive it from both. */
  private static Batch valueOf(long slot, Ballot ballot) {
    return value(slot + "@" + ballot);
  }

  /** Naive P2c: per slot, the chosen value known locally, else the highest ballot's value reported, else a no-op. */
  private static List<Batch> naiveProposals(
      long fromSlot, long maxSlot, SlotLog log, List<Message.Promise> promises, boolean skipRepropose) {
    List<Batch> out = new ArrayList<>();
    for (long slot = fromSlot; slot <= maxSlot; slot++) {
      if (log.isChosen(slot)) {
        out.add(log.get(slot).batch());
        continue;
      }
      Entry best = null;
      for (Message.Promise promise : promises) {
        for (Entry entry : promise.accepted()) {
          if (entry.slot() == slot && (best == null || entry.ballot().compareTo(best.ballot()) > 0)) {
            best = entry;
          }
        }
      }
      out.add(best == null || skipRepropose ? Batch.NOOP : best.batch());
    }
    return out;
  }

  @Test
  void newLeaderProposesTheChosenValueElseTheHighestBallotsElseANoop() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(5));
    Self self = new Self(config, 1);
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < CASES; i++) {
      long fromSlot = 1 + random.nextInt(10);
      long chosenUpTo = fromSlot - 1;
      SlotLog log = new SlotLog(1 + random.nextInt((int) fromSlot));
      long maxSlot = chosenUpTo;
      // This replica's own log: accepted entries, some of them known chosen.
      for (long slot = log.start(); slot < fromSlot + 8; slot++) {
        if (slot > chosenUpTo && random.nextInt(3) != 0) {
          continue;
        }
        Ballot ballot = new Ballot(1 + random.nextInt(40), 1 + random.nextInt(5));
        log.put(new Entry(slot, ballot, slot <= chosenUpTo ? value("chosen " + slot) : valueOf(slot, ballot)));
        if (slot <= chosenUpTo || random.nextInt(4) == 0) {
          log.markChosen(slot);
        }
        maxSlot = Math.max(maxSlot, slot);
      }
      Ballot bid = new Ballot(100, 1);
      Candidacy candidacy = new Candidacy(self, NO_ROUTING, bid, fromSlot, 0);
      List<Message.Promise> promises = new ArrayList<>();
      boolean quorum = false;
      for (int from = 1; from <= 5 && !quorum; from++) {
        if (from != 1 && random.nextInt(3) == 0) {
          continue;
        }
        List<Entry> accepted = new ArrayList<>();
        for (long slot = fromSlot; slot < fromSlot + 12; slot++) {
          if (random.nextInt(3) == 0) {
            Ballot ballot = new Ballot(1 + random.nextInt(40), 1 + random.nextInt(5));
            accepted.add(new Entry(slot, ballot, valueOf(slot, ballot)));
            maxSlot = Math.max(maxSlot, slot);
          }
        }
        Message.Promise promise = new Message.Promise(
            7, from, 1, bid, fromSlot, 1 + random.nextInt((int) fromSlot), chosenUpTo, accepted);
        promises.add(promise);
        quorum = candidacy.count(promise);
      }
      if (!quorum) {
        assertThatThrownBy(() -> candidacy.proposals(log, chosenUpTo, false))
            .isInstanceOf(Ensure.InvariantViolation.class);
        continue;
      }
      boolean skip = random.nextInt(8) == 0;
      Candidacy.Proposals proposals = candidacy.proposals(log, chosenUpTo, skip);
      assertThat(proposals.firstSlot()).isEqualTo(fromSlot);
      assertThat(proposals.batches()).as("case %d", i)
          .isEqualTo(naiveProposals(fromSlot, maxSlot, log, promises, skip));
      assertThat(proposals.nextSlot()).isEqualTo(Math.max(maxSlot + 1, fromSlot));
    }
  }

  @Test
  void candidacyCountsOnlyCompletePromisesForItsOwnCampaign() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3));
    Candidacy candidacy = new Candidacy(new Self(config, 2), NO_ROUTING, new Ballot(5, 2), 4, 0);
    Message.Promise older = new Message.Promise(7, 1, 2, new Ballot(4, 2), 4, 1, 3, List.of());
    Message.Promise otherFrom = new Message.Promise(7, 1, 2, new Ballot(5, 2), 3, 1, 3, List.of());
    Message.Promise trimmed = new Message.Promise(7, 1, 2, new Ballot(5, 2), 4, 5, 3, List.of());
    assertThat(candidacy.answers(older)).isFalse();
    assertThat(candidacy.answers(otherFrom)).isFalse();
    assertThatThrownBy(() -> candidacy.count(older)).isInstanceOf(Ensure.InvariantViolation.class);
    assertThatThrownBy(() -> candidacy.count(trimmed)).isInstanceOf(Ensure.InvariantViolation.class);
    assertThat(candidacy.count(new Message.Promise(7, 1, 2, new Ballot(5, 2), 4, 4, 3, List.of()))).isFalse();
    assertThat(candidacy.count(new Message.Promise(7, 1, 2, new Ballot(5, 2), 4, 4, 3, List.of()))).isFalse();
    assertThat(candidacy.count(new Message.Promise(7, 3, 2, new Ballot(5, 2), 4, 1, 3, List.of()))).isTrue();
  }

  @Test
  void bidsGoAboveThePromiseAndEveryBallotSeen() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(5));
    SplittableRandom random = new SplittableRandom(12);
    for (int i = 0; i < CASES; i++) {
      int id = 1 + random.nextInt(5);
      Ballot promised = new Ballot(random.nextInt(50), 1 + random.nextInt(5));
      Election election = new Election(new Self(config, id), new SplittableRandom(i), promised);
      Ballot highest = promised;
      for (int seen = random.nextInt(5); seen > 0; seen--) {
        Ballot ballot = new Ballot(random.nextInt(60), 1 + random.nextInt(5));
        election.noteBallot(ballot);
        highest = ballot.compareTo(highest) > 0 ? ballot : highest;
      }
      Ballot bid = election.nextBid(promised);
      assertThat(bid.replicaId()).isEqualTo(id);
      assertThat(bid.round()).isEqualTo(highest.round() + 1);
      assertThat(election.ballot()).isEqualTo(bid);
      // The bid itself counts as seen: the next one goes above it.
      assertThat(election.nextBid(promised).round()).isEqualTo(bid.round() + 1);
    }
  }

  @Test
  void deadlineIsOneToTwoTimeoutsAwayAndTheLeaseLastsOneTimeout() {
    PaxosConfig config = PaxosConfig.defaults(7, Configuration.ofSize(3)).withTimeouts(100 * MS, 10 * MS, 20 * MS);
    for (int seed = 0; seed < 200; seed++) {
      Election election = new Election(new Self(config, 1), new SplittableRandom(seed), Ballot.ZERO);
      election.resetDeadline(1_000 * MS);
      assertThat(election.timedOut(1_100 * MS - 1)).isFalse();
      assertThat(election.timedOut(1_200 * MS)).isTrue();
    }
    Election election = new Election(new Self(config, 1), new SplittableRandom(1), Ballot.ZERO);
    assertThat(election.leaseHeldAgainst(3, 0)).isFalse();
    election.follow(2, 500 * MS);
    assertThat(election.leaderId()).isEqualTo(2);
    assertThat(election.leaseHeldAgainst(3, 600 * MS - 1)).isTrue();
    assertThat(election.leaseHeldAgainst(2, 550 * MS)).as("the leader itself may bid higher").isFalse();
    assertThat(election.leaseHeldAgainst(3, 600 * MS)).isFalse();
    election.forgetLeader();
    assertThat(election.leaseHeldAgainst(3, 550 * MS)).isFalse();
    election.heardWhileRebuilding(3);
    assertThat(election.leaderId()).isEqualTo(3);
    assertThat(election.leaseHeldAgainst(2, 550 * MS)).as("no lease while rebuilding").isFalse();
  }
}
