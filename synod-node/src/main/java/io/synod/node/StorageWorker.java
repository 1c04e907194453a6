package io.synod.node;

import io.synod.common.Ensure;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's storage thread: writes persist requests and snapshots to {@link ReplicaStorage} in the
 * order the node loop handed them over, with group commit: it takes every task that has queued up,
 * writes them all, fsyncs once, and reports the highest persisted request back to the loop.
 */
final class StorageWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StorageWorker.class);

  /** Work for the storage thread. */
  sealed interface Task {}

  record Persist(PersistRequest request) implements Task {}

  /** A snapshot to store; {@code taken} tells the loop to report it to the core afterwards. */
  record Snapshot(SnapshotHandle handle, byte[] data, boolean taken) implements Task {}

  private record Stop() implements Task {}

  /** What the worker reports back to the node loop (on the worker's thread). */
  interface Listener {
    void persisted(long seq);

    void snapshotStored(SnapshotHandle handle);

    void failed(IOException error);
  }

  private final ReplicaStorage storage;
  private final BlockingQueue<Task> tasks;
  private final Listener listener;
  private final Thread thread;
  private final int batchMax;
  /**
   * Tasks submitted and not yet finished. The worker lowers it only after finishing a task, so when
   * the submitting thread reads 0 every earlier task's effects on the storage are visible to it.
   */
  private final AtomicInteger unfinished = new AtomicInteger();
  private volatile boolean failed;

  StorageWorker(ReplicaStorage storage, int queueMax, Listener listener, String name) {
    Ensure.argument(queueMax >= 2, "storage queue must hold at least two tasks");
    this.storage = storage;
    this.tasks = new ArrayBlockingQueue<>(queueMax);
    this.listener = listener;
    this.batchMax = queueMax;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    // Segment rolls then take a spare prepared beside the storage thread instead of stalling it.
    storage.startPreallocator();
    this.thread.start();
  }

  /** Hands over a task; blocks while the queue is full (back-pressure on the node loop). */
  void submit(Task task) throws InterruptedException {
    unfinished.incrementAndGet();
    tasks.put(task);
  }

  /**
   * Writes and syncs {@code request} on the calling thread, if every task handed over earlier is
   * finished (the worker is then idle, and stays so until the next {@link #submit}); returns false,
   * doing nothing, otherwise. Only the thread that submits may call it. It saves the two thread
   * wake-ups of a hand-off when nothing else is waiting for the disk; under load the worker's group
   * commit takes over by itself, since tasks are then still unfinished.
   */
  boolean tryPersistInline(PersistRequest request) throws IOException {
    if (unfinished.get() != 0 || failed) {
      return false;
    }
    storage.write(request);
    if (request.needsSync()) {
      storage.sync();
    }
    return true;
  }

  private void run() {
    List<Task> batch = new ArrayList<>();
    try {
      while (true) {
        batch.clear();
        batch.add(tasks.take());
        tasks.drainTo(batch, batchMax - 1);
        long persistedSeq = -1;
        boolean mustSync = false;
        List<Snapshot> stored = new ArrayList<>();
        boolean stop = false;
        for (Task task : batch) {
          if (task instanceof Persist p) {
            storage.write(p.request());
            persistedSeq = p.request().seq();
            mustSync |= p.request().needsSync();
          } else if (task instanceof Snapshot s) {
            storage.writeSnapshot(s.handle(), s.data());
            if (s.taken()) {
              stored.add(s);
            }
          } else {
            stop = true;
          }
        }
        if (persistedSeq >= 0) {
          // A batch of chosen hints alone is not synced: it becomes durable with the next sync.
          if (mustSync) {
            storage.sync();
          }
          listener.persisted(persistedSeq);
        }
        for (Snapshot s : stored) {
          listener.snapshotStored(s.handle());
        }
        unfinished.addAndGet(stop ? 1 - batch.size() : -batch.size());
        if (stop) {
          return;
        }
      }
    } catch (IOException e) {
      failed = true;
      LOG.error("storage failed; the node stops", e);
      listener.failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      if (thread.isAlive() && !tasks.offer(new Stop(), 5, TimeUnit.SECONDS)) {
        thread.interrupt();
      }
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    storage.close();
  }
}
