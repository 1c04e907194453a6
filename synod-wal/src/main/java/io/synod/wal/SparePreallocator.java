package io.synod.wal;

import io.synod.common.Ensure;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that keeps the next segment of a {@link SegmentedLog} ready as a spare
 * ({@link SpareSegment}), so that the log's rolls rename a file instead of writing a segment of
 * zeros on the log's own thread. It writes the spare paced by the log (a quarter of a segment ahead
 * of the active segment's fill) and waits while a spare is ready. The log is still used from its
 * own single thread: the spare is the only thing the two threads share, and it is thread-safe.
 *
 * <p>A failure to prepare a spare only costs time: the thread logs it and ends, and rolls
 * preallocate inline from then on. Closing the log stops the thread too; {@link #close()} waits for
 * it. A spare abandoned at close is deleted when the log is next opened.
 */
public final class SparePreallocator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparePreallocator.class);

  private final SpareSegment spare;
  private final Thread thread;

  private SparePreallocator(SegmentedLog log) {
    this.spare = log.spare();
    this.thread = new Thread(() -> run(log), "synod-wal-preallocator-" + log.directory().getFileName());
    // A daemon, so a host that forgets close() can still exit: a spare is never log data.
    this.thread.setDaemon(true);
  }

  /** Starts preparing spares for {@code log}, on a thread of its own. */
  public static SparePreallocator start(SegmentedLog log) {
    Ensure.notNull(log, "log");
    SparePreallocator preallocator = new SparePreallocator(log);
    preallocator.thread.start();
    return preallocator;
  }

  private void run(SegmentedLog log) {
    try {
      while (spare.awaitNeeded()) {
        spare.prepare(true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      LOG.warn("preparing a spare segment for {} failed; segments are preallocated inline from now on",
          log.directory(), e);
    }
  }

  /** Whether the thread still runs. */
  public boolean isAlive() {
    return thread.isAlive();
  }

  /** Waits (bounded) for the thread to end; whether it did. */
  public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
    unit.timedJoin(thread, timeout);
    return !thread.isAlive();
  }

  /** {@link #close(long, TimeUnit)} with at most 10 s of waiting. */
  @Override
  public void close() throws IOException {
    close(10, TimeUnit.SECONDS);
  }

  /**
   * Stops preparing spares (one under way stops at its next piece; later rolls preallocate inline)
   * and waits, at most {@code timeout}, for the thread to end. Idempotent.
   *
   * @throws IOException if the thread did not end in time
   */
  public void close(long timeout, TimeUnit unit) throws IOException {
    spare.close();
    try {
      if (!awaitEnd(timeout, unit)) {
        throw new IOException(
            "spare preallocator " + thread.getName() + " did not stop within " + timeout + " " + unit);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the spare preallocator", e);
    }
  }
}
