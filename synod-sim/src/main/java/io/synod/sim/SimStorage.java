package io.synod.sim;

import io.synod.node.ReplicaStorage;
import io.synod.node.StorageCorruptException;
import io.synod.paxos.Ballot;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One replica's disk in the simulator: the production {@link ReplicaStorage} (write-ahead log,
 * acceptor state file, snapshots, incarnation number) on a {@link SimFileSystem} that loses and
 * tears unsynced writes when the replica crashes and can have bits flipped.
 *
 * <p>It carries out the node's storage jobs the way the server's storage thread does: writes first
 * (a promise and a snapshot are durable when written, log records only once synced), then one sync
 * for everything written, skipped when only chosen hints were written. The simulator spreads these
 * steps over simulated time, so a crash can fall between them.
 */
final class SimStorage {
  /** Small segments so logs roll and trim often within one run. */
  private static final WalConfig WAL = new WalConfig(
      16 << 10, 4 << 10, 16 << 10, 8 << 10, 100_000, 1024, 1 << 20, 10_000_000_000L, 2, 1 << 20).validate();

  private final SimFileSystem fs;
  private final Path dir;
  private final Configuration configuration;
  private final ArrayDeque<PersistRequest> unsynced = new ArrayDeque<>();
  private ReplicaStorage storage;

  SimStorage(int replicaId, Configuration configuration, SplittableRandom random) {
    this.fs = new SimFileSystem(random);
    this.dir = Path.of("/replica-" + replicaId);
    this.configuration = configuration;
  }

  /**
   * Opens the disk after a (re)start. Corruption the simulator planted, or an unfinished rebuild, is
   * answered by wiping and rebuilding; corruption nobody planted is a bug and a violation.
   */
  DurableState open(boolean corruptionPlanted, boolean forgetPromise) {
    unsynced.clear();
    try {
      ReplicaStorage.Opened opened;
      try {
        opened = ReplicaStorage.open(fs, dir, 1, configuration, WAL);
      } catch (StorageCorruptException e) {
        if (!corruptionPlanted && !e.unfinishedRebuild()) {
          throw new SimViolation("storage found corrupt without planted corruption: " + e.getMessage());
        }
        opened = ReplicaStorage.wipe(fs, dir, 1, configuration, WAL);
      }
      storage = opened.storage();
      DurableState state = opened.state();
      if (forgetPromise && !state.forgotten()) {
        state = new DurableState(Ballot.ZERO, state.chosenUpTo(), state.snapshot(), state.snapshotData(),
            state.entries());
      }
      return state;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Numbers this start of the replica, through the production code: above every earlier start's
   * number and at least {@code floor} (the simulated time in microseconds, standing in for the wall
   * clock the server uses, which keeps a wiped disk's next number above the lost ones).
   */
  long startIncarnation(long floor) {
    try {
      return storage.startIncarnation(floor);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void write(PersistRequest request) {
    try {
      storage.write(request);
      unsynced.addLast(request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Syncs; returns the requests that became durable, in order. */
  List<PersistRequest> sync() {
    if (unsynced.isEmpty()) {
      return List.of();
    }
    try {
      storage.sync();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<PersistRequest> durable = new ArrayList<>(unsynced);
    unsynced.clear();
    return durable;
  }

  /**
   * Syncs only if some unsynced request needs it ({@link PersistRequest#needsSync()}), as the node's
   * storage thread does; returns the requests that became durable.
   */
  List<PersistRequest> syncIfNeeded() {
    for (PersistRequest request : unsynced) {
      if (request.needsSync()) {
        return sync();
      }
    }
    return List.of();
  }

  int unsyncedCount() {
    return unsynced.size();
  }

  void writeSnapshot(SnapshotHandle handle, byte[] data) {
    try {
      storage.writeSnapshot(handle, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Power loss: unsynced writes are lost or torn. */
  void crash() {
    fs.crash();
    storage = null;
    unsynced.clear();
  }

  /**
   * Flips one bit where recovery must notice it: in the CRC-protected acceptor state file, or in the
   * middle of the oldest log segment while newer segments follow. Returns false if neither exists.
   */
  boolean corrupt(SplittableRandom random) {
    try {
      Path state = dir.resolve("acceptor.state");
      Path wal = dir.resolve("wal");
      List<Path> segments = fs.exists(wal) ? fs.list(wal) : List.of();
      if (segments.size() >= 3 && random.nextBoolean()) {
        Path oldest = segments.get(0);
        fs.flipBit(oldest, 1024 + random.nextLong(fs.sizeOf(oldest) / 2), random.nextInt(8));
        return true;
      }
      if (fs.exists(state)) {
        fs.flipBit(state, random.nextLong(fs.sizeOf(state)), random.nextInt(8));
        return true;
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean rebuilding() {
    return storage != null && storage.rebuilding();
  }
}
