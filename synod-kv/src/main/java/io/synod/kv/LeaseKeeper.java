package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where time meets the lease table: every replica runs one beside its {@link MvccStore}, and it is
 * pure (no clock reads: the host hands it {@code now} from its monotonic clock). It keeps, per lease,
 * an estimate of when the lease runs out, set when a grant, keep-alive or checkpoint is applied (at
 * the first {@link #tick} after the apply, which can only make it later). On the leader it proposes
 * {@code EXPIRE} once a lease's time is up and a {@code CHECKPOINT} of the remaining TTL every
 * checkpoint interval, both carrying the lease's renewal counter, so the store ignores them if a
 * keep-alive was applied in between.
 *
 * <p>Never early (docs/LEASES.md): a replica that becomes leader restarts every lease at now plus
 * its last checkpointed remaining TTL, or the full TTL if no checkpoint was applied since the last
 * grant or keep-alive. A checkpoint's remaining TTL was measured by an earlier leader before it was
 * logged, so counting it again from a later "now" ends no earlier than that leader's own estimate,
 * which in turn ended no earlier than the TTL after the renewal it dated from.
 *
 * <p>Proposals are bounded per tick ({@link Config#proposalsPerTickMax}) and an expiry not yet
 * applied is proposed again only after {@link Config#retryNanos}. One thread (the node's) uses it.
 */
public final class LeaseKeeper {
  /**
   * @param checkpointIntervalNanos how often the leader logs each lease's remaining TTL (etcd: 5 min)
   * @param retryNanos an expiry proposed and not yet applied is proposed again after this long
   * @param proposalsPerTickMax commands one tick may propose at most
   */
  public record Config(long checkpointIntervalNanos, long retryNanos, int proposalsPerTickMax) {
    /** etcd's checkpoint interval (5 minutes); retry after 1 s; 1,000 proposals per tick. */
    public static final Config DEFAULTS = new Config(300_000_000_000L, 1_000_000_000L, 1_000);

    public Config {
      Ensure.argument(checkpointIntervalNanos > 0, "checkpointIntervalNanos must be positive");
      Ensure.argument(retryNanos > 0, "retryNanos must be positive");
      Ensure.argument(proposalsPerTickMax >= 1, "proposalsPerTickMax must be at least 1");
    }
  }

  /**
   * Planted bugs for the simulator's tests only (see {@code PlantedBugTest}); production passes none.
   */
  public enum Fault {
    /**
     * A new leader restarts every lease at now plus its last checkpointed remaining TTL even when a
     * keep-alive was applied after that checkpoint (the floor to the full TTL is lost).
     */
    STALE_CHECKPOINT_FLOOR
  }

  private static final class Tracked {
    final long id;
    long ttlNanos;
    /** Remaining TTL of the last checkpoint since the last renewal; -1: none. */
    long checkpointNanos = -1;
    /** The last checkpoint applied, even one from before the last renewal (for the planted bug). */
    long lastCheckpointNanos = -1;
    long renewal;
    long expiresAtNanos;
    long checkpointAtNanos;
    long retryAtNanos;
    Due due;

    Tracked(long id) {
      this.id = id;
    }
  }

  private record Due(long atNanos, long id) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(atNanos, o.atNanos);
      return c != 0 ? c : Long.compare(id, o.id);
    }
  }

  private final Leases leases;
  private final Config config;
  private final boolean staleFloor;
  private final TreeMap<Long, Tracked> tracked = new TreeMap<>();
  private final TreeSet<Due> queue = new TreeSet<>();
  private boolean wasLeader;
  private long now = Long.MIN_VALUE;

  public LeaseKeeper(MvccStore store, Config config) {
    this(store, config, java.util.Set.of());
  }

  /** Test-only: a keeper with planted bugs. */
  public LeaseKeeper(MvccStore store, Config config, java.util.Set<Fault> faults) {
    this.leases = Ensure.notNull(store, "store").leases();
    this.config = Ensure.notNull(config, "config");
    this.staleFloor = faults.contains(Fault.STALE_CHECKPOINT_FLOOR);
    leases.track();
  }

  /**
   * Time is {@code nowNanos} (monotonic, never going back); {@code leader} says whether this replica
   * leads now. Returns the encoded {@link KvCommand}s to propose (none unless {@code leader}).
   */
  public List<byte[]> tick(long nowNanos, boolean leader) {
    Ensure.argument(nowNanos >= now, "the clock must not go backwards");
    now = nowNanos;
    takeChanges();
    if (leader && !wasLeader) {
      Marks.hit("kv.lease-keeper-promoted");
      for (Tracked t : tracked.values()) {
        long floor = staleFloor && t.lastCheckpointNanos >= 0 ? t.lastCheckpointNanos
            : t.checkpointNanos >= 0 ? t.checkpointNanos : t.ttlNanos;
        t.expiresAtNanos = after(now, floor);
        t.checkpointAtNanos = after(now, config.checkpointIntervalNanos());
        t.retryAtNanos = 0;
        schedule(t);
      }
    }
    wasLeader = leader;
    if (!leader) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>();
    while (!queue.isEmpty() && queue.first().atNanos() <= now && out.size() < config.proposalsPerTickMax()) {
      Tracked t = tracked.get(queue.first().id());
      Ensure.that(t != null, "a queued lease is tracked");
      if (t.expiresAtNanos <= now) {
        Marks.hit("kv.lease-expiry-proposed");
        out.add(encode(LeaseRequest.expire(t.id, t.renewal)));
        t.retryAtNanos = after(now, config.retryNanos());
      } else {
        long remainingMillis = (t.expiresAtNanos - now + 999_999) / 1_000_000;
        Marks.hit("kv.lease-checkpoint-proposed");
        out.add(encode(LeaseRequest.checkpoint(t.id, remainingMillis, t.renewal)));
        t.checkpointAtNanos = after(now, config.checkpointIntervalNanos());
      }
      schedule(t);
    }
    return out;
  }

  /**
   * This replica's estimate of how long lease {@code id} has left as of the last tick (0 when it
   * has run out and its expiry is not applied yet), or -1 if the lease is unknown here. On a
   * follower the estimate counts from when it applied the last renewal or checkpoint.
   */
  public long remainingNanos(long id) {
    Tracked t = tracked.get(id);
    if (t == null) {
      return -1;
    }
    return Math.max(0, t.expiresAtNanos - now);
  }

  /** Leases this keeper tracks. */
  public int size() {
    return tracked.size();
  }

  /** {@code now + nanos}, saturating: a TTL of centuries must not wrap around. */
  private static long after(long now, long nanos) {
    return nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
  }

  private static byte[] encode(LeaseRequest request) {
    return KvCodec.encodeCommand(KvCommand.of(request));
  }

  private void takeChanges() {
    if (leases.takeReloadAll()) {
      tracked.clear();
      queue.clear();
      for (Leases.Lease lease : leases.all()) {
        Tracked t = new Tracked(lease.id);
        t.ttlNanos = lease.ttlSeconds * 1_000_000_000L;
        t.checkpointNanos = lease.checkpointMillis < 0 ? -1 : lease.checkpointMillis * 1_000_000L;
        t.lastCheckpointNanos = t.checkpointNanos;
        t.renewal = lease.renewal;
        t.expiresAtNanos = after(now, t.checkpointNanos >= 0 ? t.checkpointNanos : t.ttlNanos);
        t.checkpointAtNanos = after(now, config.checkpointIntervalNanos());
        tracked.put(t.id, t);
        schedule(t);
      }
      return;
    }
    for (Leases.Change change : leases.takeChanges()) {
      Tracked t = tracked.get(change.id());
      switch (change.kind()) {
        case REMOVED -> {
          if (t != null) {
            queue.remove(t.due);
            tracked.remove(t.id);
          }
        }
        case RENEWED -> {
          if (t == null) {
            t = new Tracked(change.id());
            tracked.put(t.id, t);
          }
          t.ttlNanos = change.millis() * 1_000_000L;
          t.checkpointNanos = -1;
          t.renewal = change.renewal();
          t.expiresAtNanos = after(now, t.ttlNanos);
          t.checkpointAtNanos = after(now, config.checkpointIntervalNanos());
          t.retryAtNanos = 0;
          schedule(t);
        }
        case CHECKPOINTED -> {
          Ensure.that(t != null, "a checkpointed lease is tracked");
          t.checkpointNanos = change.millis() * 1_000_000L;
          t.lastCheckpointNanos = t.checkpointNanos;
          t.renewal = change.renewal();
          t.expiresAtNanos = after(now, t.checkpointNanos);
          t.retryAtNanos = 0;
          schedule(t);
        }
        default -> throw new Ensure.InvariantViolation("unknown lease change " + change.kind());
      }
    }
  }

  /** Queues {@code t} for its next event: its expiry (or the retry of one), or its checkpoint. */
  private void schedule(Tracked t) {
    if (t.due != null) {
      queue.remove(t.due);
    }
    long at = t.expiresAtNanos <= now
        ? Math.max(t.expiresAtNanos, t.retryAtNanos)
        : Math.min(t.expiresAtNanos, t.checkpointAtNanos);
    t.due = new Due(at, t.id);
    queue.add(t.due);
  }
}
