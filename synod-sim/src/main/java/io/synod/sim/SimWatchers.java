package io.synod.sim;

import io.synod.common.Marks;
import io.synod.kv.Bytes;
import io.synod.kv.WatchEvent;
import io.synod.kv.watch.WatchHub;
import io.synod.kv.watch.WatchOutput;
import io.synod.kv.watch.WatchSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Watch clients on the replicas: each watches one key or every key of the workload on some replica's
 * {@link WatchHub} (the production hub, fed by that replica's store as it applies), takes what the hub
 * has at random moments (a client that is sometimes slow), and moves on after its replica crashes or,
 * now and then, of its own accord: it watches again on another replica that is up, from the revision
 * after the last one it has seen everything up to.
 *
 * <p>Check, at every output: the events of a response are exactly the changes of the watched range
 * with revisions after the last header revision and up to this one, as the history of revisions the
 * state machines made records them ({@link RevisionLog}): none missing, none twice, in order, with the
 * right values. A watcher cancelled because the revisions it needed were compacted away must have been
 * told so rightly (history was compacted past them); it then starts again after the compaction.
 *
 * <p>Its randomness is its own (derived from the seed), so adding watchers changes no other choice of
 * a run.
 */
final class SimWatchers {
  private static final long MS = SimOptions.MS;
  private static final long TICK_NANOS = 20 * MS;
  private static final int WATCHERS = 3;
  private static final byte[] ALL_KEYS = "k".getBytes(StandardCharsets.UTF_8);

  private final SplittableRandom random;
  private final Scheduler scheduler;
  private final SimNode[] nodes;
  private final RevisionLog revisions;
  private final Watcher[] watchers;
  private long resumes;
  private long eventsSeen;
  private long compactedRestarts;

  private static final class Watcher {
    final int index;
    final WatchSpec range;
    int node;
    int nodeLife = -1;
    long hubId;
    /** The watcher has seen every change of its range up to this revision (a new store is at 1). */
    long seenThrough = 1;

    Watcher(int index, WatchSpec range) {
      this.index = index;
      this.range = range;
    }

    @Override
    public String toString() {
      return "watcher " + index + " of " + Bytes.show(range.key()) + (range.rangeEnd().length > 0 ? "*" : "")
          + " on replica " + node;
    }
  }

  SimWatchers(SimOptions options, Scheduler scheduler, SimNode[] nodes, RevisionLog revisions) {
    this.random = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + 0x5741544348L);
    this.scheduler = scheduler;
    this.nodes = nodes;
    this.revisions = revisions;
    this.watchers = new Watcher[WATCHERS];
    for (int i = 0; i < WATCHERS; i++) {
      WatchSpec range = i == 0
          ? WatchSpec.prefix(ALL_KEYS, 0)
          : WatchSpec.key(("k" + random.nextInt(Math.max(1, options.keys()))).getBytes(StandardCharsets.UTF_8), 0);
      watchers[i] = new Watcher(i, random.nextBoolean() ? range.withPrevKv() : range);
    }
    scheduler.after(TICK_NANOS, new SimEvent.WatchTick());
  }

  /** Each watcher (re)connects if it must, and takes some of what its hub has. */
  void tick() {
    for (Watcher w : watchers) {
      step(w);
    }
    scheduler.after(TICK_NANOS / 2 + random.nextLong(TICK_NANOS), new SimEvent.WatchTick());
  }

  private void step(Watcher w) {
    SimNode node = w.node == 0 ? null : nodes[w.node - 1];
    boolean lost = node == null || !node.up || node.life != w.nodeLife;
    if (lost || random.nextInt(40) == 0) {
      if (!lost && node.pausedUntil <= scheduler.now()) {
        node.machine.watches().cancel(w.hubId);
      }
      connect(w);
      return;
    }
    if (node.pausedUntil > scheduler.now()) {
      return; // A paused process hands nothing out.
    }
    int takes = random.nextInt(4);
    // A compacted watcher moves (check connects it again), perhaps to another replica: stop then.
    for (int i = 0; i < takes && w.hubId != 0 && w.node == node.id && w.nodeLife == node.life; i++) {
      WatchOutput out = node.machine.watches().take(w.hubId);
      if (out != null) {
        check(w, out);
      }
    }
  }

  /** Watches again, on a replica that is up, from the revision after the last one seen through. */
  private void connect(Watcher w) {
    List<SimNode> up = new ArrayList<>();
    for (SimNode n : nodes) {
      if (n.up && n.machine != null && n.pausedUntil <= scheduler.now()) {
        up.add(n);
      }
    }
    w.hubId = 0;
    w.node = 0;
    if (up.isEmpty()) {
      return;
    }
    SimNode node = up.get(random.nextInt(up.size()));
    WatchSpec spec = new WatchSpec(w.range.key(), w.range.rangeEnd(), w.seenThrough + 1, w.range.prevKv(),
        false, false, false);
    long id = node.machine.watches().create(spec);
    if (id == 0) {
      throw new SimViolation("replica " + node.id + " refused a watch with only " + WATCHERS + " watchers");
    }
    if (w.nodeLife >= 0) {
      resumes++;
      Marks.hit("sim.watch-resumed");
    }
    w.node = node.id;
    w.nodeLife = node.life;
    w.hubId = id;
  }

  private void check(Watcher w, WatchOutput out) {
    if (out instanceof WatchOutput.Canceled c) {
      if (c.compactRevision() == 0) {
        throw new SimViolation(w + " was cancelled: " + c.reason());
      }
      if (c.compactRevision() < w.seenThrough + 1 || revisions.compactedTo() < w.seenThrough + 1) {
        throw new SimViolation(w + " was told revision " + (w.seenThrough + 1) + " is compacted (compact revision "
            + c.compactRevision() + "), but history was compacted only to " + revisions.compactedTo());
      }
      Marks.hit("sim.watch-compacted");
      compactedRestarts++;
      // The history it wanted is gone; a client would read the state afresh and watch after it.
      w.seenThrough = c.compactRevision();
      connect(w);
      return;
    }
    long header = out instanceof WatchOutput.Events e ? e.headerRevision() : ((WatchOutput.Progress) out).headerRevision();
    List<WatchEvent> events = out instanceof WatchOutput.Events e ? e.events() : List.of();
    List<String> expected = new ArrayList<>();
    for (long r = w.seenThrough + 1; r <= header; r++) {
      String key = revisions.keyAt(r);
      if (key == null && revisions.outsideModel(r)) {
        continue;
      }
      if (key == null) {
        throw new SimViolation(w + " reported revision " + r + ", which no replica made");
      }
      if (w.range.contains(key.getBytes(StandardCharsets.UTF_8))) {
        String value = revisions.valueWrittenAt(key, r);
        String prev = w.range.prevKv() ? revisions.valueAt(key, r - 1) : null;
        expected.add((value == null ? "DELETE " + key : "PUT " + key + "=" + shown(value)) + "@" + r
            + (prev == null ? "" : " prev=" + shown(prev)));
      }
    }
    List<String> actual = new ArrayList<>();
    for (WatchEvent e : events) {
      String key = new String(e.kv().key(), StandardCharsets.UTF_8);
      actual.add((e.type() == WatchEvent.Type.DELETE ? "DELETE " + key
          : "PUT " + key + "=" + shown(new String(e.kv().value(), StandardCharsets.UTF_8))) + "@" + e.revision()
          + (e.prevKv() == null ? "" : " prev=" + shown(new String(e.prevKv().value(), StandardCharsets.UTF_8))));
    }
    if (!actual.equals(expected)) {
      throw new SimViolation(w + " saw " + actual + " for revisions " + (w.seenThrough + 1) + ".." + header
          + ", but the history of those revisions in its range is " + expected);
    }
    eventsSeen += events.size();
    if (!events.isEmpty()) {
      Marks.hit("sim.watch-events-checked");
    }
    w.seenThrough = header;
  }

  /** After the liveness phase: each watcher on a live replica gets everything up to that replica's revision. */
  void finalChecks() {
    for (Watcher w : watchers) {
      SimNode node = w.node == 0 ? null : nodes[w.node - 1];
      if (node == null || !node.up || node.life != w.nodeLife) {
        continue;
      }
      WatchHub hub = node.machine.watches();
      for (int i = 0; i < 100_000 && hub.isReady(w.hubId); i++) {
        WatchOutput out = hub.take(w.hubId);
        if (out != null) {
          check(w, out);
        }
        if (w.node != node.id || w.nodeLife != node.life) {
          break;
        }
      }
      if (w.node != node.id || w.nodeLife != node.life) {
        continue;
      }
      if (!hub.caughtUp(w.hubId)) {
        throw new SimViolation(w + " is not caught up after the liveness phase (seen through " + w.seenThrough
            + ", replica at " + hub.revision() + ")");
      }
      // Caught up: the hub has given it every change of its range up to the replica's revision.
      for (long r = w.seenThrough + 1; r <= hub.revision(); r++) {
        String key = revisions.keyAt(r);
        if (key != null && w.range.contains(key.getBytes(StandardCharsets.UTF_8))) {
          throw new SimViolation(w + " never got revision " + r + " (" + key + "), though its replica is at "
              + hub.revision() + " and has nothing more for it");
        }
      }
    }
  }

  /** A value as a report shows it: long ones (several kilobytes of padding) cut short. */
  private static String shown(String value) {
    return value.length() <= 24 ? value : value.substring(0, 12) + "...(" + value.length() + " chars)";
  }

  String stats() {
    return "watchEvents=" + eventsSeen + " watchResumes=" + resumes + " watchCompacted=" + compactedRestarts;
  }
}
