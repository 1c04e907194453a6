package io.synod.node;

import io.synod.common.Ensure;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.GroupCommitWriter;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node's storage thread: a {@link GroupCommitWriter} in front of {@link ReplicaStorage}, which
 * writes persist requests (and snapshots installed from a leader) in the order the node loop handed
 * them over, fsyncs once per batch and reports the highest persisted request back to the loop. This
 * class is what those tasks mean for the storage; the thread, the queue and the batching are the
 * writer's.
 *
 * <p>Snapshots the node took of its own state are written by a thread of their own: a snapshot is as
 * large as the state, and writing and syncing it on the storage thread would hold every persist
 * queued behind it (the log's fsyncs, and so every write's reply) for as long. Such a snapshot
 * covers only chosen slots, so it needs no order against the persists around it; the node hears of
 * it once it is durable, and only then lets the log go below it.
 */
final class StorageWorker implements AutoCloseable {
  /** How long {@link #close()} waits for the storage thread to finish what is queued. */
  private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** Work for the storage thread. */
  sealed interface Task {}

  record Persist(PersistRequest request) implements Task {}

  /** A snapshot to store; {@code taken} tells the loop to report it to the core afterwards. */
  record Snapshot(SnapshotHandle handle, byte[] data, boolean taken) implements Task {}

  /** What the worker reports back to the node loop (on the worker's thread). */
  interface Listener {
    /** Every persist request numbered ≤ {@code seq} is written, and synced unless it needed no sync. */
    void persisted(long seq);

    /**
     * The snapshot the node took is stored durably (on the snapshot thread; persists handed over
     * before it may still be unsynced).
     */
    void snapshotStored(SnapshotHandle handle);

    /** Storage failed: nothing handed over from now on is carried out. Called once, from either thread. */
    void failed(IOException error);
  }

  /** Hears how long each fsync of the log took (on the thread that synced). */
  interface SyncTimer {
    void synced(long nanos);
  }

  private final GroupCommitWriter<Task> writer;

  StorageWorker(ReplicaStorage storage, int queueMax, Listener listener, String name) {
    this(storage, queueMax, nanos -> { }, listener, name);
  }

  StorageWorker(ReplicaStorage storage, int queueMax, SyncTimer syncTimer, Listener listener, String name) {
    Ensure.argument(queueMax >= 2, "storage queue must hold at least two tasks");
    // Segment rolls then take a spare prepared beside the storage thread instead of stalling it.
    storage.startPreallocator();
    // Bounded in tasks only: a persist is as large as the core's batch limits let it be.
    this.writer = GroupCommitWriter.start(
        new StorageTarget(storage, syncTimer, listener, name), queueMax, Long.MAX_VALUE, CLOSE_TIMEOUT_NANOS, name);
  }

  /**
   * Hands over a task; blocks while the queue is full (back-pressure on the node loop). After a
   * storage failure (reported to the listener) or a close the task is dropped.
   */
  void submit(Task task) throws InterruptedException {
    writer.put(task);
  }

  /**
   * Writes and syncs {@code request} on the calling thread, if every task handed over earlier is
   * finished (the worker is then idle, and stays so until the next {@link #submit}); returns false,
   * doing nothing, otherwise. Only the thread that submits may call it. It saves the two thread
   * wake-ups of a hand-off when nothing else is waiting for the disk; under load the worker's group
   * commit takes over by itself, since tasks are then still unfinished. The listener does not hear
   * of it: the caller reports the request itself.
   *
   * @throws IOException if the storage failed; the caller reports it (the listener does not)
   */
  boolean tryPersistInline(PersistRequest request) throws IOException {
    return writer.tryInline(new Persist(request));
  }

  /**
   * Lets the storage thread finish everything handed over, closes the storage and waits (at most
   * 10 s) for the thread to end.
   *
   * @throws IOException if the thread did not end in time or closing the storage failed
   */
  @Override
  public void close() throws IOException {
    writer.close();
  }

  /**
   * The storage as the writer's target; its methods run on the storage thread, except the writes of
   * taken snapshots, which it hands to its snapshot thread.
   */
  private static final class StorageTarget implements GroupCommitWriter.Target<Task> {
    private final ReplicaStorage storage;
    private final SyncTimer syncTimer;
    private final Listener listener;
    private final ExecutorService snapshots;
    private final AtomicBoolean failed = new AtomicBoolean();

    StorageTarget(ReplicaStorage storage, SyncTimer syncTimer, Listener listener, String name) {
      this.storage = storage;
      this.syncTimer = syncTimer;
      this.listener = listener;
      this.snapshots = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, name + "-snapshots");
        // As the storage thread is: durability rests on the listener's reports, not on the thread.
        thread.setDaemon(true);
        return thread;
      });
    }

    @Override
    public int queuedBytes(Task task) {
      return 0;
    }

    /** A persist needs the batch's sync unless it holds nothing but a chosen hint; a snapshot never. */
    @Override
    public boolean write(Task task) throws IOException {
      if (task instanceof Persist p) {
        storage.write(p.request());
        return p.request().needsSync();
      }
      Snapshot s = (Snapshot) task;
      if (s.taken()) {
        snapshots.execute(() -> writeTaken(s));
      } else {
        // Installed from a leader: the persists after it build on it, so it keeps its place.
        storage.writeSnapshot(s.handle(), s.data());
      }
      return false;
    }

    private void writeTaken(Snapshot s) {
      if (failed.get()) {
        return;
      }
      try {
        storage.writeSnapshot(s.handle(), s.data());
      } catch (IOException e) {
        fail(e);
        return;
      } catch (RuntimeException e) {
        fail(new IOException("writing the snapshot of slot " + s.handle().slot() + " failed", e));
        return;
      }
      listener.snapshotStored(s.handle());
    }

    private void fail(IOException error) {
      if (failed.compareAndSet(false, true)) {
        listener.failed(error);
      }
    }

    @Override
    public void sync() throws IOException {
      long start = System.nanoTime();
      storage.sync();
      syncTimer.synced(System.nanoTime() - start);
    }

    /**
     * One report of the highest request persisted (a batch of chosen hints alone was not synced: it
     * becomes durable with the next sync, and a lost hint is relearned).
     */
    @Override
    public void done(List<Task> batch, boolean synced) {
      long persistedSeq = -1;
      for (Task task : batch) {
        if (task instanceof Persist p) {
          Ensure.that(p.request().seq() > persistedSeq, "persist requests are handed over in order");
          persistedSeq = p.request().seq();
        }
      }
      if (persistedSeq >= 0) {
        listener.persisted(persistedSeq);
      }
    }

    @Override
    public void failed(IOException error, List<Task> notDone) {
      fail(error);
    }

    /** Lets the snapshot thread finish the snapshot it is writing (bounded), then closes the storage. */
    @Override
    public void close() throws IOException {
      snapshots.shutdown();
      try {
        if (!snapshots.awaitTermination(CLOSE_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
          throw new IOException("the snapshot thread did not finish within "
              + TimeUnit.NANOSECONDS.toSeconds(CLOSE_TIMEOUT_NANOS) + " s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the snapshot thread", e);
      }
      storage.close();
    }
  }
}
