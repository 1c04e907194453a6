package io.synod.wal;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots in one directory, one file per slot, each written with {@link AtomicFile} (temp file,
 * sync, rename, directory sync) so a crash leaves either the complete new snapshot or none. Keeps
 * the newest {@link WalConfig#snapshotsRetained()} and deletes older ones. A snapshot whose checksum
 * fails is skipped in favour of the previous one, with a warning: never accepted silently.
 *
 * <p>A snapshot file holds {@code [slot u64][metadata length u32][metadata][data]} inside the
 * {@link AtomicFile} frame. Not thread-safe.
 */
public final class SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
  static final String PREFIX = "snapshot-";
  static final String SUFFIX = ".snap";
  private static final int DIGITS = 20;
  private static final int HEADER_BYTES = 12;

  private final FileSystem fs;
  private final Path dir;
  private final WalConfig config;

  public SnapshotStore(FileSystem fs, Path dir, WalConfig config) {
    this.fs = Ensure.notNull(fs, "fs");
    this.dir = Ensure.notNull(dir, "dir");
    this.config = config.validate();
  }

  /**
   * Stores a snapshot taken after applying {@code slot}; durable when this returns. Then deletes
   * snapshots beyond the newest {@code snapshotsRetained}.
   */
  public void write(long slot, byte[] metadata, byte[] data) throws IOException {
    Ensure.argument(slot >= 0, "slot must not be negative");
    Ensure.notNull(metadata, "metadata");
    Ensure.notNull(data, "data");
    long bytes = (long) HEADER_BYTES + metadata.length + data.length;
    Ensure.argument(bytes <= config.snapshotBytesMax(), "snapshot exceeds snapshotBytesMax");
    ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES + metadata.length);
    head.putLong(slot).putInt(metadata.length).put(metadata);
    Ensure.that(!head.hasRemaining(), "slot, length and metadata fill the head exactly");
    if (!fs.exists(dir)) {
      fs.createDirectories(dir);
    }
    // The data goes to the file as it is: a snapshot can be large, and a copy of it would be one more
    // allocation the size of the whole state.
    AtomicFile.write(fs, pathOf(slot), head.array(), data);
    deleteBeyondRetained();
  }

  /**
   * The newest snapshot that reads back intact, or empty if there is none. Damaged snapshots are
   * logged, counted with the mark {@code wal.snapshot-corrupt-skipped} and skipped.
   */
  public Optional<Snapshot> latest() throws IOException {
    for (long slot : slots()) {
      Path path = pathOf(slot);
      try {
        Optional<byte[]> content = AtomicFile.read(fs, path, config.snapshotBytesMax());
        if (content.isPresent()) {
          return Optional.of(decode(path, slot, content.get()));
        }
      } catch (WalCorruptionException e) {
        Marks.hit("wal.snapshot-corrupt-skipped");
        LOG.warn("skipping damaged snapshot: {}", e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Slots of the snapshot files present, newest first (intact or not). */
  public List<Long> slots() throws IOException {
    List<Long> slots = new ArrayList<>();
    if (!fs.exists(dir)) {
      return slots;
    }
    for (Path path : fs.list(dir)) {
      long slot = parse(path.getFileName().toString());
      if (slot >= 0) {
        slots.add(slot);
      }
    }
    slots.sort(Comparator.reverseOrder());
    return slots;
  }

  private void deleteBeyondRetained() throws IOException {
    List<Long> slots = slots();
    boolean deleted = false;
    for (Path path : fs.list(dir)) {
      // Temp files of writes a crash interrupted: the rename never happened, so nothing refers to them.
      if (path.getFileName().toString().endsWith(SUFFIX + AtomicFile.TEMP_SUFFIX)) {
        fs.delete(path);
        deleted = true;
      }
    }
    for (int i = config.snapshotsRetained(); i < slots.size(); i++) {
      fs.delete(pathOf(slots.get(i)));
      deleted = true;
    }
    if (deleted) {
      fs.syncDirectory(dir);
    }
    Ensure.that(slots().size() <= config.snapshotsRetained(), "at most snapshotsRetained snapshots remain");
  }

  private static Snapshot decode(Path path, long slot, byte[] content) throws WalCorruptionException {
    if (content.length < HEADER_BYTES) {
      throw new WalCorruptionException(path, 0, "snapshot of " + content.length + " bytes lacks its header");
    }
    ByteBuffer buf = ByteBuffer.wrap(content);
    long stored = buf.getLong();
    int metadataLength = buf.getInt();
    if (stored != slot) {
      throw new WalCorruptionException(path, 0, "snapshot holds slot " + stored + " but is named for slot " + slot);
    }
    if (metadataLength < 0 || metadataLength > content.length - HEADER_BYTES) {
      throw new WalCorruptionException(path, 8, "metadata length " + metadataLength + " exceeds the snapshot");
    }
    byte[] metadata = new byte[metadataLength];
    buf.get(metadata);
    byte[] data = new byte[buf.remaining()];
    buf.get(data);
    Ensure.that(!buf.hasRemaining(), "the snapshot was decoded whole");
    return new Snapshot(slot, metadata, data);
  }

  private Path pathOf(long slot) {
    return dir.resolve(String.format("%s%0" + DIGITS + "d%s", PREFIX, slot, SUFFIX));
  }

  /** The slot a snapshot file name stands for, or -1 if the name is not a snapshot's. */
  static long parse(String name) {
    if (name.length() != PREFIX.length() + DIGITS + SUFFIX.length()
        || !name.startsWith(PREFIX)
        || !name.endsWith(SUFFIX)) {
      return -1;
    }
    long slot = 0;
    for (int i = PREFIX.length(); i < PREFIX.length() + DIGITS; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9' || slot > (Long.MAX_VALUE - 9) / 10) {
        return -1;
      }
      slot = slot * 10 + (c - '0');
    }
    return slot;
  }
}
