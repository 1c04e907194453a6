package io.synod.kv.watch;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.kv.HistoryChunk;
import io.synod.kv.MvccStore;
import io.synod.kv.WatchEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every watcher of one member, and what each gets next: etcd's watchable store, without threads.
 *
 * <p>A watcher is <em>synced</em> when it has been given (or buffered) every change of its range up
 * to the store's revision: the store's events reach it live, as each slot commits
 * ({@link MvccStore.EventListener#applied}). A watcher created at an earlier revision, or one whose
 * store jumped forward by a snapshot, is <em>unsynced</em>: {@link #take} reads its history back in
 * chunks of {@link WatchConfig#catchUpEventsMax()} events, only as fast as the host takes them, and
 * the watcher turns synced when a chunk reaches the store's revision. A synced watcher whose host
 * does not take its events fast enough buffers them up to {@link WatchConfig#bufferEventsMax()}
 * events and {@link WatchConfig#bufferBytesMax()} bytes, then is cancelled with a reason: applying
 * never waits for a watcher, and memory stays bounded.
 *
 * <p>Guarantee: a watcher's outputs hold each change of its range with a revision at or after its
 * start revision exactly once, in revision order, without gaps, until it is cancelled; the header
 * revision of each output says up to which revision it has seen everything. A watcher whose start
 * revision is compacted away gets a {@link WatchOutput.Canceled} with the compact revision instead.
 *
 * <p>Threading: owned by the thread that applies to the store (the node's loop); not thread-safe.
 * Time enters as an argument ({@link #tick}). The host asks {@link #ready()} which watchers have
 * something to hand out, and takes it with {@link #take} when the client can receive it.
 */
public final class WatchHub implements MvccStore.EventListener {
  private final MvccStore store;
  private final WatchConfig config;
  /** Watchers by id; ordered so iteration order never depends on hashing. */
  private final TreeMap<Long, Watcher> watchers = new TreeMap<>();
  /** Ids of watchers with something to hand out. */
  private final TreeSet<Long> ready = new TreeSet<>();
  private long nextId = 1;
  private long nowNanos;
  private final boolean skipResumeRevision;

  private static final class Watcher {
    final long id;
    final WatchSpec spec;
    /** The next revision this watcher has not been given or buffered. */
    long next;
    boolean synced;
    final ArrayDeque<WatchEvent> buffer = new ArrayDeque<>();
    long bufferBytes;
    /** Set once the watcher must be cancelled: the reason, or null for a compaction. */
    String cancelReason;
    boolean cancelPending;
    long lastSentNanos;
    boolean progressDue;

    Watcher(long id, WatchSpec spec, long next, boolean synced, long nowNanos) {
      this.id = id;
      this.spec = spec;
      this.next = next;
      this.synced = synced;
      this.lastSentNanos = nowNanos;
    }

    boolean wants(WatchEvent e) {
      if (e.type() == WatchEvent.Type.PUT ? spec.noPut() : spec.noDelete()) {
        return false;
      }
      return spec.contains(e.kv().key());
    }
  }

  /** A hub over {@code store}; it becomes the store's event listener. */
  public WatchHub(MvccStore store, WatchConfig config) {
    this(store, config, false);
  }

  /**
   * Test-only: with {@code skipResumeRevision} a watcher created at an earlier revision misses the
   * changes of its start revision (a planted bug the simulator must catch).
   */
  public static WatchHub withPlantedSkip(MvccStore store, WatchConfig config) {
    return new WatchHub(store, config, true);
  }

  private WatchHub(MvccStore store, WatchConfig config, boolean skipResumeRevision) {
    this.store = Ensure.notNull(store, "store");
    this.config = Ensure.notNull(config, "config").validate();
    this.skipResumeRevision = skipResumeRevision;
    store.setEventListener(this);
  }

  public WatchConfig config() {
    return config;
  }

  /** The store's revision: the header revision of created, cancelled and progress responses. */
  public long revision() {
    return store.revision();
  }

  /** How many watchers the hub holds. */
  public int size() {
    return watchers.size();
  }

  /**
   * Creates a watcher; returns its id (positive), or 0 if the hub already holds
   * {@link WatchConfig#watchersMax()} watchers. A start revision at or below the compact revision
   * creates a watcher whose first output is a {@link WatchOutput.Canceled} with the compact revision
   * (etcd answers so too: created, then cancelled).
   */
  public long create(WatchSpec spec) {
    Ensure.notNull(spec, "spec");
    if (watchers.size() >= config.watchersMax()) {
      Marks.hit("watch.refused-too-many");
      return 0;
    }
    long current = store.revision();
    long start = spec.startRevision();
    if (skipResumeRevision && start > 0 && start <= current) {
      start++;
    }
    long id = nextId++;
    Watcher w;
    if (start == 0 || start > current) {
      w = new Watcher(id, spec, start == 0 ? current + 1 : start, true, nowNanos);
    } else {
      w = new Watcher(id, spec, start, false, nowNanos);
      ready.add(id);
    }
    watchers.put(id, w);
    return id;
  }

  /** Removes watcher {@code id}; false if there is none (never created, cancelled, or ended). */
  public boolean cancel(long id) {
    ready.remove(id);
    return watchers.remove(id) != null;
  }

  /** Whether watcher {@code id} exists (created and neither cancelled nor ended). */
  public boolean contains(long id) {
    return watchers.containsKey(id);
  }

  /**
   * Whether watcher {@code id} has handed out every change of its range up to the store's revision
   * (synced, nothing buffered, nothing else pending): a progress answer may then name the store's
   * revision.
   */
  public boolean caughtUp(long id) {
    Watcher w = watchers.get(id);
    return w != null && w.synced && w.buffer.isEmpty() && !w.cancelPending;
  }

  /** The ids of watchers with something to hand out, in id order (a copy). */
  public List<Long> ready() {
    return new ArrayList<>(ready);
  }

  /** Whether any watcher has something to hand out. */
  public boolean anyReady() {
    return !ready.isEmpty();
  }

  /** Whether watcher {@code id} has something to hand out. */
  public boolean isReady(long id) {
    return ready.contains(id);
  }

  /**
   * Time passed: watchers that asked for progress notifications and were handed nothing for
   * {@link WatchConfig#progressIntervalNanos()} become ready with a progress notification.
   */
  public void tick(long nowNanos) {
    Ensure.argument(nowNanos >= this.nowNanos, "time does not go backwards");
    this.nowNanos = nowNanos;
    for (Watcher w : watchers.values()) {
      if (w.spec.progressNotify() && !w.progressDue && nowNanos - w.lastSentNanos >= config.progressIntervalNanos()) {
        w.progressDue = true;
        ready.add(w.id);
      }
    }
  }

  /**
   * The next output of watcher {@code id}, or null if it has none now. Live events come first from
   * the buffer; an unsynced watcher reads its next chunk of history (bounded) when its buffer is
   * empty. After a {@link WatchOutput.Canceled} the watcher is gone.
   */
  public WatchOutput take(long id) {
    Watcher w = watchers.get(id);
    if (w == null) {
      ready.remove(id);
      return null;
    }
    WatchOutput out = next(w);
    if (out instanceof WatchOutput.Canceled) {
      watchers.remove(id);
      ready.remove(id);
      return out;
    }
    if (out instanceof WatchOutput.Events) {
      w.lastSentNanos = nowNanos;
      w.progressDue = false;
    } else if (out instanceof WatchOutput.Progress) {
      w.lastSentNanos = nowNanos;
      w.progressDue = false;
    }
    if (w.buffer.isEmpty() && w.synced && !w.progressDue) {
      ready.remove(id);
    }
    return out;
  }

  private WatchOutput next(Watcher w) {
    if (w.cancelPending) {
      return new WatchOutput.Canceled(w.id, 0, w.cancelReason, store.revision());
    }
    if (!w.buffer.isEmpty()) {
      return fromBuffer(w);
    }
    if (!w.synced) {
      WatchOutput out = catchUp(w);
      if (out != null) {
        return out;
      }
    }
    if (w.progressDue && w.synced) {
      return new WatchOutput.Progress(w.id, store.revision());
    }
    return null;
  }

  private WatchOutput fromBuffer(Watcher w) {
    List<WatchEvent> events = new ArrayList<>();
    long bytes = 0;
    while (!w.buffer.isEmpty()) {
      WatchEvent e = w.buffer.peekFirst();
      boolean full = events.size() >= config.responseEventsMax() || bytes >= config.fragmentBytesMax();
      if (full && e.revision() != events.get(events.size() - 1).revision()) {
        break;
      }
      w.buffer.pollFirst();
      w.bufferBytes -= e.sizeBytes();
      bytes += e.sizeBytes();
      events.add(e);
    }
    Ensure.that(w.bufferBytes >= 0, "buffered bytes never go negative");
    long header = w.buffer.isEmpty() && w.synced ? store.revision() : events.get(events.size() - 1).revision();
    return new WatchOutput.Events(w.id, events, header);
  }

  /** Up to a few chunks of history for an unsynced watcher with an empty buffer. */
  private WatchOutput catchUp(Watcher w) {
    for (int chunks = 0; chunks < 8; chunks++) {
      if (w.next <= store.compactRevision()) {
        Marks.hit("watch.compacted");
        return new WatchOutput.Canceled(w.id, store.compactRevision(), null, store.revision());
      }
      HistoryChunk chunk = store.history(w.next, config.catchUpEventsMax(), config.fragmentBytesMax(), w.spec.prevKv());
      List<WatchEvent> events = new ArrayList<>();
      for (WatchEvent e : chunk.events()) {
        if (w.wants(e)) {
          events.add(e);
        }
      }
      Ensure.that(chunk.throughRevision() >= w.next - 1, "history moves forward");
      w.next = chunk.throughRevision() + 1;
      if (w.next > store.revision()) {
        w.synced = true;
        Marks.hit("watch.caught-up");
      }
      if (!events.isEmpty()) {
        return new WatchOutput.Events(w.id, events, chunk.throughRevision());
      }
      if (w.synced) {
        return null;
      }
    }
    return null;
  }

  @Override
  public void applied(List<WatchEvent> events) {
    long last = events.get(events.size() - 1).revision();
    // One copy without previous values for all watchers that did not ask for them: watchers share
    // the event objects, so memory grows with the events, not with the watchers.
    List<WatchEvent> withoutPrev = null;
    for (Watcher w : watchers.values()) {
      if (!w.synced || w.cancelPending) {
        continue;
      }
      if (!w.spec.prevKv() && withoutPrev == null) {
        withoutPrev = new ArrayList<>(events.size());
        for (WatchEvent e : events) {
          withoutPrev.add(e.withoutPrev());
        }
      }
      List<WatchEvent> source = w.spec.prevKv() ? events : withoutPrev;
      for (WatchEvent e : source) {
        if (e.revision() >= w.next && w.wants(e)) {
          w.buffer.addLast(e);
          w.bufferBytes += e.sizeBytes();
        }
      }
      w.next = Math.max(w.next, last + 1);
      if (w.buffer.size() > config.bufferEventsMax() || w.bufferBytes > config.bufferBytesMax()) {
        Marks.hit("watch.slow-watcher-cancelled");
        w.cancelReason = "watcher too slow: more than " + config.bufferEventsMax() + " events or "
            + config.bufferBytesMax() + " bytes were waiting to be sent";
        w.cancelPending = true;
        w.buffer.clear();
        w.bufferBytes = 0;
      }
      if (!w.buffer.isEmpty() || w.cancelPending) {
        ready.add(w.id);
      }
    }
  }

  @Override
  public void restored() {
    // The revision may have jumped without events: every watcher reads what it missed from history.
    for (Watcher w : watchers.values()) {
      if (w.synced && w.next <= store.revision()) {
        w.synced = false;
        ready.add(w.id);
        Marks.hit("watch.unsynced-by-restore");
      }
    }
  }

  /**
   * Splits {@code events} into responses of at most about {@code bytesMax} bytes each (at least one
   * event each), for a watcher that allows fragments; one list if they fit.
   */
  public static List<List<WatchEvent>> fragments(List<WatchEvent> events, int bytesMax) {
    List<List<WatchEvent>> out = new ArrayList<>();
    List<WatchEvent> current = new ArrayList<>();
    long bytes = 0;
    for (WatchEvent e : events) {
      if (!current.isEmpty() && bytes + e.sizeBytes() > bytesMax) {
        out.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(e);
      bytes += e.sizeBytes();
    }
    if (!current.isEmpty() || out.isEmpty()) {
      out.add(current);
    }
    return out;
  }
}
