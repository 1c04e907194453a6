package io.synod.wal.fs;

import io.synod.common.Ensure;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A deterministic in-memory file system for the simulator, with the failures a real disk has.
 *
 * <p>Each file keeps its durable content (as of its last {@link FileHandle#sync()}) and the changes
 * made since. Each directory keeps its durable entries (as of its last {@link #syncDirectory}) and
 * its current ones. {@link #crash()} is a power loss: directories fall back to their durable
 * entries, and every file to its durable content plus a random subset of its unsynced writes, the
 * last of which may be torn; with {@link #reorderUnsyncedWrites} the pages of unsynced writes reach
 * the disk independently, so bytes can be missing before bytes that survived, and
 * {@link #lastCrashDamage} then says where. Directories themselves are created durably at once, a
 * simplification the write-ahead log does not depend on.
 *
 * <p>Every random choice comes from the injected {@link RandomGenerator} and every iteration is in
 * name or creation order, so one seed replays exactly. All methods are synchronized: a
 * {@code GroupCommitLog} writer thread may share the file system with a test thread.
 */
public final class SimFileSystem implements FileSystem {
  /** Files larger than this are refused, so a runaway test fails instead of exhausting the heap. */
  public static final int FILE_BYTES_MAX = 256 << 20;

  private final RandomGenerator random;
  /** Directory path to its entries; TreeMap so that iteration (and so the random stream) is ordered. */
  private final TreeMap<Path, SimDirectory> directories = new TreeMap<>();
  private long nextInodeId = 1;
  /** Incremented by every crash; handles opened under an older generation are dead. */
  private long generation;

  /** Pages a crash keeps or loses independently; 0: whole writes, in order. */
  private int reorderPageBytes;
  /** With reordering, the probability that a page that reaches the disk is torn. */
  private double tornPageShare;
  /** What the latest crash left missing before data that survived. */
  private List<Damage> lastDamage = List.of();

  private long crashes;
  private long writesLost;
  private long writesTorn;
  private long directoryChangesLost;
  private long bitsFlipped;
  private long bytesCorrupted;
  private long fileSyncs;
  private long directorySyncs;

  public SimFileSystem(RandomGenerator random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public synchronized FileHandle open(Path path, boolean create) throws IOException {
    Path normal = normalize(path);
    SimDirectory dir = parentOf(normal);
    String name = normal.getFileName().toString();
    if (directories.containsKey(normal)) {
      throw new IOException("is a directory: " + normal);
    }
    SimInode inode = dir.current.get(name);
    if (inode == null) {
      if (!create) {
        throw new NoSuchFileException(normal.toString());
      }
      inode = new SimInode(nextInodeId++);
      dir.current.put(name, inode);
    }
    return new SimFileHandle(this, inode, normal, generation);
  }

  @Override
  public synchronized boolean exists(Path path) {
    Path normal = normalize(path);
    if (directories.containsKey(normal)) {
      return true;
    }
    SimDirectory dir = directories.get(normal.getParent());
    return dir != null && dir.current.containsKey(normal.getFileName().toString());
  }

  @Override
  public synchronized List<Path> list(Path dir) throws IOException {
    Path normal = normalize(dir);
    SimDirectory directory = directories.get(normal);
    if (directory == null) {
      throw new NoSuchFileException(normal.toString());
    }
    TreeMap<String, Path> children = new TreeMap<>();
    for (String name : directory.current.keySet()) {
      children.put(name, normal.resolve(name));
    }
    for (Path other : directories.keySet()) {
      if (normal.equals(other.getParent())) {
        children.put(other.getFileName().toString(), other);
      }
    }
    return new ArrayList<>(children.values());
  }

  @Override
  public synchronized void createDirectories(Path dir) throws IOException {
    Path normal = normalize(dir);
    List<Path> missing = new ArrayList<>();
    for (Path p = normal; p != null && !directories.containsKey(p); p = p.getParent()) {
      SimDirectory parent = p.getParent() == null ? null : directories.get(p.getParent());
      if (parent != null && parent.current.containsKey(p.getFileName().toString())) {
        throw new FileAlreadyExistsException(p.toString(), null, "a file is in the way");
      }
      missing.add(p);
    }
    for (int i = missing.size() - 1; i >= 0; i--) {
      directories.put(missing.get(i), new SimDirectory());
    }
  }

  @Override
  public synchronized void delete(Path path) throws IOException {
    Path normal = normalize(path);
    SimDirectory dir = directories.get(normal.getParent());
    if (dir != null) {
      dir.current.remove(normal.getFileName().toString());
    }
  }

  @Override
  public synchronized void atomicMove(Path from, Path to) throws IOException {
    Path source = normalize(from);
    Path target = normalize(to);
    SimDirectory sourceDir = parentOf(source);
    SimDirectory targetDir = parentOf(target);
    SimInode inode = sourceDir.current.remove(source.getFileName().toString());
    if (inode == null) {
      throw new NoSuchFileException(source.toString());
    }
    targetDir.current.put(target.getFileName().toString(), inode);
  }

  @Override
  public synchronized void syncDirectory(Path dir) throws IOException {
    Path normal = normalize(dir);
    SimDirectory directory = directories.get(normal);
    if (directory == null) {
      throw new NoSuchFileException(normal.toString());
    }
    directory.durable = new TreeMap<>(directory.current);
    directorySyncs++;
  }

  /**
   * An unsynced write a crash let reach the disk only in part while bytes written after it survived:
   * of the write's bytes {@code [start, end)} the first missing one is at {@code firstMissing}, so the
   * file holds a damaged stretch followed by data that survived. The file's unsynced writes began at
   * {@code unsyncedFrom}: every byte before it was durable, and only bytes from there on can be
   * missing or stale, including those of earlier writes the crash lost whole.
   */
  public record Damage(Path file, long unsyncedFrom, long start, long firstMissing, long end) {
    /** Whether damage that recovery reports at {@code offset} of {@code path} can be this crash's. */
    public boolean explains(Path path, long offset) {
      return file.equals(path.toAbsolutePath().normalize()) && offset >= unsyncedFrom && offset < end;
    }
  }

  /**
   * From now on a crash reorders unsynced writes at page granularity: each {@code pageBytes} page of
   * every unsynced write reaches the disk or not independently of the others, as a disk writes the
   * pages of a large write (and separate writes) in any order, and a page that does is torn, keeping
   * a prefix, with probability {@code tornShare}. {@code pageBytes} 0, the default, keeps the simpler
   * model: whole writes kept or lost, only the last one torn.
   */
  public synchronized void reorderUnsyncedWrites(int pageBytes, double tornShare) {
    Ensure.argument(pageBytes >= 0, "pageBytes must not be negative");
    Ensure.argument(tornShare >= 0 && tornShare <= 1, "tornShare must be a probability");
    reorderPageBytes = pageBytes;
    tornPageShare = tornShare;
  }

  /** Where the latest crash tore writes that later surviving writes followed (see {@link Damage}). */
  public synchronized List<Damage> lastCrashDamage() {
    return lastDamage;
  }

  /**
   * A power loss. Directory changes not yet synced are lost; each file keeps its durable content
   * plus a random subset of its unsynced writes (the last may be torn; with
   * {@link #reorderUnsyncedWrites}, a random subset of their pages, any of them torn). Every open handle becomes invalid: its operations throw
   * {@link IOException}.
   */
  public synchronized void crash() {
    generation++;
    crashes++;
    TreeMap<Long, SimInode> survivors = new TreeMap<>();
    TreeMap<Long, Path> pathOf = new TreeMap<>();
    for (Map.Entry<Path, SimDirectory> entry : directories.entrySet()) {
      SimDirectory directory = entry.getValue();
      directoryChangesLost += directory.changesSinceSync();
      directory.current = new TreeMap<>(directory.durable);
      for (Map.Entry<String, SimInode> file : directory.current.entrySet()) {
        survivors.put(file.getValue().id, file.getValue());
        pathOf.putIfAbsent(file.getValue().id, entry.getKey().resolve(file.getKey()));
      }
    }
    List<Damage> damage = new ArrayList<>();
    for (SimInode inode : survivors.values()) {
      SimInode.CrashOutcome outcome = inode.crash(random, reorderPageBytes, tornPageShare);
      writesLost += outcome.writesLost();
      writesTorn += outcome.writesTorn();
      for (long[] range : outcome.damaged()) {
        damage.add(new Damage(pathOf.get(inode.id), range[0], range[1], range[2], range[3]));
      }
    }
    lastDamage = List.copyOf(damage);
  }

  /** Disk corruption: flips bit {@code bit} (0 = least significant) of the byte at {@code offset}. */
  public synchronized void flipBit(Path path, long offset, int bit) throws IOException {
    Ensure.argument(bit >= 0 && bit < 8, "bit must be in [0, 8)");
    SimInode inode = inodeOf(path);
    Ensure.argument(offset >= 0 && offset < inode.current().size(), "offset must lie inside the file");
    inode.flipBit((int) offset, bit);
    bitsFlipped++;
  }

  /** Disk corruption: changes one random byte of the file to another value; returns its offset. */
  public synchronized long corruptRandomByte(Path path) throws IOException {
    SimInode inode = inodeOf(path);
    int size = inode.current().size();
    Ensure.argument(size > 0, "cannot corrupt an empty file");
    int offset = random.nextInt(size);
    // Flipping a random non-empty set of bits always changes the byte.
    int mask = 1 + random.nextInt(255);
    for (int bit = 0; bit < 8; bit++) {
      if ((mask & (1 << bit)) != 0) {
        inode.flipBit(offset, bit);
      }
    }
    bytesCorrupted++;
    return offset;
  }

  /** The current size of a file, for tests that aim corruption at a region. */
  public synchronized long sizeOf(Path path) throws IOException {
    return inodeOf(path).current().size();
  }

  public synchronized long crashes() {
    return crashes;
  }

  public synchronized long writesLost() {
    return writesLost;
  }

  public synchronized long writesTorn() {
    return writesTorn;
  }

  public synchronized long directoryChangesLost() {
    return directoryChangesLost;
  }

  public synchronized long bitsFlipped() {
    return bitsFlipped;
  }

  public synchronized long bytesCorrupted() {
    return bytesCorrupted;
  }

  public synchronized long fileSyncs() {
    return fileSyncs;
  }

  public synchronized long directorySyncs() {
    return directorySyncs;
  }

  synchronized void checkLive(long handleGeneration, Path path) throws IOException {
    if (handleGeneration != generation) {
      throw new IOException("handle of " + path + " was invalidated by a crash");
    }
  }

  synchronized void countFileSync() {
    fileSyncs++;
  }

  private SimInode inodeOf(Path path) throws IOException {
    Path normal = normalize(path);
    SimDirectory dir = directories.get(normal.getParent());
    SimInode inode = dir == null ? null : dir.current.get(normal.getFileName().toString());
    if (inode == null) {
      throw new NoSuchFileException(normal.toString());
    }
    return inode;
  }

  private SimDirectory parentOf(Path normal) throws IOException {
    Path parent = normal.getParent();
    SimDirectory dir = parent == null ? null : directories.get(parent);
    if (dir == null) {
      throw new NoSuchFileException(String.valueOf(parent), null, "no such directory");
    }
    return dir;
  }

  private static Path normalize(Path path) {
    return path.toAbsolutePath().normalize();
  }

  /** The entries of one directory: name to file, as seen now and as of the last directory sync. */
  private static final class SimDirectory {
    TreeMap<String, SimInode> current = new TreeMap<>();
    TreeMap<String, SimInode> durable = new TreeMap<>();

    /** Names whose entry differs between now and the last sync: the changes a crash would undo. */
    int changesSinceSync() {
      int changes = 0;
      for (Map.Entry<String, SimInode> entry : current.entrySet()) {
        if (durable.get(entry.getKey()) != entry.getValue()) {
          changes++;
        }
      }
      for (String name : durable.keySet()) {
        if (!current.containsKey(name)) {
          changes++;
        }
      }
      return changes;
    }
  }
}
