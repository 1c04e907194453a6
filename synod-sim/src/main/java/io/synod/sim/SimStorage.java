package io.synod.sim;

import io.synod.common.Marks;
import io.synod.node.ReplicaStorage;
import io.synod.node.StorageCorruptException;
import io.synod.node.StorageFault;
import io.synod.paxos.Ballot;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.WalCorruptionException;
import io.synod.wal.fs.CrashPointFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * One replica's disk in the simulator: the production {@link ReplicaStorage} (write-ahead log,
 * acceptor state file, snapshots, incarnation number) on a {@link SimFileSystem} that loses and
 * tears unsynced writes when the replica crashes and can have bits flipped.
 *
 * <p>It carries out the node's storage jobs the way the server's storage thread does: writes first
 * (a promise and a snapshot are durable when written, log records only once synced), then one sync
 * for everything written, skipped when only chosen hints were written. The simulator spreads these
 * steps over simulated time, so a crash can fall between them.
 *
 * <p>A crash can also fall inside a step: the storage runs on a {@link CrashPointFileSystem}, which
 * {@link #crashAfter} arms to lose power right after a chosen number of file operations, so that a
 * multi-step update (an acceptor state written to a temp file, synced, renamed and its directory
 * synced; a log roll; a snapshot) is cut between any two of its steps. A step cut that way throws
 * {@link PowerLoss}.
 */
final class SimStorage {
  /**
   * Small segments so logs roll and trim often within one run, and a small write buffer so a burst
   * of records reaches the file in several writes before its sync, as a large batch does in
   * production (a crash can then keep a later write and lose or tear an earlier one).
   */
  private static final WalConfig WAL = new WalConfig(
      64 << 10, 512, 64 << 10, 16 << 10, 100_000, 1024, 1 << 20, 10_000_000_000L, 2, 8 << 20).validate();

  /** The page size of the simulated disk, and how often a page a reordering crash keeps is torn. */
  private static final int PAGE_BYTES = 4096;
  private static final double TORN_PAGE_SHARE = 0.25;

  /** A storage step was cut by a power loss the simulator planted; the file system has crashed. */
  static final class PowerLoss extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PowerLoss(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private final SimFileSystem fs;
  private final Path dir;
  private final Configuration configuration;
  /** Planted storage bugs: the replica storage's own, and the host's group commit's. */
  private final Set<StorageFault> storageFaults;
  private final boolean syncByLastRequest;
  private final ArrayDeque<PersistRequest> unsynced = new ArrayDeque<>();
  /**
   * Unsynced writes that crashes since the storage last opened let reach the disk only in part while
   * bytes written after them survived: the only damage recovery may refuse without planted
   * corruption.
   */
  private final List<SimFileSystem.Damage> damage = new ArrayList<>();
  /** Where the choice of a crash's disk model comes from (see {@link #reorderPagesOnCrash}). */
  private final SplittableRandom random;
  /** Whether a crash may now reorder pages: only while every other replica is intact. */
  private BooleanSupplier mayDamage = () -> false;
  private double reorderShare;
  private CrashPointFileSystem points;
  private ReplicaStorage storage;

  SimStorage(int replicaId, Configuration configuration, SplittableRandom random, Planted planted) {
    this.storageFaults = planted.storage();
    this.syncByLastRequest = planted.host().contains(HostFault.SYNC_BY_LAST_REQUEST);
    this.fs = new SimFileSystem(random.split());
    this.random = random;
    this.dir = Path.of("/replica-" + replicaId);
    this.configuration = configuration;
  }

  /**
   * From now on a crash, with probability {@code share}, reorders the pages of unsynced writes (see
   * {@link SimFileSystem#reorderUnsyncedWrites}): each reaches the disk or not on its own, a kept
   * one torn one time in four, so a damaged record can come before records that survived. Only while
   * {@code allowed} says so: the simulator allows it while every other replica is intact, since
   * recovery may refuse such a log, and the replica must then rebuild from its peers.
   */
  void reorderPagesOnCrash(double share, BooleanSupplier allowed) {
    this.reorderShare = share;
    this.mayDamage = allowed;
  }

  /** Chooses the disk model of a crash about to happen. */
  private void chooseCrashModel() {
    boolean reorder = reorderShare > 0 && mayDamage.getAsBoolean() && random.nextDouble() < reorderShare;
    fs.reorderUnsyncedWrites(reorder ? PAGE_BYTES : 0, TORN_PAGE_SHARE);
  }

  /** What opening the disk found. */
  record Opened(DurableState state, String refusedDamage) {}

  /**
   * Opens the disk after a (re)start. Corruption the simulator planted, an unfinished rebuild, or a
   * log that recovery refuses because a crash tore an unsynced write that a later surviving write
   * follows, is answered by wiping and rebuilding; any other corruption is a bug and a violation.
   */
  Opened open(boolean corruptionPlanted, boolean forgetPromise) {
    unsynced.clear();
    points = new CrashPointFileSystem(fs);
    // The crash point crashes the file system right after an operation: the model is chosen just
    // before, once the operation is known to be the last (the listener hears each one first).
    points.listen(op -> {
      if (points.operationsLeft() == 1) {
        chooseCrashModel();
      }
    });
    String refusedDamage = null;
    try {
      ReplicaStorage.Opened opened;
      try {
        opened = ReplicaStorage.open(points, dir, 1, configuration, WAL, storageFaults);
      } catch (StorageCorruptException e) {
        refusedDamage = explainedByDamage(e);
        if (!corruptionPlanted && !e.unfinishedRebuild() && refusedDamage == null) {
          throw new SimViolation("storage found corrupt without planted corruption: " + e.getMessage()
              + (damage.isEmpty() ? "" : " (unsynced writes torn by crashes: " + damage + ")"));
        }
        if (refusedDamage != null && !corruptionPlanted && !e.unfinishedRebuild()) {
          Marks.hit("sim.torn-write-refused-replica-rebuilt");
        }
        opened = ReplicaStorage.wipe(points, dir, 1, configuration, WAL, storageFaults);
      }
      damage.clear();
      storage = opened.storage();
      DurableState state = opened.state();
      if (forgetPromise && !state.forgotten()) {
        state = new DurableState(Ballot.ZERO, state.chosenUpTo(), state.snapshot(), state.snapshotData(),
            state.entries());
      }
      return new Opened(state, refusedDamage);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether a log refused as corrupt holds the damage a crash may leave: recovery names an offset past
   * the file's synced bytes, at or before the end of an unsynced write a crash let reach the disk only
   * in part while bytes written after it survived. Returns a description, or null if it does not.
   */
  private String explainedByDamage(StorageCorruptException e) {
    if (!(e.getCause() instanceof WalCorruptionException corrupt)) {
      return null;
    }
    for (SimFileSystem.Damage torn : damage) {
      if (torn.explains(corrupt.file(), corrupt.offset())) {
        return corrupt.file().getFileName() + " at byte offset " + corrupt.offset() + ", past the start of its unsynced writes (byte "
            + torn.unsyncedFrom() + ") and before a write of bytes [" + torn.start() + ", " + torn.end()
            + ") that reached the disk only in part, from byte " + torn.firstMissing() + " on";
      }
    }
    return null;
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
      throw failure(e);
    }
  }

  void write(PersistRequest request) {
    try {
      storage.write(request);
      unsynced.addLast(request);
    } catch (IOException e) {
      throw failure(e);
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
      throw failure(e);
    }
    List<PersistRequest> durable = new ArrayList<>(unsynced);
    unsynced.clear();
    return durable;
  }

  /**
   * Syncs only if some unsynced request needs it ({@link PersistRequest#needsSync()}), as the node's
   * storage thread does; returns the requests that became durable. With the planted
   * {@link HostFault#SYNC_BY_LAST_REQUEST} only the last request is asked: when it needs no sync
   * the batch is left unsynced (and nothing became durable), though the host reports it persisted.
   */
  List<PersistRequest> syncIfNeeded() {
    if (syncByLastRequest && !unsynced.isEmpty()) {
      if (unsynced.peekLast().needsSync()) {
        return sync();
      }
      // Planted bug (simulator tests only): the earlier requests' entries and promises stay unsynced.
      unsynced.clear();
      return List.of();
    }
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
      throw failure(e);
    }
  }

  /**
   * Arms a power loss right after the next {@code operations} file operations that change files or
   * directories, syncing {@code journalCommit} (if not null) first: a journal commit made for some
   * other process, which can make a pending rename or delete durable although nobody synced it.
   */
  void crashAfter(int operations, Path journalCommit) {
    points.arm(operations, journalCommit);
  }

  /** No armed power loss will happen any more. */
  void disarm() {
    points.disarm();
  }

  /** The directories of this disk that exist now, for a journal commit to pick from. */
  List<Path> directories() {
    List<Path> out = new ArrayList<>();
    for (Path candidate : List.of(dir, dir.resolve("wal"), dir.resolve("snapshots"))) {
      if (fs.exists(candidate)) {
        out.add(candidate);
      }
    }
    return out;
  }

  /** The file operations since the armed crash point, the one it crashed after last. */
  List<String> operationsBeforePowerLoss() {
    return points.trace();
  }

  /** A power loss the crash point planted ends the step; any other I/O failure is a bug. */
  private RuntimeException failure(IOException e) {
    if (points.crashed()) {
      return new PowerLoss(e);
    }
    return new UncheckedIOException(e);
  }

  /**
   * Power loss: unsynced writes are lost or torn (the crash point may have cut the power already).
   * Writes torn while later ones survived are remembered until the disk next opens.
   */
  void crash() {
    if (points == null || !points.crashed()) {
      chooseCrashModel();
      fs.crash();
    }
    if (!fs.lastCrashDamage().isEmpty()) {
      Marks.hit("sim.crash-left-damage-before-surviving-writes");
      damage.addAll(fs.lastCrashDamage());
    }
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
