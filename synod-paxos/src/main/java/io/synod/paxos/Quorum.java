package io.synod.paxos;

import io.synod.common.Ensure;

/** Quorum arithmetic, kept alone so it can be tested against a naive version. */
public final class Quorum {
  private Quorum() {}

  /** The size of a strict majority of {@code n}: any two such sets share a member. */
  public static int majority(int n) {
    Ensure.argument(n >= 1, "a group has at least one member");
    return n / 2 + 1;
  }

  /** Whether {@code votes} (a bit per member index) reach {@code quorum}. */
  public static boolean reached(long votes, int quorum) {
    return Long.bitCount(votes) >= quorum;
  }
}
