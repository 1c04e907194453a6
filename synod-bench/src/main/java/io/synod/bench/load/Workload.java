package io.synod.bench.load;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** What each closed-loop client does, one operation at a time. */
enum Workload {
  /** Puts of random keys (the value size is set by the run). */
  PUT("put", 100),
  /** Linearizable gets of random keys (etcd's default; ZooKeeper: {@code sync} then {@code getData}). */
  GET_LINEARIZABLE("get-linearizable", 0),
  /** Serializable gets: answered by the member the client talks to (ZooKeeper: plain {@code getData}). */
  GET_SERIALIZABLE("get-serializable", 0),
  /** 90% linearizable gets, 10% puts. */
  MIX("mix-90-10", 10),
  /**
   * Keep-alives of random leases among {@code --leases} granted before the run, over one KeepAlive
   * stream per connection (how etcd's clients renew leases). Not among the default workloads.
   */
  LEASE_KEEP_ALIVE("lease-keep-alive", 0);

  private final String label;
  private final int writePercent;

  Workload(String label, int writePercent) {
    this.label = label;
    this.writePercent = writePercent;
  }

  String label() {
    return label;
  }

  /** Whether the next operation is a put. */
  boolean nextIsWrite(SplittableRandom random) {
    return writePercent == 100 || (writePercent > 0 && random.nextInt(100) < writePercent);
  }

  /** Whether this workload's gets are linearizable. */
  boolean linearizableReads() {
    return this != GET_SERIALIZABLE;
  }

  /** The workloads a run measures when none are named: every one but the lease keep-alives. */
  static List<Workload> defaults() {
    return List.of(PUT, GET_LINEARIZABLE, GET_SERIALIZABLE, MIX);
  }

  static Workload parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    for (Workload w : values()) {
      if (w.label.equals(t) || w.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(t)) {
        return w;
      }
    }
    if (t.equals("mix")) {
      return MIX;
    }
    throw new IllegalArgumentException(
        "unknown workload '" + text + "' (put, get-linearizable, get-serializable, mix, lease-keep-alive)");
  }
}
