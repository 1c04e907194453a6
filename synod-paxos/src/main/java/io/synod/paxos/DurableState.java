package io.synod.paxos;

import java.util.List;

/**
 * What a replica finds on its disk when it starts: everything reported durable through
 * {@link Replica#persisted(long)} before a crash, and possibly more.
 *
 * @param promised the highest ballot promised
 * @param chosenUpTo the last persisted chosen hint (0 if none)
 * @param snapshot the latest durable snapshot's handle (slot 0 for the empty initial state)
 * @param snapshotData its bytes, served to peers behind the trimmed log (empty for slot 0)
 * @param entries accepted entries above the snapshot, one per slot (the latest written for each)
 * @param forgotten the host found its durable state corrupt and wiped it: the replica may have made
 *     promises and accepted values it no longer knows, so it must not vote until it has rebuilt its
 *     acceptor state from every other member (see {@link Replica})
 */
public record DurableState(
    Ballot promised, long chosenUpTo, SnapshotHandle snapshot, byte[] snapshotData, List<Entry> entries,
    boolean forgotten) {

  public DurableState(
      Ballot promised, long chosenUpTo, SnapshotHandle snapshot, byte[] snapshotData, List<Entry> entries) {
    this(promised, chosenUpTo, snapshot, snapshotData, entries, false);
  }

  /** A replica whose disk was found corrupt and wiped: it must rebuild before it votes again. */
  public static DurableState forgotten(Configuration configuration) {
    return new DurableState(Ballot.ZERO, 0, new SnapshotHandle(0, configuration), new byte[0], List.of(), true);
  }

  /** A replica that never ran. */
  public static DurableState empty(Configuration configuration) {
    return new DurableState(Ballot.ZERO, 0, new SnapshotHandle(0, configuration), new byte[0], List.of());
  }
}
