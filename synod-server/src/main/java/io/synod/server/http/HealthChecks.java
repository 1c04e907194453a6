package io.synod.server.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * etcd's health endpoints with etcd 3.5's meaning. {@code /livez}: the member's loop answers (a
 * serializable read). {@code /readyz}: it serves, which takes no corruption alarm, a serializable
 * read, and a linearizable read (so a leader and a quorum). Each check also answers alone at
 * {@code /livez/NAME} and {@code /readyz/NAME}; {@code ?exclude=NAME} leaves one out and
 * {@code ?verbose} lists them. {@code /health} is etcd's older JSON check: no alarm, a leader, a
 * read.
 *
 * <p>Synod has no learners, so etcd's {@code non_learner} check does not exist here (excluding it
 * is allowed, as for any unknown check).
 */
final class HealthChecks {
  /** A read that takes longer than this fails its check. */
  static final long READ_TIMEOUT_MILLIS = 2_000;

  /** One named check: null when it passes, else why it failed. */
  interface Check {
    String run();
  }

  /** The outcome of running some checks. */
  record Outcome(boolean ok, String lines) {}

  private final Probes probes;
  private final Map<String, Check> livez = new LinkedHashMap<>();
  private final Map<String, Check> readyz = new LinkedHashMap<>();

  HealthChecks(Probes probes) {
    this.probes = probes;
    livez.put("serializable_read", () -> read(probes::serializableRead));
    readyz.put("data_corruption", () -> probes.activeAlarms().contains("CORRUPT") ? "alarm activated: CORRUPT" : null);
    readyz.put("serializable_read", () -> read(probes::serializableRead));
    readyz.put("linearizable_read", () -> read(probes::linearizableRead));
  }

  /** The checks of {@code /livez} or {@code /readyz} in the order they run; null for another kind. */
  Map<String, Check> checks(String kind) {
    return switch (kind) {
      case "livez" -> livez;
      case "readyz" -> readyz;
      default -> null;
    };
  }

  /** Runs {@code names} of {@code checks} in order, as etcd reports them: one line per check. */
  static Outcome run(Map<String, Check> checks, List<String> names) {
    StringBuilder lines = new StringBuilder();
    boolean ok = true;
    for (String name : names) {
      String failure;
      try {
        failure = checks.get(name).run();
      } catch (RuntimeException e) {
        failure = String.valueOf(e.getMessage());
      }
      if (failure == null) {
        lines.append("[+]").append(name).append(" ok\n");
      } else {
        ok = false;
        lines.append("[-]").append(name).append(" failed: ").append(failure).append('\n');
      }
    }
    return new Outcome(ok, lines.toString());
  }

  /** The names of {@code checks} not in {@code excluded}, in order. */
  static List<String> without(Map<String, Check> checks, Set<String> excluded) {
    List<String> names = new ArrayList<>();
    for (String name : checks.keySet()) {
      if (!excluded.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * etcd's {@code /health}: the first failing of no alarm (but those excluded), a leader (unless
   * serializable), a read (serializable if asked); {@code reason} is empty when healthy.
   */
  Outcome health(Set<String> excludedAlarms, boolean serializable) {
    for (String alarm : probes.activeAlarms()) {
      if (!excludedAlarms.contains(alarm)) {
        String reason = switch (alarm) {
          case "NOSPACE", "CORRUPT" -> "ALARM " + alarm;
          default -> "ALARM UNKNOWN";
        };
        return new Outcome(false, reason);
      }
    }
    if (!serializable && !probes.hasLeader()) {
      return new Outcome(false, "RAFT NO LEADER");
    }
    String failure = read(serializable ? probes::serializableRead : probes::linearizableRead);
    return failure == null ? new Outcome(true, "") : new Outcome(false, "RANGE ERROR:" + failure);
  }

  /** Null if the read succeeds within the timeout, else what went wrong. */
  private static String read(Supplier<CompletableFuture<Void>> read) {
    try {
      read.get().get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return null;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return String.valueOf(cause.getMessage());
    } catch (TimeoutException e) {
      return "etcdserver: request timed out";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
