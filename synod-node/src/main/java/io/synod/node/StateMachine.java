package io.synod.node;

/**
 * The replicated state machine a node drives. Called only from the node's loop thread, in slot
 * order. Implementations must be deterministic: the same commands in the same order give the same
 * replies and state on every replica (no clocks, no randomness, no iteration order of hash maps).
 */
public interface StateMachine {
  /**
   * Applies one client command chosen in {@code slot} and returns its reply. A malformed command
   * gets an error reply; it must never throw or corrupt the state.
   */
  byte[] apply(long slot, byte[] command);

  /** Every command of {@code slot} has been applied (a point to record the applied slot). */
  void slotApplied(long slot);

  /**
   * The slot whose effects the state already contains after {@link #restore} or a restart; a
   * volatile state machine returns the slot of the snapshot it was restored from.
   */
  long appliedSlot();

  /** A snapshot of the whole state as of {@link #appliedSlot()}. */
  byte[] snapshot();

  /** Replaces the whole state with {@code snapshot} (the state after applying {@code slot}). */
  void restore(long slot, byte[] snapshot);
}
