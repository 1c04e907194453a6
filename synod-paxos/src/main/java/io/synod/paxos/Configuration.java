package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.List;

/**
 * The voting members of a group, by replica id, in ascending order. Quorums are majorities of it.
 */
public record Configuration(List<Integer> members) {
  public Configuration {
    Ensure.notNull(members, "members");
    Ensure.argument(!members.isEmpty(), "a configuration needs at least one member");
    members = List.copyOf(members);
    for (int i = 0; i < members.size(); i++) {
      Ensure.argument(members.get(i) >= 1, "replica ids start at 1");
      Ensure.argument(i == 0 || members.get(i - 1) < members.get(i), "members must be ascending and distinct");
    }
  }

  /** Members 1..n. */
  public static Configuration ofSize(int n) {
    Ensure.argument(n >= 1 && n <= 63, "a group has 1..63 members");
    Integer[] ids = new Integer[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i + 1;
    }
    return new Configuration(List.of(ids));
  }

  public int size() {
    return members.size();
  }

  public boolean contains(int replicaId) {
    return members.contains(replicaId);
  }

  /** The smallest number of members any two of which sets intersect: a strict majority. */
  public int quorum() {
    return Quorum.majority(members.size());
  }
}
