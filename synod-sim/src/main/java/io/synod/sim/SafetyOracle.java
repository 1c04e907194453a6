package io.synod.sim;

import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Entry;
import io.synod.paxos.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Omniscient safety checks, independent of what the replicas believe.
 *
 * <ul>
 *   <li>Chosen: a value is chosen in a slot once a true majority has durably accepted it under one
 *       ballot. At most one value may ever be chosen per slot.
 *   <li>Promises: an acceptor's durable promise never goes backwards, and it never durably accepts
 *       under a ballot below one it promised (Paxos Made Simple, P1a), except to store a value already
 *       chosen, which catch-up does. An acceptance under ballot b counts as a promise of b (as in
 *       Lamport's TLA+ specification of Paxos, where Phase2b raises maxBal): an acceptor that accepted
 *       under b never promises or accepts below b afterwards.
 *   <li>Persist before send: a message that vouches for durable state finds it durable when it
 *       leaves its replica (a Promise and a RebuildReply the promise they report, an Accepted the
 *       entries it reports under its ballot), as the core's contract says.
 *   <li>Applied: in every slot every replica applies only commands of the value chosen there, and the
 *       same ones; every command (its origin, incarnation and request id) takes effect in one slot
 *       only, however often it was proposed; replicas at the same slot have the same state hash.
 * </ul>
 */
final class SafetyOracle {
  /**
   * The state hash scans the whole store, so the oracle asks for it only at slots it compares:
   * every multiple of this, every snapshot restored, and the end. With client values of several
   * kilobytes kept in the store's history until a compaction, a scan per slot was half of a run's
   * cost; a divergence persists, so comparing every fourth slot still catches it, a few slots later.
   */
  static final int HASH_EVERY_SLOTS = 4;

  private record Acceptances(Batch value, long members) {}

  private final int majority;
  private final HashMap<Long, TreeMap<Ballot, Acceptances>> accepted = new HashMap<>();
  private final HashMap<Long, Batch> chosen = new HashMap<>();
  private final HashMap<Long, Long> stateHashAt = new HashMap<>();
  /** The highest durable promise of each acceptor. */
  private final Ballot[] promised;
  /** The highest ballot each acceptor durably accepted under (storing a chosen value aside). */
  private final Ballot[] acceptedUnder;
  /** The slot each command took effect in. */
  private final HashMap<SimCommandId, Long> appliedSlotOf = new HashMap<>();
  /** The commands the first replica to apply each slot applied there, in order. */
  private final HashMap<Long, List<SimCommandId>> appliedInSlot = new HashMap<>();

  SafetyOracle(int replicas) {
    this.majority = replicas / 2 + 1;
    this.promised = new Ballot[replicas];
    this.acceptedUnder = new Ballot[replicas];
    Arrays.fill(promised, Ballot.ZERO);
    Arrays.fill(acceptedUnder, Ballot.ZERO);
  }

  // ---------------------------------------------------------------- acceptors

  /**
   * Replica {@code replicaIndex}'s disk was found corrupt and wiped: it rebuilds its promise from its
   * peers, which may be below a ballot only it had promised (its own candidacy, harmless).
   */
  void forgot(int replicaIndex) {
    promised[replicaIndex] = Ballot.ZERO;
    acceptedUnder[replicaIndex] = Ballot.ZERO;
  }

  /** Replica {@code replicaIndex} (from 0) made a promise of {@code ballot} durable. */
  void durablyPromised(int replicaIndex, Ballot ballot) {
    if (ballot.compareTo(promised[replicaIndex]) < 0) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " promised " + ballot + " after promising "
          + promised[replicaIndex] + ": a promise was forgotten");
    }
    if (ballot.compareTo(acceptedUnder[replicaIndex]) < 0) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " promised " + ballot + " after accepting under "
          + acceptedUnder[replicaIndex] + ": an acceptance is a promise of its ballot");
    }
    promised[replicaIndex] = ballot;
  }

  /** Replica {@code replicaIndex} (from 0) made {@code entry} durable. */
  void durablyAccepted(int replicaIndex, Entry entry) {
    boolean storesChosen = entry.batch().equals(chosen.get(entry.slot()));
    if (entry.ballot().compareTo(promised[replicaIndex]) < 0 && !storesChosen) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " accepted slot " + entry.slot() + " under "
          + entry.ballot() + " after promising " + promised[replicaIndex]);
    }
    if (entry.ballot().compareTo(acceptedUnder[replicaIndex]) < 0 && !storesChosen) {
      throw new SimViolation("replica " + (replicaIndex + 1) + " accepted slot " + entry.slot() + " under "
          + entry.ballot() + " after accepting under " + acceptedUnder[replicaIndex]
          + ": an acceptance is a promise of its ballot");
    }
    countAsPromise(replicaIndex, entry, storesChosen);
    record(replicaIndex, entry);
  }

  /**
   * A restarted replica found {@code entry} on its disk. Unsynced writes may survive a crash, so it
   * can be an acceptance the oracle has not seen yet; it happened in the past, so it is not checked
   * against the promise.
   */
  void recovered(int replicaIndex, Entry entry) {
    countAsPromise(replicaIndex, entry, entry.batch().equals(chosen.get(entry.slot())));
    record(replicaIndex, entry);
  }

  /**
   * A vote under ballot b binds like a promise of b. Storing a value already chosen is not a vote:
   * catch-up stores chosen values under the ballot that chose them without promising it, and a
   * later, lower promise is then harmless (any proposer must propose that value anyway).
   */
  private void countAsPromise(int replicaIndex, Entry entry, boolean storesChosen) {
    if (!storesChosen && entry.ballot().greaterThan(acceptedUnder[replicaIndex])) {
      acceptedUnder[replicaIndex] = entry.ballot();
    }
  }

  private void record(int replicaIndex, Entry entry) {
    TreeMap<Ballot, Acceptances> bySlot = accepted.computeIfAbsent(entry.slot(), s -> new TreeMap<>());
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

  /**
   * A message leaves replica {@code message.from()}. Messages that vouch for durable state may leave
   * only once it is durable (the core holds them until the host reports it persisted): a Promise
   * and a RebuildReply for the promise they report, an Accepted for each slot it reports accepted.
   */
  void sent(Message message) {
    int index = message.from() - 1;
    Ballot promise = null;
    if (message instanceof Message.Promise p) {
      promise = p.ballot();
    } else if (message instanceof Message.RebuildReply r) {
      promise = r.promised();
    }
    if (promise != null && promise.compareTo(promised[index]) > 0) {
      throw new SimViolation("replica " + message.from() + " sent " + message.getClass().getSimpleName() + " for "
          + promise + " to replica " + message.to() + " while its durable promise was " + promised[index]
          + ": a promise sent before it was durable");
    }
    if (message instanceof Message.Accepted a) {
      for (long slot = a.firstSlot(); slot < a.firstSlot() + a.count(); slot++) {
        TreeMap<Ballot, Acceptances> bySlot = accepted.get(slot);
        Acceptances under = bySlot == null ? null : bySlot.get(a.ballot());
        if (under == null || (under.members() & (1L << index)) == 0) {
          throw new SimViolation("replica " + message.from() + " sent Accepted for slot " + slot + " under "
              + a.ballot() + " to replica " + message.to() + " before that acceptance was durable");
        }
      }
    }
  }

  // ---------------------------------------------------------------- state machines

  /**
   * Replica {@code replicaId}'s state machine was handed command {@code id} of {@code slot} to
   * apply. A command proposed twice lands in two slots; it may take effect in only one.
   */
  void commandApplied(int replicaId, long slot, SimCommandId id) {
    Long before = appliedSlotOf.putIfAbsent(id, slot);
    if (before != null && before != slot) {
      throw new SimViolation("replica " + replicaId + " applied " + id + " in slot " + slot
          + " but it had taken effect in slot " + before + " already: a command applied twice");
    }
  }

  /** The slot command {@code id} took effect in; null if none yet. */
  Long slotOf(SimCommandId id) {
    return appliedSlotOf.get(id);
  }

  /**
   * Replica {@code replicaId} finished applying {@code slot}, where it applied {@code commands}
   * (the others of the slot's value it skipped as duplicates or expired); {@code hash} gives its
   * state hash, computed only if it is checked.
   */
  void slotApplied(int replicaId, long slot, List<SimCommandId> commands, LongSupplier hash) {
    Batch value = chosen.get(slot);
    if (value == null) {
      throw new SimViolation("replica " + replicaId + " applied slot " + slot
          + " but no majority durably accepted any value there (durable acceptances: " + describe(slot) + ")");
    }
    if (!inOrderWithin(commands, value)) {
      throw new SimViolation("replica " + replicaId + " applied " + commands + " in slot " + slot
          + ", which are not commands of the value chosen there (" + value + ")");
    }
    List<SimCommandId> before = appliedInSlot.putIfAbsent(slot, List.copyOf(commands));
    if (before != null && !before.equals(commands)) {
      throw new SimViolation("replica " + replicaId + " applied " + commands + " in slot " + slot
          + " but another replica applied " + before + " there");
    }
    if (slot % HASH_EVERY_SLOTS == 0) {
      checkHash(replicaId, slot, hash.getAsLong());
    }
  }

  /** Whether {@code commands} are commands of {@code value}, in the value's order. */
  private static boolean inOrderWithin(List<SimCommandId> commands, Batch value) {
    int next = 0;
    for (SimCommandId id : commands) {
      while (next < value.size() && !id.equals(SimCommandId.of(value.command(next)))) {
        next++;
      }
      if (next == value.size()) {
        return false;
      }
      next++;
    }
    return true;
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
    List<String> parts = new ArrayList<>();
    bySlot.forEach((ballot, a) -> parts.add(ballot + " by " + Long.toBinaryString(a.members())));
    return String.join(" ", parts);
  }

  int chosenSlots() {
    return chosen.size();
  }
}
