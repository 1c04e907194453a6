package io.synod.wal;

import io.synod.common.Ensure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread-safe front of a {@link SegmentedLog}: any thread appends, one writer thread owned by this
 * object writes and syncs, and one sync covers every record that arrived since the previous one
 * (group commit).
 *
 * <p>The writer syncs as soon as it has anything and takes whatever queued up during that sync as
 * the next batch, so a lone appender waits for one sync and many appenders share each sync.
 * Records get indexes in the order their {@link #append} calls entered the queue.
 *
 * <p>An appender learns that its record is durable from a future or from a {@link DurableCallback},
 * both on the writer thread, only after the sync covering the record returned, and after the
 * {@link DurableListener} heard of that sync. A thread that blocks on a future costs a wake-up per
 * record, which on a small machine costs more CPU than the append itself; an event loop that keeps
 * many appends outstanding through callbacks costs none.
 *
 * <p>The queue is bounded ({@link WalConfig#queueRecordsMax()}, {@link WalConfig#queueBytesMax()}):
 * an append beyond the bound <b>fails at once</b> with {@link WalQueueFullException} and queues
 * nothing. It never blocks, so an event loop calling it cannot stall on the disk.
 *
 * <p>A second thread owned by this object, a {@link SparePreallocator}, keeps the next segment
 * ready as a spare, so that a segment roll on the writer costs a rename, a header write and two
 * syncs instead of writing a whole segment of zeros.
 *
 * <p>A failed write or sync is fatal (after a failed fsync the page cache state is unknown): every
 * pending and later append fails with the {@link IOException} (its future, or its callback), the
 * writer stops, and the log must be reopened, which recovers what the disk really holds.
 */
public final class GroupCommitLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitLog.class);
  /** The writer returns the queue's bounds for this many appended records at a time. */
  private static final int RELEASE_EVERY = 64;

  private sealed interface Request permits Append, Trim, Stop {}

  private record Append(int type, byte[] payload, DurableCallback callback) implements Request {}

  private record Trim(long index, CompletableFuture<Void> future) implements Request {}

  private record Stop() implements Request {}

  private final SegmentedLog log;
  private final WalConfig config;
  private final DurableListener listener;
  /** Appends and trims count against its bounds; the final Stop does not. */
  private final WriterQueue<Request> queue;
  private final AtomicLong syncs = new AtomicLong();
  private final Thread writer;
  private final SparePreallocator preallocator;
  private final SpareSegment spare;
  private volatile long durableIndex;
  private volatile Throwable failure;
  /** Set by the first close(); guarded by this. */
  private boolean closing;

  private GroupCommitLog(SegmentedLog log, WalConfig config, DurableListener listener) {
    this.log = log;
    this.config = config;
    this.listener = listener;
    this.durableIndex = log.durableIndex();
    this.queue = new WriterQueue<>(config.queueRecordsMax(), config.queueBytesMax());
    this.writer = new Thread(this::run, "synod-wal-writer-" + log.directory().getFileName());
    // A daemon, so a host that forgets close() can still exit; durability rests on the futures anyway.
    this.writer.setDaemon(true);
    this.spare = log.spare();
    // Last: it starts a thread, which touches only the log's spare.
    this.preallocator = SparePreallocator.start(log);
  }

  /**
   * Takes ownership of {@code log} (no one else may use it any more) and starts the writer thread.
   * {@code listener} hears every durable advance on the writer thread.
   */
  public static GroupCommitLog start(SegmentedLog log, WalConfig config, DurableListener listener) {
    Ensure.notNull(log, "log");
    Ensure.notNull(listener, "listener");
    GroupCommitLog front = new GroupCommitLog(log, config.validate(), listener);
    front.writer.start();
    return front;
  }

  /**
   * Queues a record; the future completes with its index once it is durable, or exceptionally if the
   * log failed. Futures complete on the writer thread: attach heavy work with the async variants.
   * {@code payload} is not copied: it must not change after this call.
   *
   * @throws WalQueueFullException if the queue is at its bound (nothing was queued)
   * @throws IllegalStateException if the log is closed
   */
  public CompletableFuture<Long> append(int type, byte[] payload) {
    checkRecord(type, payload);
    Throwable failed = failure;
    if (failed != null) {
      return CompletableFuture.failedFuture(new IOException("write-ahead log failed earlier", failed));
    }
    DurableFuture future = new DurableFuture();
    if (!queue.offer(new Append(type, payload, future), payload.length)) {
      return refused();
    }
    return future;
  }

  /**
   * Queues a record whose outcome {@code callback} hears (see {@link DurableCallback} for when and
   * where). Costs less than the future-returning {@link #append(int, byte[])}: nothing is allocated
   * for the answer, and no thread is woken per record if the callback does not wake one. The same
   * ordering, bound and failure rules apply. {@code payload} must not change after this call.
   *
   * @throws WalQueueFullException if the queue is at its bound (nothing was queued, the callback is
   *     not called)
   * @throws IllegalStateException if the log is closed (the callback is not called)
   */
  public void append(int type, byte[] payload, DurableCallback callback) {
    checkRecord(type, payload);
    Ensure.notNull(callback, "callback");
    Throwable failed = failure;
    if (failed == null) {
      if (queue.offer(new Append(type, payload, callback), payload.length)) {
        return;
      }
      // Refused because the queue is shut: by a failure (tell the callback) or by close (throw).
      failed = failure;
      if (failed == null) {
        throw closedException();
      }
    }
    notify(callback, -1, new IOException("write-ahead log failed earlier", failed));
  }

  private void checkRecord(int type, byte[] payload) {
    Ensure.argument(type >= 0 && type <= Frame.TYPE_MAX, "type must be in [0, 255]");
    Ensure.notNull(payload, "payload");
    Ensure.argument(payload.length <= config.recordBytesMax(), "payload exceeds recordBytesMax");
  }

  /**
   * Deletes the segments whose records are all below {@code index} (see
   * {@link SegmentedLog#trimBefore}), in order with the appends queued before it.
   */
  public CompletableFuture<Void> trimBefore(long index) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    if (!queue.offer(new Trim(index, future), 0)) {
      return refused();
    }
    return future;
  }

  /** Why the queue is shut: the log failed (a failed future) or was closed (an exception). */
  private <T> CompletableFuture<T> refused() {
    Throwable failed = failure;
    if (failed != null) {
      return CompletableFuture.failedFuture(new IOException("write-ahead log failed earlier", failed));
    }
    throw closedException();
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("group commit log " + log.directory() + " is closed");
  }

  /** The newest index known durable. */
  public long durableIndex() {
    return durableIndex;
  }

  /** Syncs that made appended records durable, including one per segment roll. */
  public long syncCount() {
    return syncs.get();
  }

  /** Segment rolls that took the spare prepared by the preallocator. */
  public long rollsFromSpare() {
    return spare.taken();
  }

  /** Segment rolls that found the spare still being written and waited for the preallocator. */
  public long rollsWaited() {
    return spare.waited();
  }

  /** Segment rolls that found no spare ready and preallocated the segment on the writer thread. */
  public long rollsInline() {
    return spare.missed();
  }

  /**
   * Stops accepting appends, lets the writer make everything queued durable, closes the log, stops
   * the preallocator and waits (at most {@link WalConfig#closeTimeoutNanos()} for each) for both
   * threads to end. A spare left on disk is deleted when the log is next opened. Idempotent.
   *
   * @throws IOException if a thread did not stop in time, or if the log had failed
   */
  @Override
  public void close() throws IOException {
    Ensure.argument(Thread.currentThread() != writer, "close() from the writer thread would wait for itself");
    synchronized (this) {
      if (!closing) {
        closing = true;
        // Everything admitted before the shut is queued ahead of Stop, so close drains it all.
        queue.shut();
        queue.add(new Stop());
      }
    }
    try {
      // The writer first, so that rolls while it drains the queue may still take a spare.
      TimeUnit.NANOSECONDS.timedJoin(writer, config.closeTimeoutNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing the write-ahead log", e);
    }
    IOException stuck = writer.isAlive()
        ? new IOException("write-ahead log writer did not stop within " + config.closeTimeoutNanos() + " ns")
        : null;
    try {
      // The writer closed the spare with the log; closed again in case the writer is stuck.
      preallocator.close(config.closeTimeoutNanos(), TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      if (stuck == null) {
        throw e;
      }
      stuck.addSuppressed(e);
    }
    if (stuck != null) {
      throw stuck;
    }
    Throwable failed = failure;
    if (failed != null) {
      throw new IOException("write-ahead log " + log.directory() + " failed", failed);
    }
  }

  /** Package-private for tests: whether the preallocator thread is still running. */
  boolean preallocatorAlive() {
    return preallocator.isAlive();
  }

  /** Package-private for tests: waits (bounded) for the preallocator thread to end; whether it did. */
  boolean awaitPreallocatorEnd(long timeout, TimeUnit unit) throws InterruptedException {
    return preallocator.awaitEnd(timeout, unit);
  }

  /** Package-private for tests, which wait for a spare to be ready instead of sleeping. */
  SpareSegment spare() {
    return spare;
  }

  private void run() {
    List<Request> batch = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        queue.takeBatch(batch, config.queueRecordsMax() + 2);
        long first = log.lastIndex() + 1;
        int appended = 0;
        int unreleased = 0;
        long unreleasedBytes = 0;
        for (int i = 0; i < batch.size(); i++) {
          Request request = batch.get(i);
          Ensure.that(!stop, "nothing is queued after Stop");
          if (request instanceof Append a) {
            long index = log.append(a.type(), a.payload());
            Ensure.that(index == first + appended, "indexes are dense in queue order");
            appended++;
            // Released every RELEASE_EVERY records: with a large batch, waiting for its end would
            // keep the queue looking full to appenders while the writer is busy copying, and a
            // release per record costs two atomic additions each.
            unreleased++;
            unreleasedBytes += a.payload().length;
            if (unreleased == RELEASE_EVERY) {
              queue.release(unreleased, unreleasedBytes);
              unreleased = 0;
              unreleasedBytes = 0;
            }
          } else if (request instanceof Trim t) {
            queue.release(1, 0);
            log.trimBefore(t.index());
            batch.set(i, null);
            t.future().complete(null);
          } else {
            stop = true;
          }
        }
        if (unreleased > 0) {
          queue.release(unreleased, unreleasedBytes);
        }
        if (appended > 0) {
          makeDurable(first, appended, batch);
        }
        batch.clear();
      }
      log.close();
    } catch (InterruptedException e) {
      fail(e, batch);
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      fail(e, batch);
    }
  }

  /**
   * One sync for the whole batch, then the news: listener first, each record's callback after, in
   * index order. The writer tells the appenders itself: handing that to another thread costs one more
   * wake-up per batch, which measured slower for a lone appender and no faster for many on a 2-core
   * machine. Each request is removed from {@code batch} before its callback runs, so a failure later
   * in the batch can never report it a second time.
   */
  private void makeDurable(long first, int appended, List<Request> batch) throws IOException {
    long syncsBefore = log.syncCount();
    log.sync();
    syncs.addAndGet(log.syncCount() - syncsBefore);
    long upTo = log.durableIndex();
    Ensure.that(upTo == first + appended - 1, "the sync covered the whole batch");
    Ensure.that(upTo > durableIndex, "durable index %d advances past %d", upTo, durableIndex);
    durableIndex = upTo;
    try {
      listener.durable(upTo);
    } catch (RuntimeException e) {
      // The records are durable whatever the listener did; its failure is the host's bug to see.
      LOG.error("durable listener failed at index {}", upTo, e);
    }
    long index = first;
    for (int i = 0; i < batch.size(); i++) {
      if (batch.get(i) instanceof Append a) {
        batch.set(i, null);
        notify(a.callback(), index++, null);
      }
    }
    Ensure.that(index == upTo + 1, "every record of the batch was told it is durable");
  }

  /** Tells one appender; its exception is its own bug and must not stop the writer. */
  private static void notify(DurableCallback callback, long index, IOException error) {
    try {
      callback.completed(index, error);
    } catch (RuntimeException e) {
      LOG.error("durable callback failed for index {}", index, e);
    }
  }

  /** Fails everything not yet completed and stops taking requests. */
  private void fail(Throwable cause, List<Request> batch) {
    LOG.error("write-ahead log {} failed; every pending append fails", log.directory(), cause);
    List<Request> stranded = new ArrayList<>(batch);
    failure = cause;
    queue.shut();
    stranded.addAll(queue.drain());
    IOException error = cause instanceof IOException io ? io : new IOException("write-ahead log failed", cause);
    for (Request request : stranded) {
      if (request instanceof Append a) {
        notify(a.callback(), -1, error);
      } else if (request instanceof Trim t) {
        t.future().completeExceptionally(error);
      }
    }
    try {
      log.close();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** The future {@link #append(int, byte[])} returns: one object is both the answer and its callback. */
  private static final class DurableFuture extends CompletableFuture<Long> implements DurableCallback {
    @Override
    public void completed(long index, IOException failure) {
      if (failure == null) {
        complete(index);
      } else {
        completeExceptionally(failure);
      }
    }
  }
}
