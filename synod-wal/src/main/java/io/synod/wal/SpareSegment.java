package io.synod.wal;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The next segment's file, prepared before the roll that needs it: filled with zeros to the segment
 * size and synced under a name that is not a segment's ({@value #NAME}), so that a roll only renames
 * it, writes the segment header and syncs, instead of writing a whole segment of zeros on the
 * writer's path.
 *
 * <p>The zeros go around the page cache where the file system allows it
 * ({@link FileSystem#openUncached}): they cost no copy and leave no dirty pages for the kernel to
 * write back beside the log's own syncs. The log's writes into the renamed spare then end on page
 * boundaries ({@link SegmentedLog#PAGE_BYTES}), so the kernel never reads one of its uncached pages
 * first.
 *
 * <p>At most one spare exists. {@link #prepare()} runs on whatever thread prepares it (a
 * {@link SparePreallocator}, or a test); {@link #moveTo} runs on the log's writer. The
 * spare's content is synced before it is offered, but its directory entry is not: the roll's
 * directory sync makes the renamed file durable, and a spare that a crash leaves behind is never log
 * data, so {@link Recovery} deletes it. Thread-safe; no method but {@link #awaitNeeded},
 * {@link #awaitReady} and {@link #moveTo} blocks on another thread, and those only on this object's
 * monitor.
 */
final class SpareSegment {
  /** Not a segment name ({@link SegmentFile#parse} refuses it), so recovery never reads it as one. */
  static final String NAME = "next-segment.spare";
  /**
   * The spare is synced every this many bytes. Chosen while it was written through the page cache,
   * where its write-back shared the disk with the log's fdatasyncs; measured at 256 closed-loop
   * appenders (docs/BENCHMARKS.md): syncing every 4 MiB gave the log's records a p99 of 2.4 ms,
   * every 64 MiB 0.4-0.5 ms but a maximum of 28-31 ms at 16 and 64 appenders (the one large sync),
   * every 16 MiB 0.5-0.6 ms and 9-15 ms.
   */
  static final int SYNC_BYTES = 16 << 20;
  /**
   * The spare is written in pieces of at most this size. Written around the page cache, each piece
   * goes to the disk before the next is written, so it is the most of the spare that a sync of the
   * log can find ahead of it in the disk's queue. Measured at 64 closed-loop appenders: 1 MiB pieces
   * gave the log's records a p99 of 621-666 µs, 256 KiB pieces 294-328 µs, 128 KiB 259-283 µs
   * (docs/BENCHMARKS.md).
   */
  static final int PIECE_BYTES = 256 << 10;
  /** The alignment writes around the page cache need. */
  static final int ALIGN_BYTES = 4096;
  static final String MARK_PREPARED = "wal.spare-prepared";
  static final String MARK_ABANDONED = "wal.spare-abandoned";
  static final String MARK_ROLL_WAITED = "wal.roll-waited-for-spare";

  private enum State {
    /** No spare: one is needed. */
    ABSENT,
    /** A {@link #prepare()} is writing it. */
    PREPARING,
    /** Zeroed and synced: the next roll may take it. */
    READY,
    /** The log is closing: no spare is prepared or taken any more. */
    CLOSED
  }

  private final FileSystem fs;
  private final Path path;
  private final int segmentBytes;
  /** Shared with the log: never written, and every use reads a duplicate, so threads may share it. */
  private final ByteBuffer zeros;
  /** Whether the zeros go around the page cache ({@link FileSystem#openUncached}). */
  private final boolean uncached;
  private State state = State.ABSENT;
  private long taken;
  private long missed;
  private long waited;
  /** Bytes of the active segment the log has handed to the file system; set by the log's writer. */
  private volatile long logFill;
  /** A paced preparer waiting for the log to reach this fill; Long.MAX_VALUE when none waits. */
  private volatile long wakeAtFill = Long.MAX_VALUE;

  SpareSegment(FileSystem fs, Path dir, int segmentBytes, ByteBuffer zeros) {
    Ensure.that(segmentBytes > SegmentHeader.BYTES, "a segment holds more than its header");
    Ensure.that(zeros.capacity() > 0, "the zero buffer is not empty");
    Ensure.that(SegmentFile.parse(NAME) < 0, "the spare's name is not a segment's");
    this.fs = fs;
    this.path = dir.resolve(NAME);
    this.segmentBytes = segmentBytes;
    this.zeros = zeros;
    // Written around the page cache when every piece can be aligned as that needs (see openUncached).
    this.uncached = zeros.isDirect() && zeros.alignmentOffset(0, ALIGN_BYTES) == 0
        && zeros.capacity() % ALIGN_BYTES == 0 && segmentBytes % ALIGN_BYTES == 0;
  }

  Path path() {
    return path;
  }

  /**
   * Writes and syncs the spare at once if none is ready or being written; see {@link #prepare(boolean)}.
   */
  boolean prepare() throws IOException {
    return prepare(false);
  }

  /**
   * Writes and syncs the spare if none is ready or being written; stops early, leaving no spare, if
   * {@link #close()} is called meanwhile. Blocks the calling thread on I/O.
   *
   * <p>{@code paced}: the spare is written only a quarter of a segment ahead of the active
   * segment's fill ({@link #logReached}), so its zeros reach the disk spread over the time the log
   * takes to fill the segment rather than in one burst that every sync of the log waits behind. It
   * is still complete before the log needs it, as long as the disk can write the zeros as fast as
   * the log writes records. Waits for the log to advance; only a thread of its own should pace.
   *
   * @return whether a spare is ready when this returns
   * @throws IOException if writing it failed; there is no spare then, and rolls preallocate inline
   */
  boolean prepare(boolean paced) throws IOException {
    synchronized (this) {
      if (state != State.ABSENT) {
        return state == State.READY;
      }
      state = State.PREPARING;
    }
    boolean written = false;
    try {
      written = writeZeros(paced);
    } finally {
      synchronized (this) {
        if (state == State.PREPARING) {
          state = written ? State.READY : State.ABSENT;
        }
        notifyAll();
      }
    }
    Marks.hit(written ? MARK_PREPARED : MARK_ABANDONED);
    return written;
  }

  private boolean writeZeros(boolean paced) throws IOException {
    long lead = Math.max(zeros.capacity(), segmentBytes / 4);
    try (FileHandle handle = uncached ? fs.openUncached(path) : fs.open(path, true)) {
      // A spare abandoned earlier, or left by a crash, may hold anything: start from empty.
      handle.truncate(0);
      long position = 0;
      long syncedTo = 0;
      while (position < segmentBytes) {
        if (paced && position >= lead) {
          awaitLogFill(position - lead);
        }
        if (isClosed()) {
          return false;
        }
        ByteBuffer chunk = zeros.duplicate();
        chunk.clear().limit((int) Math.min(Math.min(chunk.capacity(), PIECE_BYTES), segmentBytes - position));
        while (chunk.hasRemaining()) {
          position += handle.write(chunk, position);
        }
        if (position - syncedTo >= SYNC_BYTES || position == segmentBytes) {
          handle.sync();
          syncedTo = position;
        }
      }
      Ensure.that(syncedTo == segmentBytes, "the whole spare was synced");
      Ensure.that(handle.size() == segmentBytes, "the spare has the segment size");
      return true;
    }
  }

  /**
   * Renames the ready spare to {@code target} (the next segment's path) and returns true, or returns
   * false if no spare is ready, and the caller preallocates the segment itself. A spare that another
   * thread is writing is waited for: what is left of it is at most a segment of zeros, which the
   * caller would otherwise write in full, beside the preparer's. The rename is durable only after the
   * caller syncs the directory. Called by the log's writer.
   */
  synchronized boolean moveTo(Path target) throws IOException {
    if (state == State.PREPARING) {
      waited++;
      Marks.hit(MARK_ROLL_WAITED);
      // A paced preparer may be waiting for this very log to fill its segment, which it will not
      // do while it waits here (a large record can roll a segment long before it is full): release
      // the pacing. The roll's startSegment reports the new segment's fill and resets it.
      logFill = Long.MAX_VALUE;
      notifyAll();
      boolean interrupted = false;
      // Bounded by the preparer: it ends READY, or ABSENT if its writing failed, or stops at close.
      while (state == State.PREPARING) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (state != State.READY) {
      missed++;
      return false;
    }
    Ensure.that(!target.equals(path), "the spare is not renamed onto itself");
    // Used up whatever happens next; the preparer, woken now, starts the next spare only after the
    // rename, since it must take this monitor first.
    state = State.ABSENT;
    notifyAll();
    fs.atomicMove(path, target);
    taken++;
    return true;
  }

  /**
   * The log's writer reports that the active segment holds {@code offset} bytes written (after a
   * flush, and at a roll). Costs two volatile accesses unless a paced preparer waits for it.
   */
  void logReached(long offset) {
    logFill = offset;
    if (offset >= wakeAtFill) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /** A paced preparer waits until the active segment holds {@code fill} bytes, or the spare closes. */
  private synchronized void awaitLogFill(long fill) throws InterruptedIOException {
    // Set before the fill is read again: a writer that reports after this read sees it and wakes us.
    wakeAtFill = fill;
    try {
      while (logFill < fill && state != State.CLOSED) {
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while pacing the spare");
    } finally {
      wakeAtFill = Long.MAX_VALUE;
    }
  }

  /**
   * Blocks until a spare is needed (none is ready) or the log closes.
   *
   * @return false once closed
   */
  synchronized boolean awaitNeeded() throws InterruptedException {
    while (state == State.READY || state == State.PREPARING) {
      wait();
    }
    return state == State.ABSENT;
  }

  /** Blocks until a spare is ready or the log closes, at most {@code timeout}; whether one is ready. */
  synchronized boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (state == State.ABSENT || state == State.PREPARING) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return state == State.READY;
  }

  /** Stops preparing spares and offering them; a preparation under way stops at its next piece. */
  synchronized void close() {
    state = State.CLOSED;
    notifyAll();
  }

  synchronized boolean isClosed() {
    return state == State.CLOSED;
  }

  synchronized boolean isReady() {
    return state == State.READY;
  }

  /** Rolls that took the spare. */
  synchronized long taken() {
    return taken;
  }

  /** Rolls that found the spare being written and waited for it (taken or, if it failed, missed). */
  synchronized long waited() {
    return waited;
  }

  /** Rolls that found no spare ready and preallocated inline. */
  synchronized long missed() {
    return missed;
  }
}
