package io.synod.kv.engine.rocksdb;

import io.synod.common.Ensure;
import io.synod.kv.engine.Engine;
import io.synod.kv.engine.EngineException;
import io.synod.kv.engine.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.rocksdb.Checkpoint;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteOptions;

/**
 * The production {@link Engine}: one RocksDB database in a directory, default column family.
 *
 * <p>RocksDB's own write-ahead log is off on every write ({@code setDisableWAL(true)}): Synod's Paxos
 * log is the write-ahead log, and the applied slot is written in the same {@code WriteBatch} as the
 * data, so whatever state survives a crash names the slot to replay from. A write lives in the
 * memtable until {@link #flush} (or RocksDB's own memtable flush, or a clean {@link #close}) writes
 * it to SST files; a crash loses unflushed batches whole, never half of one, because a memtable is
 * flushed as a unit and there is one column family.
 *
 * <p>Key space: the store's keys are kept under prefix 0x01 and the engine's own entries (the
 * applied slot) under 0x00, so the store may use any key. Keys sort as unsigned bytes (RocksDB's
 * default bytewise comparator), the order {@link Engine} promises.
 *
 * <p>One thread owns the engine (see {@link Engine}); RocksDB errors become {@link EngineException}.
 */
public final class RocksDbEngine implements Engine {
  private static final byte META_PREFIX = 0;
  private static final byte DATA_PREFIX = 1;
  private static final byte[] APPLIED_SLOT_KEY = {META_PREFIX, 's'};
  private static final byte[] DATA_END = {DATA_PREFIX + 1};

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private long appliedSlot;
  private boolean closed;

  private RocksDbEngine(Path directory, Options options, WriteOptions writeOptions, RocksDB db) {
    this.directory = directory;
    this.options = options;
    this.writeOptions = writeOptions;
    this.db = db;
  }

  /** Opens (creating if missing) the database in {@code directory}. */
  public static RocksDbEngine open(Path directory) {
    Ensure.notNull(directory, "directory");
    Options options = new Options().setCreateIfMissing(true).setAvoidFlushDuringShutdown(false);
    WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    try {
      Files.createDirectories(directory);
      RocksDB db = RocksDB.open(options, directory.toString());
      RocksDbEngine engine = new RocksDbEngine(directory, options, writeOptions, db);
      byte[] slot = db.get(APPLIED_SLOT_KEY);
      engine.appliedSlot = slot == null ? NO_SLOT : decodeLong(slot);
      Ensure.that(engine.appliedSlot >= NO_SLOT, "stored applied slot is not negative");
      return engine;
    } catch (RocksDBException | java.io.IOException e) {
      writeOptions.close();
      options.close();
      throw new EngineException("cannot open RocksDB in " + directory, e);
    }
  }

  public Path directory() {
    return directory;
  }

  @Override
  public byte[] get(byte[] key) {
    checkOpen();
    try {
      return db.get(dataKey(key));
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB get failed", e);
    }
  }

  @Override
  public void scan(byte[] from, byte[] toExclusive, EntryVisitor visitor) {
    checkOpen();
    byte[] start = dataKey(from == null ? new byte[0] : from);
    byte[] end = toExclusive == null ? DATA_END : dataKey(toExclusive);
    if (Arrays.compareUnsigned(start, end) >= 0) {
      return;
    }
    iterate(start, false, end, null, visitor);
  }

  /**
   * Visits the data entries from {@code start} ({@code start} itself left out if {@code afterStart})
   * below {@code end}, as of {@code snapshot} (null: now), in key order until the visitor stops.
   */
  private void iterate(byte[] start, boolean afterStart, byte[] end, org.rocksdb.Snapshot snapshot,
      EntryVisitor visitor) {
    try (Slice upper = new Slice(end);
        ReadOptions readOptions = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(snapshot == null ? readOptions : readOptions.setSnapshot(snapshot))) {
      it.seek(start);
      if (afterStart && it.isValid() && Arrays.equals(it.key(), start)) {
        it.next();
      }
      for (; it.isValid(); it.next()) {
        byte[] key = it.key();
        Ensure.that(key.length >= 1 && key[0] == DATA_PREFIX, "scan stays within the data keys");
        if (!visitor.visit(Arrays.copyOfRange(key, 1, key.length), it.value())) {
          return;
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB scan failed", e);
    }
  }

  /** A RocksDB snapshot: reads see the database as it was when the view opened. */
  @Override
  public View openView() {
    checkOpen();
    org.rocksdb.Snapshot snapshot = db.getSnapshot();
    return new View() {
      private boolean open = true;

      @Override
      public void scanAfter(byte[] afterExclusive, EntryVisitor visitor) {
        checkOpen();
        Ensure.that(open, "the view is closed");
        iterate(dataKey(afterExclusive == null ? new byte[0] : afterExclusive), afterExclusive != null, DATA_END,
            snapshot, visitor);
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          db.releaseSnapshot(snapshot);
        }
      }
    };
  }

  @Override
  public void write(WriteBatch batch, long slot) {
    checkOpen();
    Ensure.argument(slot >= appliedSlot, "applied slot must not go back");
    try (org.rocksdb.WriteBatch rocksBatch = new org.rocksdb.WriteBatch()) {
      for (WriteBatch.Op op : batch.ops()) {
        switch (op.kind()) {
          case PUT -> rocksBatch.put(dataKey(op.key()), op.value());
          case DELETE -> rocksBatch.delete(dataKey(op.key()));
          case DELETE_RANGE -> {
            if (Arrays.compareUnsigned(op.key(), op.rangeEnd()) < 0) {
              rocksBatch.deleteRange(dataKey(op.key()), dataKey(op.rangeEnd()));
            }
          }
        }
      }
      // Same batch as the data: the slot is durable exactly when the data is.
      rocksBatch.put(APPLIED_SLOT_KEY, encodeLong(slot));
      db.write(writeOptions, rocksBatch);
      appliedSlot = slot;
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB write failed", e);
    }
  }

  @Override
  public long appliedSlot() {
    checkOpen();
    return appliedSlot;
  }

  @Override
  public long sizeBytes() {
    checkOpen();
    try {
      return db.getLongProperty("rocksdb.total-sst-files-size") + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB size properties failed", e);
    }
  }

  /** Compacts the whole key range, so files holding deleted entries are rewritten without them. */
  @Override
  public void defragment() {
    checkOpen();
    try {
      db.compactRange();
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB compaction failed", e);
    }
  }

  /** Writes the memtable to SST files and waits: every batch written so far is then durable. */
  @Override
  public void flush() {
    checkOpen();
    try (FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flushOptions);
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB flush failed", e);
    }
  }

  /**
   * Writes a consistent copy of the database to {@code target} (which must not exist): hard links to
   * the SST files plus a fresh manifest, after flushing the memtable. The copy opens as a
   * {@link RocksDbEngine} at the same applied slot; shipping its files is the snapshot for large
   * states.
   */
  public void checkpoint(Path target) {
    checkOpen();
    Ensure.notNull(target, "target");
    try (Checkpoint checkpoint = Checkpoint.create(db)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB checkpoint to " + target + " failed", e);
    }
  }

  /** Closes the database; a clean close also flushes the memtable, so nothing written is lost. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      db.closeE();
    } catch (RocksDBException e) {
      throw new EngineException("RocksDB close failed", e);
    } finally {
      writeOptions.close();
      options.close();
    }
  }

  private void checkOpen() {
    Ensure.that(!closed, "engine is closed");
  }

  private static byte[] dataKey(byte[] key) {
    byte[] out = new byte[key.length + 1];
    out[0] = DATA_PREFIX;
    System.arraycopy(key, 0, out, 1, key.length);
    return out;
  }

  private static byte[] encodeLong(long v) {
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (v >>> (56 - 8 * i));
    }
    return out;
  }

  private static long decodeLong(byte[] bytes) {
    Ensure.that(bytes.length == 8, "stored slot has 8 bytes");
    long v = 0;
    for (byte b : bytes) {
      v = (v << 8) | (b & 0xff);
    }
    return v;
  }
}
