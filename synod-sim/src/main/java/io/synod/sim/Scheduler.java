package io.synod.sim;

import java.util.PriorityQueue;

/**
 * The simulation's clock and its queue of future events. Events run in order of simulated time,
 * and events due at the same time in the order they were scheduled, so a run depends on nothing but
 * its seed. Every event handled is folded into {@link #traceHash()}.
 */
final class Scheduler {
  /** A run that handles more events than this has stopped making progress in simulated time. */
  static final long EVENTS_MAX = 20_000_000;

  private record Scheduled(long time, long seq, SimEvent event) implements Comparable<Scheduled> {
    @Override
    public int compareTo(Scheduled o) {
      int byTime = Long.compare(time, o.time);
      return byTime != 0 ? byTime : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
  private long now;
  private long nextSeq;
  private long events;
  private long traceHash = 17;

  /** Simulated time in nanoseconds since the run began. */
  long now() {
    return now;
  }

  /** Schedules {@code event} {@code delayNanos} from now. */
  void after(long delayNanos, SimEvent event) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("events cannot be scheduled in the past");
    }
    queue.add(new Scheduled(now + delayNanos, nextSeq++, event));
  }

  /**
   * Advances the clock to the next event and returns it. Throws a violation when the queue ran dry
   * (nothing would ever happen again) or the event budget is spent.
   */
  SimEvent next() {
    Scheduled next = queue.poll();
    if (next == null) {
      throw new SimViolation("event queue ran dry");
    }
    if (++events > EVENTS_MAX) {
      throw new SimViolation("event budget of " + EVENTS_MAX + " exhausted");
    }
    now = next.time();
    traceHash = traceHash * 1_000_003 + now * 31 + next.event().kind();
    return next.event();
  }

  long events() {
    return events;
  }

  /** A digest of every event handled so far and its time: equal for equal runs. */
  long traceHash() {
    return traceHash;
  }
}
