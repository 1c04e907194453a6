package io.synod.paxos;

import java.util.List;

/**
 * What a replica asks of its host after a batch of inputs. Handle the fields in this order:
 *
 * <ol>
 *   <li>{@code install}: restore the state machine from this snapshot and store it durably first; the
 *       {@code chosen} entries that follow continue from its slot.
 *   <li>{@code messages}: send now. Every message here is already safe to send: messages that depend on
 *       durable state are held back inside the replica until {@link Replica#persisted(long)} covers it.
 *   <li>{@code persist}: make durable (in request order) and then call {@link Replica#persisted(long)}.
 *       May overlap with sending and with applying.
 *   <li>{@code chosen}: apply in order; they continue exactly where the previous Ready's left off.
 *   <li>{@code dropped}: commands this replica accepted for proposal but will never propose (it lost
 *       leadership before giving them a slot): they were certainly not chosen, so the host may retry
 *       them elsewhere.
 * </ol>
 */
public record Ready(
    SnapshotInstall install,
    List<Message> messages,
    PersistRequest persist,
    List<Entry> chosen,
    List<byte[]> dropped) {

  /** A snapshot to install: the state after applying every slot ≤ {@code handle.slot()}. */
  public record SnapshotInstall(SnapshotHandle handle, byte[] data) {}

  public boolean isEmpty() {
    return install == null && messages.isEmpty() && persist == null && chosen.isEmpty() && dropped.isEmpty();
  }
}
