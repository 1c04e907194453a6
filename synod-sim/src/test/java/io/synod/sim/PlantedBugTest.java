package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The simulator's checks can fail: each planted bug must be reported within {@link #SEEDS_MAX}
 * seeds of the full fault mix (one, of the rebuild mode), with a violation that names what went wrong. The search stops at the
 * first failing seed; docs/TESTING.md lists the seed that catches each bug and the check that fires.
 */
class PlantedBugTest {
  private static final int SEEDS_MAX = 2_000;

  /**
   * The first run of seeds 1, 2, ... (alternating 3 and 5 replicas) of {@code mode} that reports a
   * violation.
   */
  static SimResult firstViolation(String bug, SimOptions.Mode mode) {
    Planted planted = Planted.of(bug);
    for (long seed = 1; seed <= SEEDS_MAX; seed++) {
      SimResult result = Simulation.run(mode.options(seed, seed % 2 == 0 ? 5 : 3).withPlanted(planted));
      if (!result.ok()) {
        return result;
      }
    }
    return null;
  }

  private static SimResult caught(String bug) {
    return caught(bug, SimOptions.Mode.ALL_FAULTS);
  }

  private static SimResult caught(String bug, SimOptions.Mode mode) {
    SimResult result = firstViolation(bug, mode);
    assertThat(result).as("a violation within %d seeds", SEEDS_MAX).isNotNull();
    assertThat(result.report()).contains("--plant " + bug);
    return result;
  }

  // ---------------------------------------------------------------- the Paxos core

  @Test
  void quorumOfHalfTheReplicasIsCaught() {
    assertThat(caught("QUORUM_TOO_SMALL").violation())
        .containsAnyOf("no majority", "two different values", "chosen with");
  }

  @Test
  void leaderThatSkipsReproposingIsCaught() {
    assertThat(caught("SKIP_REPROPOSE").violation())
        .containsAnyOf("two different values", "is chosen with", "applied");
  }

  /** Caught by the oracle's persist-before-send check the first time a Promise leaves early. */
  @Test
  void promiseSentBeforeItIsDurableIsCaught() {
    assertThat(caught("PROMISE_BEFORE_DURABLE").violation()).contains("a promise sent before it was durable");
  }

  /**
   * The leader learns a slot is chosen, applies it and answers the client, before a quorum holds the
   * entry durably.
   */
  @Test
  void acceptedSentBeforeTheEntryIsDurableIsCaught() {
    assertThat(caught("ACCEPTED_BEFORE_DURABLE").violation())
        .containsAnyOf("before that acceptance was durable", "no majority durably accepted");
  }

  @Test
  void acceptorThatAcceptsBelowItsPromiseIsCaught() {
    assertThat(caught("ACCEPT_BELOW_PROMISE").violation()).containsAnyOf("after promising", "two different values");
  }

  @Test
  void leaderThatCountsAStaleAcceptedIsCaught() {
    assertThat(caught("COUNT_STALE_ACCEPTED").violation())
        .containsAnyOf("no majority durably accepted", "two different values", "not commands of the value chosen");
  }

  /**
   * A rebuild that ends at its plan's bound needs an Accept of an old ballot to reach a peer after
   * the peer answered the rebuild: the rebuild mode makes that happen (a lost disk comes back within
   * about 100 ms, often the leader's, and more messages are held back), the full fault mix did not
   * within 2,000 seeds.
   */
  @Test
  void rebuildThatEndsWithoutAHigherLeaderIsCaughtInTheRebuildMode() {
    assertThat(caught("REBUILD_WITHOUT_HIGHER_LEADER", SimOptions.Mode.REBUILDS).violation())
        .containsAnyOf("two different values", "is chosen with", "not commands of the value chosen");
  }

  // ---------------------------------------------------------------- storage and the host

  @Test
  void acceptorThatForgetsItsPromiseOnRestartIsCaught() {
    assertThat(caught("FORGET_PROMISE").violation()).containsAnyOf("promise", "two different values", "is chosen with");
  }

  /**
   * The acceptor state written in place: only a crash that falls between its truncation and its sync
   * shows it, which the crashes armed inside storage work make happen.
   */
  @Test
  void acceptorStateWrittenInPlaceIsCaught() {
    assertThat(caught("NON_ATOMIC_ACCEPTOR_STATE").violation())
        .containsAnyOf("storage found corrupt without planted corruption", "a promise was forgotten");
  }

  @Test
  void groupCommitThatSyncsByTheLastRequestIsCaught() {
    assertThat(caught("SYNC_BY_LAST_REQUEST").violation())
        .containsAnyOf("before that acceptance was durable", "a promise sent before it was durable",
            "no majority durably accepted");
  }

  // ---------------------------------------------------------------- the node

  /**
   * A re-proposed command applied again: every replica does it alike, so state hashes agree, and a
   * write applied twice looks like a late effect of a timed-out write unless a later acknowledged
   * operation contradicts it. The oracle's check that each command takes effect in one slot only
   * catches it at once.
   */
  @Test
  void nodeThatAppliesDuplicatesIsCaught() {
    assertThat(caught("APPLY_DUPLICATES").violation()).contains("applied twice");
  }

  /**
   * A leader that drops forwarded commands, with origins that never send again: no safety check
   * fails (the requests time out as unknown), but in the liveness phase the followers never answer
   * a request.
   */
  @Test
  void lostForwardsAreCaught() {
    assertThat(caught("LOSE_FORWARDS").violation()).contains("no progress").contains("yet to answer a request");
  }

  @Test
  void replyWithAnotherRequestsResultIsCaught() {
    assertThat(caught("REPLY_TO_OTHER_REQUEST").violation()).containsAnyOf("does not answer it", "holds other keys",
        "not linearizable", "NOT_LINEARIZABLE", "never took effect");
  }

  @Test
  void appliedCommandsNotRestoredFromASnapshotAreCaught() {
    assertThat(caught("APPLIED_TABLE_NOT_RESTORED").violation())
        .containsAnyOf("applied twice", "but another replica applied", "state hash");
  }

  @Test
  void everyPlantedBugHasATest() {
    assertThat(Planted.allNames()).hasSize(18).doesNotHaveDuplicates();
  }

  // ---------------------------------------------------------------- watches

  /**
   * A watch created at an earlier revision starts one late: the watch clients resume from the
   * revision after the last they saw through, after crashes and moves to other replicas, and the
   * changes of that revision never reach them.
   */
  @Test
  void watchThatSkipsTheRevisionItResumesFromIsCaught() {
    assertThat(caught("WATCH_SKIPS_RESUME_REVISION").violation()).contains("but the history of those revisions");
  }

  // ---------------------------------------------------------------- read leases

  /** A grantor that vouches without its holders lets a write become visible a holder never saw. */
  @Test
  void vouchingWithoutTheHoldersIsCaught() {
    assertThat(caught("VOUCH_WITHOUT_HOLDERS", SimOptions.Mode.READ_LEASES).violation())
        .contains("NOT_LINEARIZABLE");
  }

  /** A local read that does not wait for the writes its replica accepted misses acknowledged ones. */
  @Test
  void localReadBeforeAcceptedWritesAreAppliedIsCaught() {
    assertThat(caught("READ_BEFORE_APPLY", SimOptions.Mode.READ_LEASES).violation())
        .contains("NOT_LINEARIZABLE");
  }

  // ---------------------------------------------------------------- the lease keeper

  /**
   * A new leader restarts a lease from the remaining TTL of a checkpoint that a keep-alive has
   * superseded: the lease expires before its TTL since that keep-alive has run out.
   */
  @Test
  void leaderRestartingLeasesFromASupersededCheckpointIsCaught() {
    SimResult result = caught("STALE_CHECKPOINT_FLOOR");
    assertThat(result.violation()).contains("expired at").contains("whose answer a client got");
  }
}
