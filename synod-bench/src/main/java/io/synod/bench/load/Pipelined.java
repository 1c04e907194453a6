package io.synod.bench.load;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs {@code count} asynchronous operations with at most {@code window} in flight, within a bound.
 * A failed operation is retried after a short pause (a leader change, say), up to a few attempts.
 */
final class Pipelined {
  @FunctionalInterface
  interface Operation {
    void start(int index, KvTarget.Done done);
  }

  static final int ATTEMPTS = 5;
  private static final long RETRY_PAUSE_MILLIS = 200;

  private Pipelined() {}

  /** Throws the first failure, or a timeout if the operations did not all finish within {@code bound}. */
  static void run(int count, int window, Duration bound, Operation operation) throws Exception {
    run(count, window, bound, ATTEMPTS, operation);
  }

  static void run(int count, int window, Duration bound, int attempts, Operation operation) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    Semaphore slots = new Semaphore(window);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger retries = new AtomicInteger();
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "loadgen-retry");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < count && failure.get() == null; i++) {
        if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new TimeoutException("only " + i + " of " + count + " operations started within " + bound);
        }
        new Attempt(i, attempts, operation, timer, slots, failure, failures, retries).start();
      }
      if (!slots.tryAcquire(window, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("operations still in flight after " + bound);
      }
    } finally {
      timer.shutdownNow();
    }
    Throwable first = failure.get();
    if (first != null) {
      throw new IllegalStateException(failures.get() + " operation(s) failed after " + attempts + " attempts ("
          + retries.get() + " retries in all), first: " + first, first);
    }
  }

  /** One operation and its retries; releases its slot once, when it succeeds or gives up. */
  private static final class Attempt {
    private final int index;
    private final int attempts;
    private final Operation operation;
    private final ScheduledThreadPoolExecutor timer;
    private final Semaphore slots;
    private final AtomicReference<Throwable> failure;
    private final AtomicInteger failures;
    private final AtomicInteger retries;
    private int attempt;

    Attempt(int index, int attempts, Operation operation, ScheduledThreadPoolExecutor timer, Semaphore slots,
        AtomicReference<Throwable> failure, AtomicInteger failures, AtomicInteger retries) {
      this.index = index;
      this.attempts = attempts;
      this.operation = operation;
      this.timer = timer;
      this.slots = slots;
      this.failure = failure;
      this.failures = failures;
      this.retries = retries;
    }

    void start() {
      attempt++;
      try {
        operation.start(index, this::done);
      } catch (RuntimeException e) {
        done(e);
      }
    }

    private void done(Throwable error) {
      if (error == null) {
        slots.release();
        return;
      }
      if (attempt < attempts) {
        retries.incrementAndGet();
        try {
          timer.schedule(this::start, RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
          return;
        } catch (RejectedExecutionException e) {
          // the run is over (timed out): give up below
        }
      }
      failures.incrementAndGet();
      failure.compareAndSet(null, error);
      slots.release();
    }
  }
}
