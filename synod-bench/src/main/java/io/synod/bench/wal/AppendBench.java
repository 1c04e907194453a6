package io.synod.bench.wal;

import io.synod.wal.DurableListener;
import io.synod.wal.GroupCommitLog;
import io.synod.wal.SegmentedLog;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/** Durable appends of 256-byte records: one caller alone, then C concurrent callers. */
final class AppendBench {
  static final int RECORD_BYTES = 256;

  private AppendBench() {}

  /** Result of a run with concurrent appenders; {@code rolls} are those of the measured window. */
  record Concurrent(int appenders, long records, long syncs, double seconds, Histogram nanos, Rolls rolls) {}

  /**
   * Segment rolls: {@code spare} took the preallocated spare ({@code waited} of them after waiting for
   * the preallocator to finish it), {@code inline} wrote the segment's zeros on the writer thread.
   */
  record Rolls(long spare, long waited, long inline) {
    static Rolls of(GroupCommitLog front) {
      return new Rolls(front.rollsFromSpare(), front.rollsWaited(), front.rollsInline());
    }

    Rolls since(Rolls before) {
      return new Rolls(spare - before.spare, waited - before.waited, inline - before.inline);
    }
  }

  /** SegmentedLog.append + sync on the calling thread: no thread hand-off at all. */
  static Histogram direct(Path dir, WalConfig config, int samples) throws IOException {
    Histogram nanos = new Histogram(60_000_000_000L, 3);
    byte[] payload = payload();
    try (SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log()) {
      for (int i = 0; i < samples + samples / 10; i++) {
        long start = System.nanoTime();
        log.append(1, payload);
        log.sync();
        long took = System.nanoTime() - start;
        if (i >= samples / 10) {
          nanos.recordValue(took);
        }
      }
    }
    return nanos;
  }

  /** {@code appenders} threads, each appending through GroupCommitLog and waiting until durable. */
  static Concurrent concurrent(Path dir, WalConfig config, int appenders, long warmupNanos, long measureNanos)
      throws Exception {
    SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log();
    GroupCommitLog front = GroupCommitLog.start(log, config, DurableListener.NONE);
    AtomicBoolean recording = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    List<Histogram> perThread = new ArrayList<>();
    long[] counts = new long[appenders];
    List<Thread> threads = new ArrayList<>();
    byte[] payload = payload();
    for (int t = 0; t < appenders; t++) {
      Histogram mine = new Histogram(60_000_000_000L, 3);
      perThread.add(mine);
      int slot = t;
      Thread thread = new Thread(() -> {
        try {
          while (!stop.get()) {
            long start = System.nanoTime();
            front.append(1, payload).get(60, TimeUnit.SECONDS);
            long took = System.nanoTime() - start;
            if (recording.get()) {
              mine.recordValue(took);
              counts[slot]++;
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "bench-appender-" + t);
      threads.add(thread);
      thread.start();
    }
    TimeUnit.NANOSECONDS.sleep(warmupNanos);
    long syncsBefore = front.syncCount();
    Rolls rollsBefore = Rolls.of(front);
    long start = System.nanoTime();
    recording.set(true);
    TimeUnit.NANOSECONDS.sleep(measureNanos);
    recording.set(false);
    double seconds = (System.nanoTime() - start) / 1e9;
    long syncs = front.syncCount() - syncsBefore;
    Rolls rolls = Rolls.of(front).since(rollsBefore);
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }
    front.close();
    Histogram all = new Histogram(60_000_000_000L, 3);
    long records = 0;
    for (int t = 0; t < appenders; t++) {
      all.add(perThread.get(t));
      records += counts[t];
    }
    return new Concurrent(appenders, records, syncs, seconds, all, rolls);
  }

  /**
   * One thread keeps {@code window} appends in flight, the way a node's event loop uses the log: it
   * never blocks per record, so no thread is woken per record. Latency is taken on the writer thread
   * when each record's future completes. Shows what group commit itself sustains.
   */
  static Concurrent pipelined(Path dir, WalConfig config, int window, long warmupNanos, long measureNanos)
      throws Exception {
    SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log();
    GroupCommitLog front = GroupCommitLog.start(log, config, DurableListener.NONE);
    Histogram nanos = new Histogram(60_000_000_000L, 3);
    AtomicBoolean recording = new AtomicBoolean();
    long[] records = {0};
    byte[] payload = payload();
    ArrayDeque<CompletableFuture<Long>> inflight = new ArrayDeque<>();
    long end = System.nanoTime() + warmupNanos + measureNanos;
    long measureFrom = System.nanoTime() + warmupNanos;
    long syncsBefore = 0;
    Rolls rollsBefore = null;
    long start = 0;
    while (System.nanoTime() < end) {
      if (!recording.get() && System.nanoTime() >= measureFrom) {
        syncsBefore = front.syncCount();
        rollsBefore = Rolls.of(front);
        start = System.nanoTime();
        recording.set(true);
      }
      while (inflight.size() < window) {
        long appendedAt = System.nanoTime();
        // Runs on the writer thread, which alone touches `nanos` and `records` until the end.
        inflight.add(front.append(1, payload).whenComplete((index, error) -> {
          if (recording.get()) {
            nanos.recordValue(System.nanoTime() - appendedAt);
            records[0]++;
          }
        }));
      }
      // Futures complete in order: waiting for the oldest frees a whole synced batch at once.
      inflight.peek().get(60, TimeUnit.SECONDS);
      while (!inflight.isEmpty() && inflight.peek().isDone()) {
        inflight.poll();
      }
    }
    recording.set(false);
    double seconds = (System.nanoTime() - start) / 1e9;
    long syncs = front.syncCount() - syncsBefore;
    Rolls rolls = Rolls.of(front).since(rollsBefore);
    front.close();
    return new Concurrent(window, records[0], syncs, seconds, nanos, rolls);
  }

  static byte[] payload() {
    byte[] payload = new byte[RECORD_BYTES];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 7 + 3);
    }
    return payload;
  }
}
