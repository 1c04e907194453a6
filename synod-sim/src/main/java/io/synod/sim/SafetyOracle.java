package io.synod.sim;

import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Entry;
import java.util.HashMap;
import java.util.TreeMap;

/**
 * Omniscient safety checks, independent of what the replicas believe.
 *
 * <ul>
 *   <li>Chosen: a value is chosen in a slot once a true majority has durably accepted it under one
 *       ballot. At most one value may ever be chosen per slot.
 *   <li>Promises: an acceptor's durable promise never goes backwards, and it never durably accepts
 *       under a ballot below one it promised (Paxos Made Simple, P1a), except to store a value already
 *       chosen, which catch-up does.
 *   <li>Applied: every replica applies, slot by slot, exactly the chosen value, and reaches the same
 *       state hash at the same slot: every applied sequence is a prefix of one common sequence.
 * </ul>
 */
final class SafetyOracle {
  private record Acceptances(Batch value, long members) {}

  private final int majority;
  private final HashMap<Long, TreeMap<Ballot, Acceptances>> accepted = new HashMap<>();
  private final HashMap<Long, Batch> chosen = new HashMap<>();
  private final HashMap<Long, Long> stateHashAt = new HashMap<>();
  private final Ballot[] promised;

  SafetyOracle(int replicas) {
    this.majority = replicas / 2 + 1;
    this.promised = new Ballot[replicas];
    java.util.Arrays.fill(promised, Ballot.ZERO);
  }

  /**
   * Replica {@code replicaIndex}'s disk was found corrupt and wiped: it rebuilds its promise from its
   * peers, which may be below a ballot only it had promised (its own candidacy, harmless).
   */
  void forgot(int replicaIndex) {
    promised[replicaIndex] = Ballot.ZERO;
  }

  /** Replica {@code replicaIndex} (from 0) made a promise of {@code ballot} durable. */
  void durablyPromised(int replicaIndex, Ballot ballot) {
    if (ballot.compareTo(promised[replicaIndex]) < 0) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " promised " + ballot + " after promising "
          + promised[replicaIndex] + ": a promise was forgotten");
    }
    promised[replicaIndex] = ballot;
  }

  /** Replica {@code replica} (index from 0) made {@code entry} durable. */
  void durablyAccepted(int replicaIndex, Entry entry) {
    if (entry.ballot().compareTo(promised[replicaIndex]) < 0 && !entry.batch().equals(chosen.get(entry.slot()))) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " accepted slot " + entry.slot() + " under "
          + entry.ballot() + " after promising " + promised[replicaIndex]);
    }
    record(replicaIndex, entry);
  }

  /**
   * A restarted replica found {@code entry} on its disk. Unsynced writes may survive a crash, so it
   * can be an acceptance the oracle has not seen yet; it happened in the past, so it is not checked
   * against the promise.
   */
  void recovered(int replicaIndex, Entry entry) {
    record(replicaIndex, entry);
  }

  private void record(int replicaIndex, Entry entry) {    TreeMap<Ballot, Acceptances> bySlot = accepted.computeIfAbsent(entry.slot(), s -> new TreeMap<>());
    Acceptances before = bySlot.get(entry.ballot());
    if (before != null && !before.value().equals(entry.batch())) {
      throw new SimViolation("slot " + entry.slot() + ": two values accepted under ballot " + entry.ballot());
    }
    long members = (before == null ? 0 : before.members()) | (1L << replicaIndex);
    bySlot.put(entry.ballot(), new Acceptances(entry.batch(), members));
    if (Long.bitCount(members) >= majority) {
      Batch already = chosen.putIfAbsent(entry.slot(), entry.batch());
      if (already != null && !already.equals(entry.batch())) {
        throw new SimViolation("slot " + entry.slot() + ": two different values chosen (" + already
            + " and, under ballot " + entry.ballot() + ", " + entry.batch() + ")");
      }
    }
  }

  /** Replica {@code replicaId} applied {@code entry}, reaching state hash {@code hash}. */
  void applied(int replicaId, Entry entry, long hash) {
    Batch value = chosen.get(entry.slot());
    if (value == null) {
      throw new SimViolation("replica " + replicaId + " applied slot " + entry.slot()
          + " but no majority durably accepted any value there (durable acceptances: "
          + describe(entry.slot()) + "; applied " + entry + ")");
    }
    if (!value.equals(entry.batch())) {
      throw new SimViolation("replica " + replicaId + " applied " + entry.batch() + " in slot " + entry.slot()
          + " but " + value + " was chosen");
    }
    checkHash(replicaId, entry.slot(), hash);
  }

  /** Replica {@code replicaId}'s state machine is at {@code slot} with state hash {@code hash}. */
  void checkHash(int replicaId, long slot, long hash) {
    Long before = stateHashAt.putIfAbsent(slot, hash);
    if (before != null && before != hash) {
      throw new SimViolation("replica " + replicaId + " has state hash " + hash + " at slot " + slot
          + " but another replica had " + before);
    }
  }

  private String describe(long slot) {
    TreeMap<Ballot, Acceptances> bySlot = accepted.get(slot);
    if (bySlot == null) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    bySlot.forEach((ballot, a) -> sb.append(ballot).append(" by ").append(Long.toBinaryString(a.members()))
        .append(' '));
    return sb.toString().trim();
  }


  int chosenSlots() {
    return chosen.size();
  }
}
