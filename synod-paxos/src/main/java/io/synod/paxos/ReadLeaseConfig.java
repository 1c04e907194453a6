package io.synod.paxos;

import io.synod.common.Ensure;

/**
 * Read leases (docs/READ-LEASES.md): promises every replica grants every replica so that each can
 * answer linearizable reads from its own state. Durations are measured on each replica's monotonic
 * clock, whose rate may differ from real time by at most {@code rho}.
 *
 * @param enabled whether replicas exchange promises and hold writes back until they are visible
 * @param durationNanos D: a holder relies on a promise for D after it sent the request that earned it
 * @param renewNanos R: how often a holder asks every peer for a fresh promise
 * @param rho the bound on any clock's drift rate (1e-3: a millisecond per second)
 * @param marginNanos ε: added to every grantor's obligation (clock-read and scheduling granularity)
 * @param jitterNanos δ: the change in message delay tolerated when comparing two replicas' clocks
 */
public record ReadLeaseConfig(
    boolean enabled, long durationNanos, long renewNanos, double rho, long marginNanos, long jitterNanos) {
  private static final long MS = 1_000_000L;

  /** No read leases: every slot is visible once chosen, reads go through the log. */
  public static ReadLeaseConfig off() {
    return new ReadLeaseConfig(false, 2_000 * MS, 500 * MS, 1e-3, MS, 50 * MS);
  }

  /** Read leases on with the defaults: D = 2 s, R = 0.5 s, ρ = 1e-3, ε = 1 ms, δ = 50 ms. */
  public static ReadLeaseConfig defaults() {
    return new ReadLeaseConfig(true, 2_000 * MS, 500 * MS, 1e-3, MS, 50 * MS);
  }

  public ReadLeaseConfig withEnabled(boolean on) {
    return new ReadLeaseConfig(on, durationNanos, renewNanos, rho, marginNanos, jitterNanos);
  }

  public ReadLeaseConfig withTimes(long duration, long renew) {
    return new ReadLeaseConfig(enabled, duration, renew, rho, marginNanos, jitterNanos);
  }

  public ReadLeaseConfig withRho(double driftRate) {
    return new ReadLeaseConfig(enabled, durationNanos, renewNanos, driftRate, marginNanos, jitterNanos);
  }

  /**
   * How long, on its own clock, a grantor honours a promise from the moment it granted it:
   * D·(1+ρ)/(1−ρ) + ε, which in real time outlasts the holder's D on a clock running slow by ρ
   * counted from an earlier instant (docs/READ-LEASES.md, "Why no read returns stale data").
   */
  public long holdNanos() {
    return (long) Math.ceil(durationNanos * (1 + rho) / (1 - rho)) + marginNanos;
  }

  /** Throws IllegalArgumentException naming the first broken relation. */
  public ReadLeaseConfig validate(long heartbeatNanos) {
    Ensure.argument(renewNanos > 0, "read lease renewal interval must be positive");
    Ensure.argument(durationNanos > 2 * renewNanos,
        "read lease duration must exceed two renewal intervals, or promises lapse between renewals");
    Ensure.argument(durationNanos >= 10 * heartbeatNanos,
        "read lease duration must be at least 10 heartbeat intervals");
    Ensure.argument(rho >= 0 && rho < 0.1, "the clock drift bound rho must be in [0, 0.1)");
    Ensure.argument(marginNanos >= 0, "the read lease margin must not be negative");
    Ensure.argument(jitterNanos >= 0, "the delay jitter bound must not be negative");
    return this;
  }
}
