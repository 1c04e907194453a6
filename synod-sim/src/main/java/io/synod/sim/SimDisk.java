package io.synod.sim;

import io.synod.paxos.Ballot;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;

/**
 * A replica's simulated disk: only what was reported durable. A crash loses every persist request
 * still in flight (the simulator simply never applies it here).
 */
final class SimDisk {
  private Ballot promised = Ballot.ZERO;
  private long chosenUpTo;
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private SnapshotHandle snapshot;
  private byte[] snapshotData = new byte[0];
  private boolean rebuilding;

  SimDisk(Configuration configuration) {
    snapshot = new SnapshotHandle(0, configuration);
  }

  /** Marks a wiped disk: until the replica reports it rebuilt, a restart must wipe again. */
  void markRebuilding() {
    rebuilding = true;
  }

  boolean rebuilding() {
    return rebuilding;
  }

  void write(PersistRequest request) {
    if (request.rebuilt()) {
      rebuilding = false;
    }
    if (request.promised() != null) {
      promised = request.promised();
    }
    for (Entry entry : request.entries()) {
      if (entry.slot() > snapshot.slot()) {
        entries.put(entry.slot(), entry);
      }
    }
    if (request.chosenUpTo() >= 0) {
      chosenUpTo = Math.max(chosenUpTo, request.chosenUpTo());
    }
    if (request.trimBelow() > 0) {
      entries.headMap(request.trimBelow()).clear();
    }
  }

  /** Stores a snapshot durably (the simulator's snapshots are written synchronously). */
  void writeSnapshot(SnapshotHandle handle, byte[] data) {
    if (handle.slot() <= snapshot.slot()) {
      return;
    }
    snapshot = handle;
    snapshotData = data;
    chosenUpTo = Math.max(chosenUpTo, handle.slot());
  }

  SnapshotHandle snapshot() {
    return snapshot;
  }

  byte[] snapshotData() {
    return snapshotData;
  }

  /** What a restarting replica finds; {@code forgetPromise} is the planted storage bug. */
  DurableState load(boolean forgetPromise) {
    ArrayList<Entry> above = new ArrayList<>();
    for (Map.Entry<Long, Entry> e : entries.tailMap(snapshot.slot(), false).entrySet()) {
      above.add(e.getValue());
    }
    return new DurableState(forgetPromise ? Ballot.ZERO : promised, chosenUpTo, snapshot, snapshotData, above);
  }
}
