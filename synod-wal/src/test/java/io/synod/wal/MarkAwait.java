package io.synod.wal;

import io.synod.common.Marks;
import java.util.concurrent.TimeUnit;

/** Test waits on {@link Marks} counters: event-driven (a counter only grows), bounded at 30 s. */
public final class MarkAwait {
  private MarkAwait() {}

  /** Waits until the counter {@code mark} reaches {@code count}; whether it did within 30 s. */
  public static boolean reached(String mark, long count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Marks.count(mark) < count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }
}
