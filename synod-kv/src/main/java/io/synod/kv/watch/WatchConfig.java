package io.synod.kv.watch;

import io.synod.common.Ensure;

/**
 * The limits of a {@link WatchHub}.
 *
 * @param watchersMax watchers the hub holds at once; a create beyond it is refused
 * @param bufferEventsMax live events one watcher may hold undelivered; past it the watcher is cancelled
 * @param bufferBytesMax bytes of live events ({@link io.synod.kv.WatchEvent#sizeBytes()}) one watcher
 *     may hold undelivered; past it the watcher is cancelled
 * @param catchUpEventsMax events read from history per chunk when a watcher catches up
 * @param responseEventsMax events handed out per response (whole revisions: a revision with more
 *     changes goes out whole)
 * @param progressIntervalNanos how often a watcher that asked for progress notifications and got no
 *     events hears the current revision (etcd: 10 minutes)
 * @param fragmentBytesMax the response size above which a watcher that allows fragments gets its
 *     events in several responses (etcd: the request size limit, 1.5 MiB); also where a response, and
 *     a chunk of history read back, ends (at the next revision boundary), so large values keep both
 *     bounded
 */
public record WatchConfig(
    int watchersMax,
    int bufferEventsMax,
    long bufferBytesMax,
    int catchUpEventsMax,
    int responseEventsMax,
    long progressIntervalNanos,
    int fragmentBytesMax) {

  public static final WatchConfig DEFAULTS = new WatchConfig(
      100_000, 10_000, 8L << 20, 1_000, 1_000, 600_000_000_000L, 3 << 19).validate();

  public WatchConfig validate() {
    Ensure.argument(watchersMax > 0, "watchersMax must be positive");
    Ensure.argument(bufferEventsMax > 0, "bufferEventsMax must be positive");
    Ensure.argument(bufferBytesMax > 0, "bufferBytesMax must be positive");
    Ensure.argument(catchUpEventsMax > 0, "catchUpEventsMax must be positive");
    Ensure.argument(responseEventsMax > 0, "responseEventsMax must be positive");
    Ensure.argument(progressIntervalNanos > 0, "progressIntervalNanos must be positive");
    Ensure.argument(fragmentBytesMax >= 1024, "fragmentBytesMax must be at least 1 KiB");
    // A watcher that catches up must be able to take a chunk without overflowing its buffer.
    Ensure.argument(catchUpEventsMax <= bufferEventsMax, "catchUpEventsMax must not exceed bufferEventsMax");
    return this;
  }

  public WatchConfig withProgressIntervalNanos(long nanos) {
    return new WatchConfig(watchersMax, bufferEventsMax, bufferBytesMax, catchUpEventsMax, responseEventsMax,
        nanos, fragmentBytesMax).validate();
  }

  public WatchConfig withBuffer(int eventsMax, long bytesMax) {
    return new WatchConfig(watchersMax, eventsMax, bytesMax, Math.min(catchUpEventsMax, eventsMax), responseEventsMax,
        progressIntervalNanos, fragmentBytesMax).validate();
  }
}
