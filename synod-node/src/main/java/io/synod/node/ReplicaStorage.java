package io.synod.node;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.paxos.Ballot;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.AtomicFile;
import io.synod.wal.SegmentedLog;
import io.synod.wal.Snapshot;
import io.synod.wal.SnapshotStore;
import io.synod.wal.SparePreallocator;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's durable state on disk: what the Paxos core's {@link PersistRequest}s ask for, and the
 * {@link DurableState} it restarts from.
 *
 * <p>Layout under the data directory: {@code acceptor.state} (promised ballot and configuration,
 * replaced atomically: temp file, fsync, rename, fsync directory), {@code wal/} (the segmented log
 * of accepted entries, chosen hints, trims and the end of a rebuild), {@code snapshots/}, and a
 * {@code REBUILDING} marker while a replica rebuilds after its state was lost. The server process
 * also keeps {@link #LOCK_FILE} there, which the storage never reads or writes.
 *
 * <p>Single-threaded: one caller (the node's storage thread, or the simulator) drives it. A promise
 * is durable when {@link #write} returns; entries are durable when the following {@link #sync}
 * returns. That order is what the core needs: it sends nothing that vouches for a request before the
 * host reports the request persisted, which the host does after {@code sync}.
 */
public final class ReplicaStorage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaStorage.class);
  /**
   * The file a server process holds an exclusive OS lock on while it owns the data directory
   * ({@code io.synod.server.DataDirLock}). {@link #wipe} keeps it: deleting it would let a second
   * process create and lock a new file of the same name while the first still runs.
   */
  public static final String LOCK_FILE = "synod.lock";
  private static final String ACCEPTOR_STATE = "acceptor.state";
  private static final String REBUILDING = "REBUILDING";
  private static final String INCARNATION = "incarnation";

  private final FileSystem fs;
  private final Path dir;
  private final int groupId;
  private final Configuration configuration;
  private final SegmentedLog log;
  private final SnapshotStore snapshots;
  /** Planted bugs (see {@link StorageFault}); empty unless a simulator test asked for some. */
  private final Set<StorageFault> faults;
  /** Slot to the log index of its latest entry record, for slots not yet trimmed. */
  private final TreeMap<Long, Long> entryIndexBySlot = new TreeMap<>();
  private long lastChosenRecordIndex;
  private long snapshotSlot;
  private boolean rebuilding;
  private boolean rebuiltWritten;
  private boolean trimPending;
  /** Started by {@link #startPreallocator()}; null when the caller drives rolls alone (the simulator). */
  private SparePreallocator preallocator;

  /** A storage opened, and the state the replica restarts from. */
  public record Opened(ReplicaStorage storage, DurableState state) {}

  private ReplicaStorage(FileSystem fs, Path dir, int groupId, Configuration configuration, SegmentedLog log,
      SnapshotStore snapshots, Set<StorageFault> faults) {
    this.faults = Set.copyOf(faults);
    this.fs = fs;
    this.dir = dir;
    this.groupId = groupId;
    this.configuration = configuration;
    this.log = log;
    this.snapshots = snapshots;
  }

  /**
   * Opens the storage in {@code dir}, creating it if empty, and recovers the durable state.
   *
   * @throws StorageCorruptException if what is on disk is corrupt (the log, the acceptor state or a
   *     half-finished rebuild); the caller decides whether to stop or to {@link #wipe} and rebuild
   */
  public static Opened open(FileSystem fs, Path dir, int groupId, Configuration configuration, WalConfig walConfig)
      throws IOException {
    return open(fs, dir, groupId, configuration, walConfig, Set.of());
  }

  /**
   * Test-only: {@link #open(FileSystem, Path, int, Configuration, WalConfig)} with the planted bugs
   * {@code faults} switched on, for the simulator's planted-bug tests. Production code calls the
   * method above, which plants none.
   */
  public static Opened open(FileSystem fs, Path dir, int groupId, Configuration configuration, WalConfig walConfig,
      Set<StorageFault> faults) throws IOException {
    fs.createDirectories(dir);
    if (fs.exists(dir.resolve(REBUILDING))) {
      throw StorageCorruptException.unfinishedRebuild(dir + " holds an unfinished rebuild: its state was lost before");
    }
    Ballot promised = Ballot.ZERO;
    Optional<byte[]> state;
    try {
      state = AtomicFile.read(fs, dir.resolve(ACCEPTOR_STATE));
    } catch (IOException e) {
      throw new StorageCorruptException("acceptor state " + dir.resolve(ACCEPTOR_STATE) + ": " + e.getMessage(), e);
    }
    if (state.isPresent()) {
      StorageCodec.AcceptorState decoded;
      try {
        decoded = StorageCodec.decodeAcceptorState(state.get());
      } catch (IOException e) {
        throw new StorageCorruptException("acceptor state " + dir.resolve(ACCEPTOR_STATE) + ": " + e.getMessage(), e);
      }
      if (decoded.groupId() != groupId) {
        throw new StorageCorruptException("acceptor state " + dir.resolve(ACCEPTOR_STATE) + " is of group "
            + decoded.groupId() + ", not " + groupId);
      }
      promised = decoded.promised();
    }
    SnapshotStore snapshots = new SnapshotStore(fs, dir.resolve("snapshots"), walConfig);
    Optional<Snapshot> snapshot = snapshots.latest();
    SnapshotHandle handle = new SnapshotHandle(0, configuration);
    byte[] snapshotData = new byte[0];
    if (snapshot.isPresent()) {
      handle = new SnapshotHandle(snapshot.get().slot(), StorageCodec.decodeConfiguration(snapshot.get().metadata()));
      snapshotData = snapshot.get().data();
    }
    SegmentedLog log;
    try {
      log = SegmentedLog.open(fs, dir.resolve("wal"), walConfig).log();
    } catch (io.synod.wal.WalCorruptionException e) {
      throw new StorageCorruptException(e.getMessage(), e);
    }
    ReplicaStorage storage = new ReplicaStorage(fs, dir, groupId, configuration, log, snapshots, faults);
    storage.snapshotSlot = handle.slot();
    TreeMap<Long, Entry> entries = new TreeMap<>();
    long[] chosenUpTo = {handle.slot()};
    long snapshotSlotFinal = handle.slot();
    try {
      log.replay(log.firstIndex(), (index, type, payload) -> {
        if (type >= 1 && type <= StorageCodec.OLDEST_FORMAT_TYPE_MAX) {
          throw new IOException("record type " + type + " at log index " + index
              + " is of an older storage format (without group ids), which this version cannot read");
        }
        int recordGroup = StorageCodec.groupOf(payload);
        if (recordGroup != groupId) {
          throw new IOException("log record at index " + index + " is of group " + recordGroup + ", not " + groupId);
        }
        switch (type) {
          case StorageCodec.ENTRY -> {
            Entry entry = StorageCodec.decodeEntry(payload);
            if (entry.slot() > snapshotSlotFinal) {
              entries.put(entry.slot(), entry);
              storage.entryIndexBySlot.put(entry.slot(), index);
            }
          }
          case StorageCodec.CHOSEN -> {
            chosenUpTo[0] = Math.max(chosenUpTo[0], StorageCodec.decodeGroupRecord(payload));
            storage.lastChosenRecordIndex = index;
          }
          case StorageCodec.TRIM -> {
            long trimBelow = StorageCodec.decodeGroupRecord(payload);
            entries.headMap(trimBelow).clear();
            storage.entryIndexBySlot.headMap(trimBelow).clear();
          }
          case StorageCodec.REBUILT -> { }
          default -> throw new IOException("unknown record type " + type + " at log index " + index);
        }
      });
    } catch (IOException e) {
      log.close();
      throw new StorageCorruptException("replaying " + dir.resolve("wal") + ": " + e.getMessage(), e);
    }
    DurableState durable = new DurableState(
        promised, chosenUpTo[0], handle, snapshotData, new ArrayList<>(entries.values()));
    LOG.info("opened {}: promised {}, snapshot at slot {}, {} entries, chosen hint {}",
        dir, promised, handle.slot(), entries.size(), chosenUpTo[0]);
    return new Opened(storage, durable);
  }

  /**
   * Deletes everything under {@code dir} but {@link #LOCK_FILE} and leaves a durable
   * {@code REBUILDING} marker, so the replica starts from {@link DurableState#forgotten} and a
   * restart before the rebuild ends wipes again. Returns the opened, empty storage and the forgotten
   * state. The directory itself stays, since the lock file in it does.
   */
  public static Opened wipe(FileSystem fs, Path dir, int groupId, Configuration configuration, WalConfig walConfig)
      throws IOException {
    return wipe(fs, dir, groupId, configuration, walConfig, Set.of());
  }

  /**
   * Test-only: {@link #wipe(FileSystem, Path, int, Configuration, WalConfig)} with the planted bugs
   * {@code faults} switched on in the storage it returns, for the simulator's planted-bug tests.
   */
  public static Opened wipe(FileSystem fs, Path dir, int groupId, Configuration configuration, WalConfig walConfig,
      Set<StorageFault> faults) throws IOException {
    LOG.warn("wiping {}: the replica lost its state and rebuilds from its peers", dir);
    Marks.hit("storage.wiped");
    fs.createDirectories(dir);
    // The marker goes first and durably: a crash part way through the deletions below must not leave
    // a directory that opens as a replica with its promise gone but some of its log still there.
    AtomicFile.write(fs, dir.resolve(REBUILDING), new byte[] {1});
    for (Path child : fs.list(dir)) {
      if (!isLockFile(child) && !isRebuildingMarker(child)) {
        delete(fs, child);
      }
    }
    fs.syncDirectory(dir);
    for (Path left : fs.list(dir)) {
      // A directory may stay behind, emptied: the simulator's file system never removes one.
      Ensure.that(isLockFile(left) || isRebuildingMarker(left) || holdsNoFiles(fs, left),
          "wiping %s left %s behind", dir, left);
    }
    SegmentedLog log = SegmentedLog.open(fs, dir.resolve("wal"), walConfig).log();
    ReplicaStorage storage = new ReplicaStorage(
        fs, dir, groupId, configuration, log, new SnapshotStore(fs, dir.resolve("snapshots"), walConfig), faults);
    storage.rebuilding = true;
    return new Opened(storage, DurableState.forgotten(configuration));
  }

  private static boolean isRebuildingMarker(Path path) {
    return path.getFileName().toString().equals(REBUILDING);
  }

  private static boolean isLockFile(Path path) {
    return path.getFileName().toString().equals(LOCK_FILE);
  }

  /** Whether {@code path} is a directory with no file anywhere under it. */
  private static boolean holdsNoFiles(FileSystem fs, Path path) throws IOException {
    if (!isDirectory(fs, path)) {
      return false;
    }
    for (Path child : fs.list(path)) {
      if (!child.equals(path) && !holdsNoFiles(fs, child)) {
        return false;
      }
    }
    return true;
  }

  /** Deletes a file, or a directory and everything under it; the caller syncs the parent. */
  private static void delete(FileSystem fs, Path path) throws IOException {
    if (!fs.exists(path)) {
      return;
    }
    if (isDirectory(fs, path)) {
      for (Path child : fs.list(path)) {
        if (!child.equals(path)) {
          delete(fs, child);
        }
      }
    }
    fs.delete(path);
  }

  private static boolean isDirectory(FileSystem fs, Path path) {
    try {
      fs.list(path);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes what {@code request} asks for. A new promise is durable when this returns; entries and
   * hints once {@link #sync()} returns.
   */
  public void write(PersistRequest request) throws IOException {
    if (request.promised() != null) {
      byte[] state = StorageCodec.encodeAcceptorState(groupId, request.promised(), configuration);
      if (faults.contains(StorageFault.NON_ATOMIC_ACCEPTOR_STATE)) {
        writeInPlace(dir.resolve(ACCEPTOR_STATE), state);
      } else {
        AtomicFile.write(fs, dir.resolve(ACCEPTOR_STATE), state);
      }
    }
    for (Entry entry : request.entries()) {
      long index = log.append(StorageCodec.ENTRY, StorageCodec.encodeEntry(groupId, entry));
      entryIndexBySlot.put(entry.slot(), index);
    }
    if (request.chosenUpTo() >= 0) {
      lastChosenRecordIndex = log.append(StorageCodec.CHOSEN, StorageCodec.encodeGroupRecord(groupId, request.chosenUpTo()));
    }
    if (request.trimBelow() > 0) {
      log.append(StorageCodec.TRIM, StorageCodec.encodeGroupRecord(groupId, request.trimBelow()));
      entryIndexBySlot.headMap(request.trimBelow()).clear();
    }
    if (request.trimBelow() > 0) {
      trimPending = true;
    }
    if (request.rebuilt()) {
      log.append(StorageCodec.REBUILT, StorageCodec.encodeGroupRecord(groupId, 0));
      rebuiltWritten = true;
    }
  }

  /**
   * The planted {@link StorageFault#NON_ATOMIC_ACCEPTOR_STATE} (simulator tests only): the file's
   * bytes, as {@link AtomicFile} frames them, written over the old ones in place and synced, with
   * the directory synced when the file is new, so that the write is durable and only not atomic.
   */
  private void writeInPlace(Path path, byte[] content) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(AtomicFile.frame(content));
    boolean created = !fs.exists(path);
    try (FileHandle handle = fs.open(path, true)) {
      handle.truncate(0);
      long position = 0;
      while (bytes.hasRemaining()) {
        position += handle.write(bytes, position);
      }
      handle.sync();
    }
    if (created) {
      fs.syncDirectory(dir);
    }
  }

  /**
   * Makes everything written so far durable. Ends a rebuild if a written request said so, and
   * deletes log segments that hold only trimmed entries.
   */
  public void sync() throws IOException {
    log.sync();
    if (rebuilding && rebuiltWritten) {
      fs.delete(dir.resolve(REBUILDING));
      fs.syncDirectory(dir);
      rebuilding = false;
      LOG.info("{} rebuilt from its peers", dir);
    }
    if (trimPending) {
      trimPending = false;
      trimLog();
    }
  }

  /**
   * Stores a snapshot durably (the state after applying every slot ≤ its slot). The node's storage
   * thread and its snapshot thread may both call it; one runs at a time, and an older snapshot than
   * the newest stored is skipped.
   */
  public synchronized void writeSnapshot(SnapshotHandle handle, byte[] data) throws IOException {
    if (handle.slot() <= snapshotSlot) {
      return;
    }
    snapshots.write(handle.slot(), StorageCodec.encodeConfiguration(handle.configuration()), data);
    snapshotSlot = handle.slot();
  }

  /** Deletes segments below the oldest record still needed: the latest entry of every kept slot. */
  private void trimLog() throws IOException {
    long keepFrom = log.lastIndex() + 1;
    for (Map.Entry<Long, Long> e : entryIndexBySlot.entrySet()) {
      keepFrom = Math.min(keepFrom, e.getValue());
    }
    if (lastChosenRecordIndex > 0) {
      keepFrom = Math.min(keepFrom, lastChosenRecordIndex);
    }
    Ensure.that(keepFrom >= log.firstIndex(), "log trim point below the log start");
    if (keepFrom > log.firstIndex()) {
      log.trimBefore(keepFrom);
    }
  }

  /**
   * Numbers this start of the node: larger than every number an earlier start got from this
   * directory, and at least {@code floor}. Durable when this returns. Commands carry it, so that a
   * restarted node's requests never pass for an earlier incarnation's; a wiped directory forgets the
   * stored number, which is what the floor (the caller's wall clock) is for.
   */
  public long startIncarnation(long floor) throws IOException {
    Path file = dir.resolve(INCARNATION);
    long stored = 0;
    Optional<byte[]> bytes;
    try {
      bytes = AtomicFile.read(fs, file);
    } catch (IOException e) {
      throw new StorageCorruptException("incarnation " + file + ": " + e.getMessage(), e);
    }
    if (bytes.isPresent()) {
      stored = StorageCodec.decodeLong(bytes.get());
    }
    long next = Math.max(stored + 1, Math.max(1, floor));
    AtomicFile.write(fs, file, StorageCodec.encodeLong(next));
    return next;
  }

  /** Whether this storage is in an unfinished rebuild. */
  public boolean rebuilding() {
    return rebuilding;
  }

  /** The directory holding the log segments (for fault injection and tools). */
  public Path logDirectory() {
    return log.directory();
  }

  /**
   * Starts a thread that prepares the log's next segment ahead of its roll, so that a roll renames a
   * file instead of writing a segment of zeros on the storage thread. A running node calls it; the
   * simulator does not, and drives every roll on its one thread. {@link #close()} stops it.
   */
  public void startPreallocator() {
    Ensure.that(preallocator == null, "the preallocator is started once");
    preallocator = SparePreallocator.start(log);
  }

  @Override
  public void close() throws IOException {
    try {
      log.close();
    } finally {
      if (preallocator != null) {
        preallocator.close();
      }
    }
  }
}
