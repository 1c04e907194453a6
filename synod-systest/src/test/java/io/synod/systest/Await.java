package io.synod.systest;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Bounded waiting on an external readiness signal (an RPC that starts to answer, a leader the
 * members agree on). Each wait is bounded both in time and in attempts; between attempts it pauses
 * for a short poll interval, because a separate process offers nothing to block on.
 */
final class Await {
  static final Duration POLL = Duration.ofMillis(50);

  private Await() {}

  /**
   * Calls {@code probe} until it returns a non-null value, which is returned. A probe that throws
   * or returns null is retried; after {@code timeout} the last failure is reported along with
   * {@code diagnostics} (typically the tail of the member logs).
   */
  static <T> T until(String what, Duration timeout, Callable<T> probe, Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long attemptsMax = timeout.toMillis() / POLL.toMillis() + 1;
    Exception lastFailure = null;
    for (long attempt = 0; attempt < attemptsMax; attempt++) {
      try {
        T value = probe.call();
        if (value != null) {
          return value;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      } catch (Exception e) {
        lastFailure = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        break;
      }
      pause();
    }
    throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
        + (lastFailure == null ? "" : "; last failure: " + lastFailure) + "\n" + diagnostics.get(), lastFailure);
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
