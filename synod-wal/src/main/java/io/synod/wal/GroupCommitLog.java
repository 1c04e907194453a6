package io.synod.wal;

import io.synod.common.Ensure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>A second thread, the completer, tells the listener and completes the futures of each synced
 * batch, in batch order. Waking hundreds of waiting threads costs more CPU than an fsync takes on a
 * fast disk; on the completer it overlaps the next sync instead of delaying it.
 *
 * <p>The queue is bounded ({@link WalConfig#queueRecordsMax()}, {@link WalConfig#queueBytesMax()}):
 * an append beyond the bound <b>fails at once</b> with {@link WalQueueFullException} and queues
 * nothing. It never blocks, so an event loop calling it cannot stall on the disk.
 *
 * <p>A failed write or sync is fatal (after a failed fsync the page cache state is unknown): every
 * pending and later future fails with the {@link IOException}, the writer stops, and the log must be
 * reopened, which recovers what the disk really holds.
 */
public final class GroupCommitLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitLog.class);

  private sealed interface Request permits Append, Trim, Stop {}

  private record Append(int type, byte[] payload, CompletableFuture<Long> future) implements Request {}

  private record Trim(long index, CompletableFuture<Void> future) implements Request {}

  private record Stop() implements Request {}

  /** A synced batch for the completer: records first .. first + futures.size() - 1 are durable. */
  private record Synced(long first, List<CompletableFuture<Long>> futures, long upTo) {}

  /** Synced batches the completer may lag behind the writer; beyond it the writer waits. */
  private static final int SYNCED_BATCHES_MAX = 4;
  private static final Synced COMPLETER_STOP = new Synced(0, List.of(), 0);

  private final SegmentedLog log;
  private final WalConfig config;
  private final DurableListener listener;
  /** Unbounded as a collection; admission below bounds it, and Stop must always fit. */
  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  /** Orders admission checks, enqueueing, closing and failing, so no request is stranded. */
  private final Object admission = new Object();
  private final AtomicInteger queuedRecords = new AtomicInteger();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong syncs = new AtomicLong();
  private final ArrayBlockingQueue<Synced> synced = new ArrayBlockingQueue<>(SYNCED_BATCHES_MAX);
  private final Thread writer;
  private final Thread completer;
  private volatile long durableIndex;
  private volatile Throwable failure;
  private boolean closed;

  private GroupCommitLog(SegmentedLog log, WalConfig config, DurableListener listener) {
    this.log = log;
    this.config = config;
    this.listener = listener;
    this.durableIndex = log.durableIndex();
    this.writer = new Thread(this::run, "synod-wal-writer-" + log.directory().getFileName());
    this.completer = new Thread(this::complete, "synod-wal-completer-" + log.directory().getFileName());
    // Daemons, so a host that forgets close() can still exit; durability rests on the futures anyway.
    this.writer.setDaemon(true);
    this.completer.setDaemon(true);
  }

  /**
   * Takes ownership of {@code log} (no one else may use it any more) and starts the writer thread.
   * {@code listener} hears every durable advance on the writer thread.
   */
  public static GroupCommitLog start(SegmentedLog log, WalConfig config, DurableListener listener) {
    Ensure.notNull(log, "log");
    Ensure.notNull(listener, "listener");
    GroupCommitLog front = new GroupCommitLog(log, config.validate(), listener);
    front.completer.start();
    front.writer.start();
    return front;
  }

  /**
   * Queues a record; the future completes with its index once it is durable, or exceptionally if the
   * log failed. Futures complete on the completer thread: attach heavy work with the async variants.
   * {@code payload} is not copied: it must not change after this call.
   *
   * @throws WalQueueFullException if the queue is at its bound (nothing was queued)
   * @throws IllegalStateException if the log is closed
   */
  public CompletableFuture<Long> append(int type, byte[] payload) {
    Ensure.argument(type >= 0 && type <= Frame.TYPE_MAX, "type must be in [0, 255]");
    Ensure.notNull(payload, "payload");
    Ensure.argument(payload.length <= config.recordBytesMax(), "payload exceeds recordBytesMax");
    CompletableFuture<Long> future = new CompletableFuture<>();
    synchronized (admission) {
      if (closed) {
        throw new IllegalStateException("group commit log " + log.directory() + " is closed");
      }
      Throwable failed = failure;
      if (failed != null) {
        return CompletableFuture.failedFuture(new IOException("write-ahead log failed earlier", failed));
      }
      // Only appenders increase the counters and they do so under this lock, so check-then-add is safe.
      if (queuedRecords.get() >= config.queueRecordsMax()) {
        throw new WalQueueFullException("write-ahead log queue holds queueRecordsMax=" + config.queueRecordsMax() + " records");
      }
      if (queuedBytes.get() + payload.length > config.queueBytesMax()) {
        throw new WalQueueFullException("write-ahead log queue holds queueBytesMax=" + config.queueBytesMax() + " bytes");
      }
      queuedRecords.incrementAndGet();
      queuedBytes.addAndGet(payload.length);
      queue.add(new Append(type, payload, future));
    }
    return future;
  }

  /**
   * Deletes the segments whose records are all below {@code index} (see
   * {@link SegmentedLog#trimBefore}), in order with the appends queued before it.
   */
  public CompletableFuture<Void> trimBefore(long index) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (admission) {
      if (closed) {
        throw new IllegalStateException("group commit log " + log.directory() + " is closed");
      }
      Throwable failed = failure;
      if (failed != null) {
        return CompletableFuture.failedFuture(new IOException("write-ahead log failed earlier", failed));
      }
      queue.add(new Trim(index, future));
    }
    return future;
  }

  /** The newest index known durable. */
  public long durableIndex() {
    return durableIndex;
  }

  /** Syncs that made appended records durable, including one per segment roll. */
  public long syncCount() {
    return syncs.get();
  }

  /**
   * Stops accepting appends, lets the writer make everything queued durable, closes the log and waits
   * (at most {@link WalConfig#closeTimeoutNanos()}) for both threads to end. Idempotent.
   *
   * @throws IOException if the writer did not stop in time, or if the log had failed
   */
  @Override
  public void close() throws IOException {
    Ensure.argument(Thread.currentThread() != writer, "close() from the writer thread would wait for itself");
    Ensure.argument(Thread.currentThread() != completer, "close() from a listener or future callback would wait for itself");
    synchronized (admission) {
      if (!closed) {
        closed = true;
        queue.add(new Stop());
      }
    }
    long deadline = System.nanoTime() + config.closeTimeoutNanos();
    try {
      TimeUnit.NANOSECONDS.timedJoin(writer, config.closeTimeoutNanos());
      TimeUnit.NANOSECONDS.timedJoin(completer, Math.max(1, deadline - System.nanoTime()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing the write-ahead log", e);
    }
    if (writer.isAlive() || completer.isAlive()) {
      throw new IOException("write-ahead log threads did not stop within " + config.closeTimeoutNanos() + " ns");
    }
    Throwable failed = failure;
    if (failed != null) {
      throw new IOException("write-ahead log " + log.directory() + " failed", failed);
    }
  }

  private void run() {
    List<Request> batch = new ArrayList<>();
    List<CompletableFuture<Long>> waiting = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        batch.add(queue.take());
        queue.drainTo(batch, config.queueRecordsMax());
        long first = log.lastIndex() + 1;
        for (Request request : batch) {
          Ensure.that(!stop, "nothing is queued after Stop");
          if (request instanceof Append a) {
            long index = log.append(a.type(), a.payload());
            Ensure.that(index == first + waiting.size(), "indexes are dense in queue order");
            waiting.add(a.future());
            queuedRecords.decrementAndGet();
            queuedBytes.addAndGet(-a.payload().length);
          } else if (request instanceof Trim t) {
            log.trimBefore(t.index());
            t.future().complete(null);
          } else {
            stop = true;
          }
        }
        if (!waiting.isEmpty()) {
          makeDurable(first, waiting);
          // The completer owns the handed-over list now.
          waiting = new ArrayList<>();
        }
        batch.clear();
      }
      log.close();
    } catch (InterruptedException e) {
      fail(e, batch);
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      fail(e, batch);
    } finally {
      stopCompleter();
    }
  }

  /** The completer ends after the batches already handed to it: those are durable and complete normally. */
  private void stopCompleter() {
    boolean interrupted = Thread.interrupted();
    while (true) {
      try {
        synced.put(COMPLETER_STOP);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The completer thread: the news of each synced batch, in order. Listener first, futures after. */
  private void complete() {
    while (true) {
      Synced batch;
      try {
        batch = synced.take();
      } catch (InterruptedException e) {
        LOG.error("write-ahead log completer interrupted; durable futures may stay pending");
        return;
      }
      if (batch == COMPLETER_STOP) {
        return;
      }
      try {
        listener.durable(batch.upTo());
      } catch (RuntimeException e) {
        // The records are durable whatever the listener did; its failure is the host's bug to see.
        LOG.error("durable listener failed at index {}", batch.upTo(), e);
      }
      List<CompletableFuture<Long>> futures = batch.futures();
      for (int i = 0; i < futures.size(); i++) {
        futures.get(i).complete(batch.first() + i);
      }
    }
  }

  /** One sync for the whole batch; the completer spreads the news. */
  private void makeDurable(long first, List<CompletableFuture<Long>> waiting) throws IOException, InterruptedException {
    long syncsBefore = log.syncCount();
    log.sync();
    syncs.addAndGet(log.syncCount() - syncsBefore);
    long upTo = log.durableIndex();
    Ensure.that(upTo == first + waiting.size() - 1, "the sync covered the whole batch");
    Ensure.that(upTo > durableIndex, "durable index %d advances past %d", upTo, durableIndex);
    durableIndex = upTo;
    synced.put(new Synced(first, waiting, upTo));
  }

  /** Fails everything not yet completed and stops taking requests. */
  private void fail(Throwable cause, List<Request> batch) {
    LOG.error("write-ahead log {} failed; every pending append fails", log.directory(), cause);
    List<Request> stranded = new ArrayList<>(batch);
    synchronized (admission) {
      failure = cause;
      queue.drainTo(stranded);
    }
    IOException error = cause instanceof IOException io ? io : new IOException("write-ahead log failed", cause);
    for (Request request : stranded) {
      if (request instanceof Append a) {
        a.future().completeExceptionally(error);
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
}
