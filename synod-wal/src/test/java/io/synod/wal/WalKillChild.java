package io.synod.wal;

import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process {@link WalKillTest} kills: appends records derived from their index through a
 * {@link GroupCommitLog} from several threads and prints {@code durable N} on standard output as soon
 * as the listener reports it. Continues whatever log it finds. Stops by itself after
 * {@link #RECORDS_MAX} records, or when its parent goes away (standard input closes).
 *
 * <p>Arguments: the log directory and the number of appending threads.
 */
public final class WalKillChild {
  /** Shared with the parent, which opens the same log. Small segments, so kills land near rolls too. */
  static final WalConfig CONFIG = new WalConfig(
      256 << 10, 64 << 10, 64 << 10, 4 << 10, 100_000, 1024, 16L << 20, 10_000_000_000L, 2, 1 << 20);
  static final long RECORDS_MAX = 2_000_000;
  private static final int WINDOW = 16;

  private WalKillChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // The parent writes nothing; end of input means it is gone.
        }
      } catch (IOException e) {
        // Treated like end of input.
      }
      Runtime.getRuntime().halt(3);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, CONFIG).log();
    long first = log.lastIndex() + 1;
    System.out.println("ready " + log.lastIndex());
    System.out.flush();
    GroupCommitLog front = GroupCommitLog.start(log, CONFIG, upTo -> {
      System.out.println("durable " + upTo);
      System.out.flush();
    });
    Object order = new Object();
    long[] next = {first};
    Thread[] appenders = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      appenders[t] = new Thread(() -> appendLoop(front, order, next, first), "appender-" + t);
      appenders[t].start();
    }
    for (Thread appender : appenders) {
      appender.join(TimeUnit.MINUTES.toMillis(10));
    }
    front.close();
  }

  private static void appendLoop(GroupCommitLog front, Object order, long[] next, long first) {
    ArrayDeque<long[]> expected = new ArrayDeque<>();
    ArrayDeque<CompletableFuture<Long>> window = new ArrayDeque<>();
    try {
      while (true) {
        // Taking the index and queueing under one lock makes queue order index order, so each
        // record's payload can be derived from the index it will get.
        synchronized (order) {
          long index = next[0]++;
          if (index - first >= RECORDS_MAX) {
            break;
          }
          window.add(front.append(TestRecords.type(index), TestRecords.payload(index)));
          expected.add(new long[] {index});
        }
        if (window.size() == WINDOW) {
          long got = window.poll().get(60, TimeUnit.SECONDS);
          long want = expected.poll()[0];
          if (got != want) {
            System.out.println("error record " + want + " got index " + got);
            System.out.flush();
            Runtime.getRuntime().halt(2);
          }
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      Runtime.getRuntime().halt(4);
    }
  }
}
