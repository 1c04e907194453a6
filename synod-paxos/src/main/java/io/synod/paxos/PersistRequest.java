package io.synod.paxos;

import java.util.List;

/**
 * State the host must make durable, in order, before calling {@link Replica#persisted(long)} with
 * {@code seq}. Requests are numbered 1, 2, 3, ... and must become durable in that order (a log
 * append does this naturally).
 *
 * @param seq this request's number
 * @param promised the new promised ballot, or null if unchanged
 * @param entries accepted entries to append; a later entry for a slot replaces an earlier one
 * @param chosenUpTo every entry at a slot ≤ this value is chosen (a hint for replay after restart;
 *     -1 when unchanged)
 * @param trimBelow entries below this slot may be deleted (0 when unchanged); the host already holds a
 *     durable snapshot covering them
 * @param rebuilt a replica started from {@link DurableState#forgotten} finished rebuilding with this
 *     request: once it is durable the host may forget that the replica was rebuilding. Until then a
 *     restart must start from a forgotten state again.
 */
public record PersistRequest(
    long seq, Ballot promised, List<Entry> entries, long chosenUpTo, long trimBelow, boolean rebuilt) {
  /**
   * Whether the host must sync before reporting this request persisted. A request that carries only
   * a new {@code chosenUpTo} hint need not be: losing a hint in a crash is safe (the replica learns
   * again from its peers), and no message waits for one. The host may then report it persisted once
   * written, as long as it stays in order with the requests that are synced.
   */
  public boolean needsSync() {
    return promised != null || !entries.isEmpty() || trimBelow > 0 || rebuilt;
  }

  public boolean isEmpty() {
    return promised == null && entries.isEmpty() && chosenUpTo < 0 && trimBelow == 0 && !rebuilt;
  }
}
