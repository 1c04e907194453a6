package io.synod.node.core;

/**
 * The replicated state machine a {@link NodeCore} drives. Called only from the thread that runs the
 * core, in slot order. Implementations must be deterministic: the same commands in the same order
 * give the same results and state on every replica (no clocks, no randomness, no iteration order of
 * hash maps).
 *
 * @param <R> the typed result of one command, handed to the node the command entered through
 */
public interface StateMachine<R> {
  /**
   * Applies one client command chosen in {@code slot}: the bytes {@code command[offset, offset +
   * length)}. They are the only copy: the machine decodes them once and must not keep the array.
   * When {@code resultWanted} is false no node waits for the result (the command entered through
   * another replica) and the machine may skip building it, and return null; a command that changes
   * nothing (a read) may then be skipped entirely. A malformed command gets an error result; it must
   * never throw or corrupt the state.
   */
  R apply(long slot, byte[] command, int offset, int length, boolean resultWanted);

  /**
   * Runs the read-only command {@code command[offset, offset + length)} against the state as it is,
   * changing nothing, for a read answered locally under a read lease. Returns null if the command is
   * not a read this machine can answer this way (the node then sends it through the log).
   */
  default R read(byte[] command, int offset, int length) {
    return null;
  }

  /**
   * Time passed: {@code nowNanos} is the node's monotonic clock (never going back) and {@code leader}
   * says whether this node leads now. Returns commands (encoded like a client's) that the machine
   * wants logged, such as the expiry of a lease whose time is up; the node proposes them only while
   * it leads, each under a command id of its own (so a copy proposed twice is applied once), and
   * nobody waits for their results. A machine that must stay deterministic keeps what it learns here
   * out of its replicated state: only the commands it returns reach it, through the log. Called from
   * {@code NodeCore.tick} on the node's thread; the default has nothing to propose.
   */
  default java.util.List<byte[]> tick(long nowNanos, boolean leader) {
    return java.util.List.of();
  }

  /** Every command of {@code slot} has been applied (a point to record the applied slot). */
  void slotApplied(long slot);

  /**
   * The slot whose effects the state already contains after {@link #restore} or a restart; a
   * volatile state machine returns the slot of the snapshot it was restored from.
   */
  long appliedSlot();

  /** A snapshot of the whole state as of {@link #appliedSlot()}. */
  byte[] snapshot();

  /**
   * Starts a snapshot of the whole state as of {@link #appliedSlot()}, to be encoded in steps with
   * slots applied between them; the node steps it between its batches of work, so that a large state
   * never holds the node's loop for long. A {@link #restore} abandons it. The default takes the
   * whole {@link #snapshot()} at once.
   */
  default SnapshotEncoder startSnapshot() {
    byte[] whole = snapshot();
    return SnapshotEncoder.of(budgetBytes -> whole, () -> { });
  }

  /** A snapshot being encoded in steps (see {@link #startSnapshot()}). */
  interface SnapshotEncoder {
    /**
     * Encodes about {@code budgetBytes} more (at least one entry); returns the whole snapshot once
     * complete (the state as of its start), null while some remains.
     */
    byte[] step(long budgetBytes);

    /** Gives the snapshot up. */
    void abandon();

    /** An encoder of these two steps (e.g. a state machine's own encoder's methods). */
    static SnapshotEncoder of(java.util.function.LongFunction<byte[]> step, Runnable abandon) {
      return new SnapshotEncoder() {
        @Override
        public byte[] step(long budgetBytes) {
          return step.apply(budgetBytes);
        }

        @Override
        public void abandon() {
          abandon.run();
        }
      };
    }
  }

  /** Replaces the whole state with {@code snapshot} (the state after applying {@code slot}). */
  void restore(long slot, byte[] snapshot);
}
