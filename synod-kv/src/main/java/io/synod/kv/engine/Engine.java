package io.synod.kv.engine;

/**
 * Ordered byte-key storage under the MVCC store: keys sort as unsigned bytes, and a write is an
 * atomic {@link WriteBatch} that also records the applied slot (the Paxos slot whose commands the
 * batch completes), so that after a restart the node replays its log from {@link #appliedSlot()} + 1.
 *
 * <p>Threading: one thread (the node's loop) owns an engine; no method may be called concurrently.
 * Methods do not block on other threads; they may do disk I/O (RocksDB) and then throw the unchecked
 * {@link EngineException}.
 *
 * <p>Durability: after {@link #write} returns, reads see the batch, but it may be lost by a crash
 * (Synod's log is the write-ahead log; the engine keeps none). After {@link #flush} returns, every
 * batch written before it survives a crash, and a crash never leaves part of a batch.
 */
public interface Engine extends AutoCloseable {
  /** The slot of the empty initial state: nothing applied yet. */
  long NO_SLOT = 0;

  /** The value stored under {@code key}, or null. The caller owns the returned array. */
  byte[] get(byte[] key);

  /**
   * Visits the entries with {@code from} ≤ key &lt; {@code toExclusive} in key order until the
   * visitor returns false. A null bound is open. The entries must not be changed while visiting.
   */
  void scan(byte[] from, byte[] toExclusive, EntryVisitor visitor);

  /**
   * Applies {@code batch} atomically (all of it or none, also across a crash) and records
   * {@code appliedSlot} with it. {@code appliedSlot} must not be lower than the current one.
   */
  void write(WriteBatch batch, long appliedSlot);

  /** The slot recorded by the last {@link #write}, or {@link #NO_SLOT}. */
  long appliedSlot();

  /**
   * About how many bytes the stored entries take (keys and values; for RocksDB its files and
   * memtables): what {@code etcdctl endpoint status} shows as the database size.
   */
  long sizeBytes();

  /**
   * Gives back space that deleted entries left behind (etcd's defragment), without changing any
   * entry or the applied slot. May take time proportional to the stored entries.
   */
  void defragment();

  /** Makes every batch written so far durable before returning. */
  void flush();

  /**
   * Opens a view of every entry as it is now, to be read in steps while writes go on between them
   * (a snapshot encoded a part at a time between slots, so that no one step holds the node's loop for
   * long). One view at a time; {@link View#close} it when done.
   */
  View openView();

  /** Entries as of {@link #openView}, whatever was written since. Used by the engine's own thread. */
  interface View extends AutoCloseable {
    /**
     * Visits the view's entries with key &gt; {@code afterExclusive} (null: every entry) in key order
     * until the visitor returns false. The arrays are the engine's: the visitor must neither change
     * nor keep them.
     */
    void scanAfter(byte[] afterExclusive, EntryVisitor visitor);

    /** Stops the view; the engine forgets what it kept for it. Further scans are refused. */
    @Override
    void close();
  }

  @Override
  void close();

  /** Receives entries during {@link #scan}; arrays belong to the visitor. */
  @FunctionalInterface
  interface EntryVisitor {
    /** Returns false to stop the scan. */
    boolean visit(byte[] key, byte[] value);
  }
}
