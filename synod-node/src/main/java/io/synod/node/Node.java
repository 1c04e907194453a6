package io.synod.node;

import io.synod.common.Ensure;
import io.synod.node.core.NodeCore;
import io.synod.node.core.NodeMessage;
import io.synod.node.core.NodeReady;
import io.synod.node.core.StateMachine;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.Replica;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime of one replica: it feeds a {@link NodeCore} (which holds all of the node's logic) and
 * carries out its effects. One loop thread owns the core and the state machine; transport threads
 * and clients only enqueue events; a {@link StorageWorker} thread writes and fsyncs in groups and
 * reports back. The loop reads the monotonic clock and passes it in; nothing in the core does.
 *
 * @param <R> the state machine's typed result
 */
public final class Node<R> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /**
   * @param id this node's replica id
   * @param paxos the group's Paxos configuration
   * @param wal storage limits
   * @param dataDir where this node's storage lives
   * @param tickNanos how often the core's clock advances
   * @param requestTimeoutNanos a client request with no outcome after this long fails with Timeout
   * @param resendIntervalNanos a forwarded request not applied after this long is sent again
   * @param snapshotEverySlots snapshot the state machine after this many applied slots (0: never), and
   *     once at least as many command bytes were applied as the last snapshot held
   * @param eventQueueMax events (messages, requests) waiting for the loop; beyond it requests get Busy
   * @param pendingRequestsMax client requests in flight at this node
   * @param wipeOnCorruption wipe corrupt storage and rebuild from peers instead of refusing to start
   */
  public record Config(
      int id, PaxosConfig paxos, WalConfig wal, Path dataDir, long tickNanos, long requestTimeoutNanos,
      long resendIntervalNanos, int snapshotEverySlots, int eventQueueMax, int pendingRequestsMax,
      boolean wipeOnCorruption) {
    public Config validate() {
      core().validate();
      wal.validate();
      Ensure.argument(tickNanos > 0, "tickNanos must be positive");
      Ensure.argument(requestTimeoutNanos > tickNanos, "requestTimeoutNanos must exceed a tick");
      Ensure.argument(eventQueueMax >= 16, "eventQueueMax must be at least 16");
      return this;
    }

    /** The core's part of this configuration. */
    public NodeCore.Config core() {
      return new NodeCore.Config(id, paxos, requestTimeoutNanos, resendIntervalNanos, snapshotEverySlots,
          pendingRequestsMax);
    }

    public static Config defaults(int id, PaxosConfig paxos, Path dataDir) {
      return new Config(id, paxos, WalConfig.defaults(), dataDir, 10_000_000L, 5_000_000_000L, 1_000_000_000L,
          10_000, 65_536, 32_768, false);
    }
  }

  private sealed interface Event {}

  private record Received(NodeMessage message) implements Event {}

  private record Submit<R>(byte[] command, CompletableFuture<R> reply) implements Event {}

  private record Read<R>(byte[] command, CompletableFuture<R> reply) implements Event {}

  private record Query<R>(Consumer<StateMachine<R>> action) implements Event {}

  /** Wakes the loop to look at what the storage thread published. */
  private record Wake() implements Event {}

  private record Stop() implements Event {}

  private record Transfer(int target, CompletableFuture<Replica.TransferResult> reply) implements Event {}

  private static final Wake WAKE = new Wake();

  /**
   * What the runtime tells an observer (metrics, a status page). Calls come on the node's threads
   * and must return quickly without blocking or throwing; nothing is allocated to make them.
   */
  public interface Observer {
    /** Observes nothing. */
    Observer NONE = new Observer() {
      @Override
      public void walSynced(long nanos) {}

      @Override
      public void statusChanged(NodeCore.Status status) {}
    };

    /**
     * The log was fsynced, taking {@code nanos}: on the storage thread, or on the loop's for a
     * persist written inline.
     */
    void walSynced(long nanos);

    /** The status {@link #status()} returns changed to {@code status}; on the loop thread. */
    void statusChanged(NodeCore.Status status);
  }

  private final Config config;
  private final StateMachine<R> machine;
  private final Transport transport;
  /** The core's time: the system's monotonic clock, or a test-only rated one. */
  private final LongSupplier clock;
  private final NodeCore<R> core;
  private final StorageWorker storage;
  private final BlockingQueue<Event> events;
  /** Futures of requests handed to the core, by request id (loop thread only). */
  private final HashMap<Long, CompletableFuture<R>> futures = new HashMap<>();
  /** Commands of reads handed to the core, by request id, to hand back a local answer that came too late. */
  private final HashMap<Long, byte[]> readCommands = new HashMap<>();
  private final AtomicLong durableSeq = new AtomicLong();
  /** Reads answered from this node's state under a read lease; written by the loop thread alone. */
  private volatile long readsAnsweredLocally;
  /** Reads answered through the log (read leases off, or no lease at the time); loop thread alone. */
  private volatile long readsAnsweredThroughLog;
  private final ConcurrentLinkedQueue<Long> storedSnapshots = new ConcurrentLinkedQueue<>();
  private volatile IOException storageFailure;
  private long persistedSeen;
  private long nextRequestId;
  private final Thread loop;
  private volatile NodeCore.Status status;
  /** The core's read counters, published by the loop after every round (for metrics). */
  private volatile long expiredReads;
  private volatile long waitedReads;
  private final Object statusMonitor = new Object();
  /** Peers this member last logged as having a clock outside the drift bound (loop thread only). */
  private final java.util.Set<Integer> clockFaultsLogged = new java.util.TreeSet<>();
  private volatile boolean running = true;
  private final Observer observer;
  /** Client requests handed to the core and not answered yet (written by the loop only, as they change). */
  private volatile int pendingRequests;
  /** Requests answered Busy or Timeout by the core (written by the loop only). */
  private volatile long failedRequests;
  /** Submissions refused at once because the event queue was full (any thread). */
  private final AtomicLong refusedSubmissions = new AtomicLong();

  private Node(Config config, StateMachine<R> machine, Transport transport, ReplicaStorage.Opened opened,
      long incarnation, LongSupplier clock, Observer observer) {
    this.config = config;
    this.observer = observer;
    this.machine = machine;
    this.transport = transport;
    this.clock = clock;
    this.events = new ArrayBlockingQueue<>(config.eventQueueMax());
    this.core = new NodeCore<>(config.core(), machine, opened.state(), incarnation,
        new SplittableRandom(System.nanoTime() ^ config.id()), clock.getAsLong());
    // The storage thread never blocks on the loop (the loop may be blocked handing it work): it
    // publishes its progress in these fields and wakes the loop if the queue has room.
    this.storage = new StorageWorker(opened.storage(), 4_096, observer::walSynced, new StorageWorker.Listener() {
      @Override
      public void persisted(long seq) {
        durableSeq.accumulateAndGet(seq, Math::max);
        events.offer(WAKE);
      }

      @Override
      public void snapshotStored(SnapshotHandle handle) {
        storedSnapshots.add(handle.slot());
        events.offer(WAKE);
      }

      @Override
      public void failed(IOException error) {
        storageFailure = error;
        events.offer(WAKE);
      }
    }, "synod-storage-" + config.id());
    this.status = core.status();
    this.loop = new Thread(this::run, "synod-node-" + config.id());
  }

  /**
   * Opens the node's storage, restores the state machine and starts the loop.
   *
   * @throws StorageCorruptException if the storage is corrupt and {@code wipeOnCorruption} is off
   */
  public static <R> Node<R> start(Config config, StateMachine<R> machine, Transport transport, FileSystem fs)
      throws IOException {
    return start(config, machine, transport, fs, Observer.NONE);
  }

  /**
   * As {@link #start(Config, StateMachine, Transport, FileSystem)}, reporting to {@code observer}.
   *
   * @throws StorageCorruptException if the storage is corrupt and {@code wipeOnCorruption} is off
   */
  public static <R> Node<R> start(Config config, StateMachine<R> machine, Transport transport, FileSystem fs,
      Observer observer) throws IOException {
    return start(config, machine, transport, fs, observer, System::nanoTime);
  }

  /**
   * As above, with the core reading time from {@code clock} (monotonic nanoseconds), e.g. a clock
   * running at a test-only rate ({@link #ratedClock}) to check read leases against drifting clocks.
   */
  public static <R> Node<R> start(Config config, StateMachine<R> machine, Transport transport, FileSystem fs,
      Observer observer, LongSupplier clock) throws IOException {
    config.validate();
    Ensure.notNull(observer, "observer");
    ReplicaStorage.Opened opened;
    try {
      opened = ReplicaStorage.open(fs, config.dataDir(), config.paxos().groupId(), config.paxos().configuration(), config.wal());
    } catch (StorageCorruptException e) {
      if (!config.wipeOnCorruption()) {
        throw e;
      }
      LOG.warn("node {}: {}; wiping and rebuilding from peers", config.id(), e.getMessage());
      opened = ReplicaStorage.wipe(fs, config.dataDir(), config.paxos().groupId(), config.paxos().configuration(), config.wal());
    }
    // A wipe loses the stored incarnation; the wall clock in microseconds keeps the next one above
    // every earlier one unless the clock went back by more than the time since that start.
    long incarnation = opened.storage().startIncarnation(TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()));
    Node<R> node = new Node<>(config, machine, transport, opened, incarnation, clock, observer);
    node.loop.start();
    return node;
  }

  /**
   * A monotonic clock running at {@code rate} times the system's (1.0005: half a millisecond fast per
   * second), for tests of read leases under clock drift; production nodes use the system clock.
   */
  public static LongSupplier ratedClock(double rate) {
    Ensure.argument(rate > 0.5 && rate < 2, "a clock rate must be within (0.5, 2)");
    long base = System.nanoTime();
    return () -> base + (long) ((System.nanoTime() - base) * rate);
  }

  /** Submits a client command; the future completes with the state machine's result once applied here. */
  public CompletableFuture<R> submit(byte[] command) {
    CompletableFuture<R> reply = new CompletableFuture<>();
    if (!running) {
      reply.completeExceptionally(new NodeException.Stopped("node " + config.id() + " is stopped"));
    } else if (!events.offer(new Submit<>(command, reply))) {
      refusedSubmissions.incrementAndGet();
      reply.completeExceptionally(new NodeException.Busy("node " + config.id() + " event queue is full"));
    }
    return reply;
  }

  /**
   * Submits a read-only command (it must change nothing); the future completes with its result. With
   * read leases on it is answered from this node's state where the lease allows (linearizable, see
   * docs/READ-LEASES.md), otherwise through the log like {@link #submit}.
   */
  public CompletableFuture<R> read(byte[] command) {
    CompletableFuture<R> reply = new CompletableFuture<>();
    if (!running) {
      reply.completeExceptionally(new NodeException.Stopped("node " + config.id() + " is stopped"));
    } else if (!events.offer(new Read<>(command, reply))) {
      reply.completeExceptionally(new NodeException.Busy("node " + config.id() + " event queue is full"));
    }
    return reply;
  }

  /**
   * Runs {@code read} on the loop thread against the local state machine, as of everything applied
   * here so far: a serializable read, served without the network. The function must not modify the
   * state machine.
   */
  public <T> CompletableFuture<T> query(Function<StateMachine<R>, T> read) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Query<R> query = new Query<>(m -> {
      try {
        result.complete(read.apply(m));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    if (!running) {
      result.completeExceptionally(new NodeException.Stopped("node " + config.id() + " is stopped"));
    } else if (!events.offer(query)) {
      result.completeExceptionally(new NodeException.Busy("node " + config.id() + " event queue is full"));
    }
    return result;
  }

  /**
   * Asks this node, if it leads, to hand leadership to {@code target}; the future completes on the
   * loop with the core's answer ({@code STARTED} means the transfer began, not that it is done:
   * {@link #awaitStatus} tells when the target leads).
   */
  public CompletableFuture<Replica.TransferResult> transferLeadership(int target) {
    CompletableFuture<Replica.TransferResult> result = new CompletableFuture<>();
    if (!running) {
      result.completeExceptionally(new NodeException.Stopped("node " + config.id() + " is stopped"));
    } else if (!events.offer(new Transfer(target, result))) {
      result.completeExceptionally(new NodeException.Busy("node " + config.id() + " event queue is full"));
    }
    return result;
  }

  /** Delivers a message from a peer; drops it if the loop is overloaded (peers retransmit). */
  public void receive(NodeMessage message) {
    if (running) {
      events.offer(new Received(message));
    }
  }

  /** Local answers that came too late for their lease and were read again. */
  public long localReadsExpired() {
    return expiredReads;
  }

  /** Reads that waited for accepted writes to be applied before a local answer. */
  public long readsWaited() {
    return waitedReads;
  }

  /**
   * How many reads submitted with {@link #read} were answered so far, from this node's own state
   * under a read lease and through the log. Counted since the node started; safe from any thread.
   */
  public ReadCounts readCounts() {
    return new ReadCounts(readsAnsweredLocally, readsAnsweredThroughLog);
  }

  /** Reads answered successfully: {@code local} from the node's state under a read lease, {@code throughLog} as log entries. */
  public record ReadCounts(long local, long throughLog) {}

  public NodeCore.Status status() {
    return status;
  }

  /**
   * Client requests submitted here that wait for their outcome; a request whose future completed is
   * no longer counted.
   */
  public int pendingRequests() {
    return pendingRequests;
  }

  /**
   * Client requests submitted here that failed without an outcome: refused as Busy, or timed out
   * with their outcome unknown (etcd's failed proposals).
   */
  public long failedRequests() {
    return failedRequests + refusedSubmissions.get();
  }

  /**
   * Blocks until the node's status satisfies {@code condition} or {@code timeoutNanos} pass; returns
   * whether it did. Woken by the loop whenever the status changes: no polling.
   */
  public boolean awaitStatus(Predicate<NodeCore.Status> condition, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (statusMonitor) {
      while (!condition.test(status)) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !running) {
          return condition.test(status);
        }
        TimeUnit.NANOSECONDS.timedWait(statusMonitor, left);
      }
      return true;
    }
  }

  /** Before any reply of this round completes, so a client that got its answer sees it counted. */
  private void publishReadCounts() {
    if (core.localReadsExpired() != expiredReads || core.readsWaited() != waitedReads) {
      expiredReads = core.localReadsExpired();
      waitedReads = core.readsWaited();
    }
  }

  private void publishStatus() {
    logClockFaults();
    NodeCore.Status next = core.status();
    if (!next.equals(status)) {
      if (next.leaderId() != status.leaderId()) {
        logLeaderChange(status.leaderId(), next);
      }
      synchronized (statusMonitor) {
        status = next;
        statusMonitor.notifyAll();
      }
      observer.statusChanged(next);
    }
  }

  /**
   * One INFO line per change of the leader this member knows of, so that every member's log shows
   * who led when (the core only reports its status; the transitions are found here).
   */
  private void logLeaderChange(int previousLeaderId, NodeCore.Status next) {
    if (next.leaderId() == 0) {
      LOG.info("member {}: no leader known any more (member {} was; ballot {})", config.id(), previousLeaderId,
          next.ballotRound());
    } else if (next.leaderId() == config.id()) {
      LOG.info("member {}: leader is now member {}, this member (ballot {})", config.id(), next.leaderId(),
          next.ballotRound());
    } else {
      LOG.info("member {}: leader is now member {} (ballot {})", config.id(), next.leaderId(), next.ballotRound());
    }
  }

  /**
   * One WARN line when this member finds a peer's clock outside the read-lease drift bound (it then
   * grants that peer no promises, so the peer's reads go through the log), one INFO line when the
   * peer's clock agrees again.
   */
  private void logClockFaults() {
    if (!core.replica().readLeasesEnabled()) {
      return;
    }
    for (int member : config.paxos().configuration().members()) {
      if (member == config.id()) {
        continue;
      }
      boolean fault = core.replica().readLeaseClockFault(member);
      if (fault != clockFaultsLogged.contains(member)) {
        if (fault) {
          clockFaultsLogged.add(member);
          LOG.warn("member {}: member {}'s clock runs outside the drift bound against this member's; it gets no "
              + "read-lease promises from here (its reads go through the log) until its clock agrees again",
              config.id(), member);
        } else {
          clockFaultsLogged.remove(member);
          LOG.info("member {}: member {}'s clock agrees with this member's again; it gets read-lease promises",
              config.id(), member);
        }
      }
    }
  }

  public int id() {
    return config.id();
  }

  // ---------------------------------------------------------------- the loop

  private void run() {
    long nextTick = System.nanoTime();
    List<Event> batch = new ArrayList<>();
    try {
      while (running) {
        long wait = Math.max(0, nextTick - System.nanoTime());
        Event first = events.poll(wait, TimeUnit.NANOSECONDS);
        batch.clear();
        if (first != null) {
          batch.add(first);
          events.drainTo(batch, 4_096);
          // Every event of the batch arrived by now; the last tick may be long ago if the loop was
          // busy (a long batch, a pause). A read-lease promise granted in this batch must count from
          // a time after its request arrived, and the holder's clock reading is compared with it.
          core.advance(clock.getAsLong());
        }
        for (Event event : batch) {
          handle(event);
        }
        takeStorageProgress();
        long now = System.nanoTime();
        if (now >= nextTick) {
          core.tick(clock.getAsLong());
          nextTick = now + config.tickNanos();
        }
        carryOutReady();
        publishStatus();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("node {} loop failed", config.id(), e);
    } finally {
      running = false;
      failAll(new NodeException.Stopped("node " + config.id() + " stopped"));
      synchronized (statusMonitor) {
        statusMonitor.notifyAll();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void handle(Event event) {
    if (event instanceof Received r) {
      core.receive(r.message());
    } else if (event instanceof Submit<?> s) {
      long requestId = ++nextRequestId;
      futures.put(requestId, (CompletableFuture<R>) s.reply());
      pendingRequests = futures.size();
      core.request(requestId, s.command());
    } else if (event instanceof Read<?> r) {
      long requestId = ++nextRequestId;
      futures.put(requestId, (CompletableFuture<R>) r.reply());
      readCommands.put(requestId, r.command());
      core.read(requestId, r.command());
    } else if (event instanceof Query<?> q) {
      ((Query<R>) q).action().accept(machine);
    } else if (event instanceof Transfer t) {
      t.reply().complete(core.transferLeadership(t.target()));
    } else if (event instanceof Stop) {
      running = false;
    }
  }

  /** Hands the core what the storage thread made durable since the last look. */
  private void takeStorageProgress() {
    if (storageFailure != null) {
      LOG.error("node {} stops: storage failed", config.id(), storageFailure);
      running = false;
      return;
    }
    long durable = durableSeq.get();
    if (durable > persistedSeen) {
      persistedSeen = durable;
      core.persisted(durable);
    }
    Long slot;
    while ((slot = storedSnapshots.poll()) != null) {
      core.snapshotStored(slot);
    }
  }

  private void carryOutReady() throws InterruptedException {
    for (int round = 0; round < 100 && running; round++) {
      NodeReady<R> ready = core.ready();
      if (ready.isEmpty()) {
        return;
      }
      publishReadCounts();
      for (NodeMessage message : ready.messages()) {
        transport.send(message);
      }
      for (NodeReady.StorageJob job : ready.storage()) {
        if (job instanceof NodeReady.Persist p) {
          if (!persistInline(p.request())) {
            storage.submit(new StorageWorker.Persist(p.request()));
          }
        } else {
          NodeReady.StoreSnapshot s = (NodeReady.StoreSnapshot) job;
          storage.submit(new StorageWorker.Snapshot(s.handle(), s.data(), s.taken()));
        }
      }
      for (NodeReady.Reply<R> reply : ready.replies()) {
        complete(reply);
      }
    }
  }

  private void complete(NodeReady.Reply<R> reply) {
    if (reply.leased() && clock.getAsLong() >= reply.validUntilNanos()) {
      // The clock, read now that the state was read, says the lease ran out meanwhile: read again.
      core.readExpired(reply, readCommands.get(reply.requestId()));
      return;
    }
    boolean read = readCommands.remove(reply.requestId()) != null;
    CompletableFuture<R> future = futures.remove(reply.requestId());
    Ensure.that(future != null, "a reply for request " + reply.requestId() + " that nobody waits for");
    // Before the client hears, so that it never sees its own request still counted.
    pendingRequests = futures.size();
    if (read && reply.isOk()) {
      // Single writer (this thread): the volatile increments need no atomics.
      if (reply.leased()) {
        readsAnsweredLocally++;
      } else {
        readsAnsweredThroughLog++;
      }
    }
    if (reply.isOk()) {
      future.complete(reply.result());
      return;
    }
    // Only the loop writes it, so the increment is not lost.
    failedRequests = failedRequests + 1;
    if (reply.failure() == NodeReady.Failure.BUSY) {
      future.completeExceptionally(new NodeException.Busy("too many requests in flight"));
    } else {
      future.completeExceptionally(new NodeException.Timeout("no outcome within the request timeout"));
    }
  }

  /**
   * With no other event waiting and the storage thread idle, writes and syncs {@code request} on
   * this thread and tells the core at once: at low load that saves two thread wake-ups per persist
   * on the path of every write. Under load the storage thread is busy and batches (group commit).
   */
  private boolean persistInline(PersistRequest request) {
    if (!events.isEmpty()) {
      return false;
    }
    try {
      if (!storage.tryPersistInline(request)) {
        return false;
      }
    } catch (IOException e) {
      // The loop stops on its next look at the storage, before anything counts this as durable.
      storageFailure = e;
      return true;
    }
    // Reported the way the storage thread reports, through the same published progress.
    durableSeq.accumulateAndGet(request.seq(), Math::max);
    takeStorageProgress();
    return true;
  }

  @SuppressWarnings("unchecked")
  private void failAll(NodeException error) {
    for (CompletableFuture<R> future : futures.values()) {
      future.completeExceptionally(error);
    }
    futures.clear();
    pendingRequests = 0;
    Event event;
    while ((event = events.poll()) != null) {
      if (event instanceof Submit<?> s) {
        s.reply().completeExceptionally(error);
      } else if (event instanceof Read<?> r) {
        r.reply().completeExceptionally(error);
      } else if (event instanceof Query<?> q) {
        ((Query<R>) q).action().accept(machine);
      } else if (event instanceof Transfer t) {
        t.reply().completeExceptionally(error);
      }
    }
  }

  /** Stops the loop and the storage thread; pending requests fail with Stopped. Bounded in time. */
  @Override
  public void close() throws IOException {
    running = false;
    events.offer(new Stop());
    try {
      loop.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    storage.close();
  }
}
