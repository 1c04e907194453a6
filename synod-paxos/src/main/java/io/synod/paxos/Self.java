package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one replica knows about itself and its group that never changes while it runs: its limits, its
 * id, the voting members in configuration order and the quorum size. Every part of a {@link Replica}
 * shares one instance.
 *
 * <p>A member's position in {@link #members()} is its index: its bit in {@link Votes} and its slot in
 * per-member arrays.
 */
final class Self {
  private final PaxosConfig config;
  private final int id;
  private final int[] members;
  private final Map<Integer, Integer> memberIndex = new HashMap<>();
  private final int quorum;
  /**
   * The planted faults by ordinal, read once: the hot paths ask on every message, and an array
   * lookup costs less than a set's, whatever set implementation the configuration holds.
   */
  private final boolean[] planted = new boolean[Fault.values().length];

  /** {@code config} must already be validated. */
  Self(PaxosConfig config, int id) {
    this.config = config;
    this.id = id;
    List<Integer> ids = config.configuration().members();
    Ensure.argument(ids.contains(id), "replica " + id + " is not a member of " + ids);
    this.members = ids.stream().mapToInt(Integer::intValue).toArray();
    for (int i = 0; i < members.length; i++) {
      memberIndex.put(members[i], i);
    }
    this.quorum = config.quorum();
    for (Fault fault : config.faults()) {
      planted[fault.ordinal()] = true;
    }
    Ensure.that(quorum >= 1, "a quorum has at least one member");
    Ensure.that(quorum <= members.length, "a quorum cannot exceed the group");
  }

  PaxosConfig config() {
    return config;
  }

  int groupId() {
    return config.groupId();
  }

  /** This replica's id. */
  int id() {
    return id;
  }

  /** The voting members' ids in configuration order. Callers must not modify the array. */
  int[] members() {
    return members;
  }

  int size() {
    return members.length;
  }

  /** The votes that make a quorum (honouring the planted {@link Fault#QUORUM_TOO_SMALL}). */
  int quorum() {
    return quorum;
  }

  /** Whether the planted bug {@code fault} is switched on (simulator tests only; never in production). */
  boolean planted(Fault fault) {
    return planted[fault.ordinal()];
  }

  boolean isMember(int replicaId) {
    return memberIndex.containsKey(replicaId);
  }

  /** The position of {@code member} in the configuration. */
  int indexOf(int member) {
    Integer index = memberIndex.get(member);
    Ensure.that(index != null, "replica %d is not a member", member);
    return index;
  }
}
