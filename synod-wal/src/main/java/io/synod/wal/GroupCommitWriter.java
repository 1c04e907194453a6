package io.synod.wal;

import io.synod.common.Ensure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit in front of a single-threaded store: any thread submits tasks, one writer thread owned
 * by this object takes everything queued as a batch, writes its tasks in order, syncs once if any of
 * them needs it, and then tells the store's owner that the batch is done ({@link Target}).
 *
 * <p>The writer syncs as soon as it has anything and takes whatever queued up during that sync as
 * the next batch, so a lone submitter waits for one sync and many submitters share each sync. Tasks
 * are written in the order their submissions entered the queue.
 *
 * <p>The queue is bounded in tasks and in bytes ({@link Target#queuedBytes}). At the bound,
 * {@link #offer} fails at once with {@link WalQueueFullException} (an event loop calling it never
 * stalls on the disk) and {@link #put} waits (back-pressure on a submitter that may block).
 *
 * <p>{@link #tryInline} writes and syncs a task on the calling thread when the writer is idle, which
 * saves the two thread wake-ups of a hand-off when nothing else waits for the disk.
 *
 * <p>A failed write or sync is fatal (after a failed fsync the page cache state is unknown): the
 * writer hands every task not yet done to {@link Target#failed}, refuses later submissions, closes
 * the target and ends. The store must be reopened, which recovers what the disk really holds.
 */
public final class GroupCommitWriter<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  /** The writer returns the queue's bounds for this many written tasks at a time. */
  private static final int RELEASE_EVERY = 64;

  /**
   * What the writer writes to. Every method but {@link #queuedBytes} runs on the writer thread (or,
   * for {@link #write} and {@link #sync}, on the thread of a {@link #tryInline} that found the writer
   * idle), never on two threads at once.
   */
  public interface Target<T> {
    /** The bytes {@code task} counts against the queue's byte bound; any thread, the same every time. */
    int queuedBytes(T task);

    /**
     * Carries out {@code task}. Returns whether it is durable only after the following
     * {@link #sync()}; false if it is as durable as it needs to be when this returns.
     *
     * @throws IOException the writer fails (see the class comment)
     */
    boolean write(T task) throws IOException;

    /** Makes every write so far durable; called at most once per batch, after its writes. */
    void sync() throws IOException;

    /**
     * The batch's tasks, in order, are written and, if any of them needed it, synced ({@code synced}).
     * Tells their submitters; must be quick, since the next batch waits for it, and must not close
     * the writer. Each task is handed to this or to {@link #failed}, exactly once. A runtime exception
     * it throws is logged and changes nothing: the tasks are done regardless.
     */
    void done(List<T> batch, boolean synced);

    /**
     * The writer failed with {@code error}: none of {@code notDone} (in submission order) will be
     * done, and no later task will be taken. Called once, unless the failure met a
     * {@link #tryInline} (whose caller hears of it by the exception instead); the target is closed
     * right after.
     */
    void failed(IOException error, List<T> notDone);

    /** Called once on the writer thread when it ends, after a close or a failure. */
    void close() throws IOException;
  }

  private final Target<T> target;
  private final WriterQueue<T> queue;
  private final int batchMax;
  private final long closeTimeoutNanos;
  private final Thread thread;
  private volatile Throwable failure;
  /** Set by the writer if closing the target at its normal end failed; read after joining it. */
  private Exception closeFailure;

  private GroupCommitWriter(Target<T> target, int queueTasksMax, long queueBytesMax, long closeTimeoutNanos,
      String threadName) {
    Ensure.argument(closeTimeoutNanos > 0, "closeTimeoutNanos must be positive");
    this.target = target;
    this.queue = new WriterQueue<>(queueTasksMax, queueBytesMax);
    // Everything the bound admits, in one batch.
    this.batchMax = queueTasksMax;
    this.closeTimeoutNanos = closeTimeoutNanos;
    this.thread = new Thread(this::run, threadName);
    // A daemon, so a host that forgets close() can still exit; durability rests on done() anyway.
    this.thread.setDaemon(true);
  }

  /**
   * Starts the writer thread, named {@code threadName}, in front of {@code target}, which from now on
   * only the writer (and {@link #tryInline}) may use. At most {@code queueTasksMax} tasks and
   * {@code queueBytesMax} bytes wait in the queue; {@link #close()} waits at most
   * {@code closeTimeoutNanos} for the writer to end.
   */
  public static <T> GroupCommitWriter<T> start(Target<T> target, int queueTasksMax, long queueBytesMax,
      long closeTimeoutNanos, String threadName) {
    Ensure.notNull(target, "target");
    Ensure.notNull(threadName, "threadName");
    GroupCommitWriter<T> writer =
        new GroupCommitWriter<>(target, queueTasksMax, queueBytesMax, closeTimeoutNanos, threadName);
    writer.thread.start();
    return writer;
  }

  /**
   * Queues {@code task}; never blocks. Returns false, queueing nothing, if the writer was closed or
   * failed ({@link #failure()} tells which).
   *
   * @throws WalQueueFullException if the queue is at a bound (nothing was queued)
   */
  public boolean offer(T task) {
    return queue.offer(task, target.queuedBytes(task));
  }

  /**
   * Queues {@code task}, waiting while the queue is at a bound. Returns false, queueing nothing, if
   * the writer was closed or failed, also while this waited.
   */
  public boolean put(T task) throws InterruptedException {
    return queue.put(task, target.queuedBytes(task));
  }

  /**
   * Writes {@code task}, and syncs if it needs it, on the calling thread, if the writer holds no task
   * and none is queued; returns false, doing nothing, otherwise (also once closed or failed). The
   * target's {@link Target#done} is not called: the caller reports the task itself when this returns
   * true. Only for a caller that is the one thread submitting to this writer (the writer then stays
   * idle until that thread submits again), and not while it closes it.
   *
   * @throws IOException if the write or the sync failed; the writer has then failed and ends
   */
  public boolean tryInline(T task) throws IOException {
    if (failure != null || !queue.consumerIdle()) {
      return false;
    }
    try {
      if (target.write(task)) {
        target.sync();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("{} failed on an inline write; later tasks are refused", thread.getName(), e);
      // Set before the queue shuts, so a refused submitter finds the reason.
      failure = e;
      // Nothing is queued (the caller is the only submitter): the writer ends and closes the target.
      queue.shut();
      throw e;
    }
    // The caller is the only submitter, so nothing can have been queued behind its back.
    Ensure.that(queue.isEmpty(), "nothing was queued during an inline write: its caller is the only submitter");
    return true;
  }

  /** Why the writer failed, or null while it has not. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Stops taking tasks, lets the writer finish everything queued (each batch synced and done as
   * usual), and waits, at most the close timeout, for the writer to close the target and end.
   * Idempotent; must not be called from the writer thread (a {@link Target#done} callback). Does not
   * throw for a failure of the writer, which {@link Target#failed} heard of and {@link #failure()}
   * tells.
   *
   * @throws IOException if the writer did not end in time, or closing the target at its end failed
   */
  @Override
  public void close() throws IOException {
    Ensure.argument(Thread.currentThread() != thread, "close() from the writer thread would wait for itself");
    // Everything admitted before the shut is queued, and the writer takes it all before it ends.
    queue.shut();
    try {
      TimeUnit.NANOSECONDS.timedJoin(thread, closeTimeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing " + thread.getName(), e);
    }
    if (thread.isAlive()) {
      throw new IOException(thread.getName() + " did not stop within " + closeTimeoutNanos + " ns");
    }
    // The join above makes the writer's last write of this field visible.
    if (closeFailure != null) {
      throw new IOException(thread.getName() + " failed to close its target", closeFailure);
    }
  }

  private void run() {
    List<T> batch = new ArrayList<>();
    // Set once a batch is handed to done(): from then on it is the target's, and never failed again.
    boolean handedOver = false;
    try {
      while (queue.takeBatch(batch, batchMax)) {
        handedOver = false;
        boolean mustSync = false;
        int unreleased = 0;
        long unreleasedBytes = 0;
        for (int i = 0; i < batch.size(); i++) {
          T task = batch.get(i);
          mustSync |= target.write(task);
          // Released every RELEASE_EVERY tasks: with a large batch, waiting for its end would keep
          // the queue looking full to submitters while the writer is busy copying, and a release per
          // task costs two atomic additions each.
          unreleased++;
          unreleasedBytes += target.queuedBytes(task);
          if (unreleased == RELEASE_EVERY) {
            queue.release(unreleased, unreleasedBytes);
            unreleased = 0;
            unreleasedBytes = 0;
          }
        }
        if (unreleased > 0) {
          queue.release(unreleased, unreleasedBytes);
        }
        if (mustSync) {
          target.sync();
        }
        handedOver = true;
        done(batch, mustSync);
        batch.clear();
      }
      Ensure.that(queue.isShut(), "the writer ends only once the queue is shut");
    } catch (InterruptedException e) {
      fail(e, handedOver ? List.of() : batch);
      Thread.currentThread().interrupt();
      return;
    } catch (Throwable e) {
      fail(e, handedOver ? List.of() : batch);
      return;
    }
    try {
      target.close();
    } catch (IOException | RuntimeException e) {
      // Every task was done before; close() throws it to its caller.
      closeFailure = e;
    }
  }

  /**
   * Tells the target the batch is done. The writer tells it itself: handing that to another thread
   * costs one more wake-up per batch, which measured slower for a lone appender and no faster for
   * many on a 2-core machine.
   */
  private void done(List<T> batch, boolean synced) {
    try {
      target.done(batch, synced);
    } catch (RuntimeException e) {
      // The tasks are done whatever the target did when telling of it; its failure is its bug to see.
      LOG.error("{}: reporting a batch of {} tasks failed", thread.getName(), batch.size(), e);
    }
  }

  /** Fails everything not yet done, stops taking tasks and closes the target. */
  private void fail(Throwable cause, List<T> batch) {
    LOG.error("{} failed; every pending task fails", thread.getName(), cause);
    List<T> notDone = new ArrayList<>(batch);
    // Set before the queue shuts, so a refused submitter finds the reason.
    failure = cause;
    queue.shut();
    notDone.addAll(queue.drain());
    IOException error = cause instanceof IOException io ? io : new IOException(thread.getName() + " failed", cause);
    try {
      target.failed(error, notDone);
    } catch (RuntimeException e) {
      LOG.error("{}: reporting its failure failed", thread.getName(), e);
    }
    try {
      target.close();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }
}
