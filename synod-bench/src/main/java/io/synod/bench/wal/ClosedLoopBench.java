package io.synod.bench.wal;

import io.synod.wal.DurableCallback;
import io.synod.wal.GroupCommitLog;
import io.synod.wal.SegmentedLog;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * C logical appenders in a closed loop, the way a server has C clients each with one append
 * outstanding: every appender appends its next record as soon as its previous one is durable, from
 * the record's {@link DurableCallback}, so no thread exists or is woken per appender. The callbacks
 * run on the log's writer thread, which therefore also pays for every re-append; what the run leaves
 * out is the hand-off to a network thread that a server makes once per durable batch.
 *
 * <p>Latency is from just before {@code append} to the moment the sync covering the record returned
 * (taken once per sync in the {@code DurableListener}, which runs before the callbacks).
 */
final class ClosedLoopBench {
  private ClosedLoopBench() {}

  static AppendBench.Concurrent run(Path dir, WalConfig config, int appenders, long warmupNanos, long measureNanos)
      throws Exception {
    Loop loop = new Loop(appenders);
    SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log();
    GroupCommitLog front = GroupCommitLog.start(log, config, loop::durable);
    loop.front = front;
    for (int i = 0; i < appenders; i++) {
      new Appender(loop).next();
    }
    TimeUnit.NANOSECONDS.sleep(warmupNanos);
    long syncsBefore = front.syncCount();
    AppendBench.Rolls rollsBefore = AppendBench.Rolls.of(front);
    long start = System.nanoTime();
    loop.recording = true;
    TimeUnit.NANOSECONDS.sleep(measureNanos);
    loop.recording = false;
    double seconds = (System.nanoTime() - start) / 1e9;
    long syncs = front.syncCount() - syncsBefore;
    AppendBench.Rolls rolls = AppendBench.Rolls.of(front).since(rollsBefore);
    loop.stopping = true;
    boolean drained = loop.idle.await(60, TimeUnit.SECONDS);
    front.close();
    if (!drained || loop.error.get() != null) {
      throw new IOException("closed loop did not end cleanly", loop.error.get());
    }
    // close() joined the writer thread, so its plain writes to the loop are visible here.
    return new AppendBench.Concurrent(appenders, loop.records, syncs, seconds, loop.nanos, rolls);
  }

  /** State shared by the appenders; touched only on the writer thread while the loop runs. */
  private static final class Loop {
    final byte[] payload = AppendBench.payload();
    final Histogram nanos = new Histogram(60_000_000_000L, 3);
    final CountDownLatch idle;
    final AtomicReference<Throwable> error = new AtomicReference<>();
    GroupCommitLog front;
    volatile boolean recording;
    volatile boolean stopping;
    long durableAtNanos;
    long records;

    Loop(int appenders) {
      idle = new CountDownLatch(appenders);
    }

    void durable(long upToIndex) {
      durableAtNanos = System.nanoTime();
    }
  }

  /** One client: one record outstanding at a time, the next appended from the last one's callback. */
  private static final class Appender implements DurableCallback {
    private final Loop loop;
    private long appendedAtNanos;

    Appender(Loop loop) {
      this.loop = loop;
    }

    void next() {
      appendedAtNanos = System.nanoTime();
      loop.front.append(1, loop.payload, this);
    }

    @Override
    public void completed(long index, IOException failure) {
      if (failure != null) {
        loop.error.compareAndSet(null, failure);
        loop.idle.countDown();
        return;
      }
      if (loop.recording) {
        loop.nanos.recordValue(loop.durableAtNanos - appendedAtNanos);
        loop.records++;
      }
      if (loop.stopping) {
        loop.idle.countDown();
      } else {
        next();
      }
    }
  }
}
