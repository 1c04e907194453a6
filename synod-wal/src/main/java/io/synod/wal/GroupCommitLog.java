package io.synod.wal;

import io.synod.common.Ensure;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread-safe front of a {@link SegmentedLog}: any thread appends, a {@link GroupCommitWriter}
 * owned by this object writes and syncs on its thread, and one sync covers every record that arrived
 * since the previous one (group commit). This class is what the writer's tasks mean for a log: an
 * append or a trim, and how each appender hears of its record.
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

  private sealed interface Request permits Append, Trim {}

  private record Append(int type, byte[] payload, DurableCallback callback) implements Request {}

  private record Trim(long index, CompletableFuture<Void> future) implements Request {}

  private final SegmentedLog log;
  private final WalConfig config;
  private final GroupCommitWriter<Request> writer;
  private final SparePreallocator preallocator;
  private final SpareSegment spare;
  private volatile long durableIndex;
  /** Syncs that made records durable; written by the writer thread only. */
  private final AtomicLong syncs = new AtomicLong();

  private GroupCommitLog(SegmentedLog log, WalConfig config, DurableListener listener) {
    this.log = log;
    this.config = config;
    this.durableIndex = log.durableIndex();
    this.spare = log.spare();
    // It starts a thread, which touches only the log's spare.
    this.preallocator = SparePreallocator.start(log);
    // Last: the writer thread uses this object's fields through its target.
    this.writer = GroupCommitWriter.start(new LogTarget(listener), config.queueRecordsMax(), config.queueBytesMax(),
        config.closeTimeoutNanos(), "synod-wal-writer-" + log.directory().getFileName());
  }

  /**
   * Takes ownership of {@code log} (no one else may use it any more) and starts the writer thread.
   * {@code listener} hears every durable advance on the writer thread.
   */
  public static GroupCommitLog start(SegmentedLog log, WalConfig config, DurableListener listener) {
    Ensure.notNull(log, "log");
    Ensure.notNull(listener, "listener");
    return new GroupCommitLog(log, config.validate(), listener);
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
    Throwable failed = writer.failure();
    if (failed != null) {
      return CompletableFuture.failedFuture(new IOException("write-ahead log failed earlier", failed));
    }
    DurableFuture future = new DurableFuture();
    if (!writer.offer(new Append(type, payload, future))) {
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
    Throwable failed = writer.failure();
    if (failed == null) {
      if (writer.offer(new Append(type, payload, callback))) {
        return;
      }
      // Refused because the queue is shut: by a failure (tell the callback) or by close (throw).
      failed = writer.failure();
      if (failed == null) {
        throw closedException();
      }
    }
    tell(callback, -1, new IOException("write-ahead log failed earlier", failed));
  }

  private void checkRecord(int type, byte[] payload) {
    Ensure.argument(type >= 0 && type <= Frame.TYPE_MAX, "type must be in [0, 255]");
    Ensure.notNull(payload, "payload");
    Ensure.argument(payload.length <= config.recordBytesMax(), "payload exceeds recordBytesMax");
  }

  /**
   * Deletes the segments whose records are all below {@code index} (see
   * {@link SegmentedLog#trimBefore}), in order with the appends queued before it. The future
   * completes once the batch holding the trim is done (after its sync, if it holds appends).
   */
  public CompletableFuture<Void> trimBefore(long index) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    if (!writer.offer(new Trim(index, future))) {
      return refused();
    }
    return future;
  }

  /** Why the queue is shut: the log failed (a failed future) or was closed (an exception). */
  private <T> CompletableFuture<T> refused() {
    Throwable failed = writer.failure();
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
    IOException stuck = null;
    try {
      // The writer first, so that rolls while it drains the queue may still take a spare.
      writer.close();
    } catch (IOException e) {
      stuck = e;
    }
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
    Throwable failed = writer.failure();
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

  /** Tells one appender; its exception is its own bug and must not stop the writer. */
  private static void tell(DurableCallback callback, long index, IOException error) {
    try {
      callback.completed(index, error);
    } catch (RuntimeException e) {
      LOG.error("durable callback failed for index {}", index, e);
    }
  }

  /** The log as the writer's target; its methods run on the writer thread. */
  private final class LogTarget implements GroupCommitWriter.Target<Request> {
    private final DurableListener listener;
    /** The index of the last record written; the next one must follow it. */
    private long writtenIndex;

    LogTarget(DurableListener listener) {
      this.listener = listener;
      this.writtenIndex = log.lastIndex();
    }

    @Override
    public int queuedBytes(Request request) {
      return request instanceof Append a ? a.payload().length : 0;
    }

    @Override
    public boolean write(Request request) throws IOException {
      if (request instanceof Append a) {
        long index = log.append(a.type(), a.payload());
        Ensure.that(index == writtenIndex + 1, "indexes are dense in queue order");
        writtenIndex = index;
        return true;
      }
      log.trimBefore(((Trim) request).index());
      return false;
    }

    @Override
    public void sync() throws IOException {
      long syncsBefore = log.syncCount();
      log.sync();
      syncs.addAndGet(log.syncCount() - syncsBefore);
    }

    /**
     * The news of one batch: the listener first, then each request in order (appends learn their
     * index, trims complete). Only a batch holding appends was synced, and a synced batch holds
     * every record written since the previous one.
     */
    @Override
    public void done(List<Request> batch, boolean synced) {
      long index = durableIndex + 1;
      if (synced) {
        long upTo = log.durableIndex();
        Ensure.that(upTo == writtenIndex, "the sync covered the whole batch");
        Ensure.that(upTo > durableIndex, "durable index %d advances past %d", upTo, durableIndex);
        durableIndex = upTo;
        try {
          listener.durable(upTo);
        } catch (RuntimeException e) {
          // The records are durable whatever the listener did; its failure is the host's bug to see.
          LOG.error("durable listener failed at index {}", upTo, e);
        }
      }
      for (int i = 0; i < batch.size(); i++) {
        Request request = batch.get(i);
        if (request instanceof Append a) {
          tell(a.callback(), index++, null);
        } else {
          ((Trim) request).future().complete(null);
        }
      }
      Ensure.that(index == durableIndex + 1, "every record of the batch was told it is durable");
    }

    @Override
    public void failed(IOException error, List<Request> notDone) {
      for (Request request : notDone) {
        if (request instanceof Append a) {
          tell(a.callback(), -1, error);
        } else {
          ((Trim) request).future().completeExceptionally(error);
        }
      }
    }

    @Override
    public void close() throws IOException {
      log.close();
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
