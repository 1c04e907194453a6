package io.synod.node;

import io.synod.common.Ensure;
import io.synod.paxos.Batch;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.Message;
import io.synod.paxos.PaxosConfig;
import io.synod.paxos.Ready;
import io.synod.paxos.Replica;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica as a running node: a single loop thread owns the Paxos {@link Replica} and the
 * {@link StateMachine}; transport threads and clients only enqueue events; a {@link StorageWorker}
 * thread writes and fsyncs in groups and reports back. Client commands are batched into slots by
 * the core; a follower forwards them to the leader; the node a command entered through completes
 * its client's future when it applies the command.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  /**
   * @param id this node's replica id
   * @param paxos the group's Paxos configuration
   * @param wal storage limits
   * @param dataDir where this node's storage lives
   * @param tickNanos how often the core's clock advances
   * @param requestTimeoutNanos a client request with no outcome after this long fails with Timeout
   * @param snapshotEverySlots snapshot the state machine after this many applied slots (0: never), and
   *     once at least as many command bytes were applied as the last snapshot held
   * @param eventQueueMax events (messages, requests) waiting for the loop; beyond it requests get Busy
   * @param pendingRequestsMax client requests in flight at this node
   * @param wipeOnCorruption wipe corrupt storage and rebuild from peers instead of refusing to start
   */
  public record Config(
      int id, PaxosConfig paxos, WalConfig wal, Path dataDir, long tickNanos, long requestTimeoutNanos,
      int snapshotEverySlots, int eventQueueMax, int pendingRequestsMax, boolean wipeOnCorruption) {
    public Config validate() {
      paxos.validate();
      wal.validate();
      Ensure.argument(tickNanos > 0, "tickNanos must be positive");
      Ensure.argument(requestTimeoutNanos > tickNanos, "requestTimeoutNanos must exceed a tick");
      Ensure.argument(snapshotEverySlots >= 0, "snapshotEverySlots must not be negative");
      Ensure.argument(eventQueueMax >= 16, "eventQueueMax must be at least 16");
      Ensure.argument(pendingRequestsMax >= 1, "pendingRequestsMax must be at least 1");
      return this;
    }

    public static Config defaults(int id, PaxosConfig paxos, Path dataDir) {
      return new Config(id, paxos, WalConfig.defaults(), dataDir, 10_000_000L, 5_000_000_000L,
          10_000, 65_536, 32_768, false);
    }
  }

  /** What the node looks like from outside (updated by the loop after every round). */
  public record Status(Replica.Role role, int leaderId, long chosenUpTo, long appliedUpTo, long ballotRound) {}

  private sealed interface Event {}

  private record Received(NodeMessage message) implements Event {}

  private record Submit(byte[] command, CompletableFuture<byte[]> reply) implements Event {}

  private record Query(java.util.function.Consumer<StateMachine> action) implements Event {}

  private record SnapshotStored(SnapshotHandle handle, byte[] data) {}

  /** Wakes the loop to look at what the storage thread published. */
  private record Wake() implements Event {}

  private record Stop() implements Event {}

  private static final Wake WAKE = new Wake();

  private record Pending(CompletableFuture<byte[]> reply, long deadlineNanos, byte[] logged) {}

  private final Config config;
  private final StateMachine machine;
  private final Transport transport;
  private final Replica replica;
  private final StorageWorker storage;
  private final BlockingQueue<Event> events;
  private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong durableSeq = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.ConcurrentLinkedQueue<SnapshotStored> storedSnapshots =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile IOException storageFailure;
  private long persistedSeen;
  private final java.util.ArrayDeque<byte[]> awaitingLeader = new java.util.ArrayDeque<>();
  private final Thread loop;
  private long nextRequestId;
  private long lastSnapshotSlot;
  private boolean snapshotInFlight;
  /** Size of the last snapshot taken here, and command bytes applied since it was taken. */
  private long lastSnapshotBytes;
  private long appliedBytesSinceSnapshot;
  private volatile Status status;
  private final Object statusMonitor = new Object();
  private volatile boolean running = true;

  private Node(Config config, StateMachine machine, Transport transport, ReplicaStorage.Opened opened) {
    this.config = config;
    this.machine = machine;
    this.transport = transport;
    this.events = new ArrayBlockingQueue<>(config.eventQueueMax());
    DurableState state = opened.state();
    if (state.snapshot().slot() > machine.appliedSlot()) {
      machine.restore(state.snapshot().slot(), state.snapshotData());
    }
    long applied = Math.max(machine.appliedSlot(), state.snapshot().slot());
    this.lastSnapshotSlot = state.snapshot().slot();
    // Time is injected into the core; the node reads the monotonic clock and nothing else does.
    this.replica = new Replica(config.paxos(), config.id(), state, applied,
        new SplittableRandom(System.nanoTime() ^ config.id()), System.nanoTime());
    // The storage thread never blocks on the loop (the loop may be blocked handing it work): it
    // publishes its progress in these fields and wakes the loop if the queue has room.
    this.storage = new StorageWorker(opened.storage(), 4_096, new StorageWorker.Listener() {
      @Override
      public void persisted(long seq) {
        durableSeq.accumulateAndGet(seq, Math::max);
        events.offer(WAKE);
      }

      @Override
      public void snapshotStored(SnapshotHandle handle, byte[] data) {
        storedSnapshots.add(new SnapshotStored(handle, data));
        events.offer(WAKE);
      }

      @Override
      public void failed(IOException error) {
        storageFailure = error;
        events.offer(WAKE);
      }
    }, "synod-storage-" + config.id());
    // Request ids must not repeat across restarts: the log still holds commands of earlier
    // incarnations, and applying one must not complete a new request that reused its id.
    this.nextRequestId = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    this.status = snapshotStatus();
    this.loop = new Thread(this::run, "synod-node-" + config.id());
  }

  /**
   * Opens the node's storage, restores the state machine and starts the loop.
   *
   * @throws StorageCorruptException if the storage is corrupt and {@code wipeOnCorruption} is off
   */
  public static Node start(Config config, StateMachine machine, Transport transport, FileSystem fs)
      throws IOException {
    config.validate();
    ReplicaStorage.Opened opened;
    try {
      opened = ReplicaStorage.open(fs, config.dataDir(), config.paxos().configuration(), config.wal());
    } catch (StorageCorruptException e) {
      if (!config.wipeOnCorruption()) {
        throw e;
      }
      LOG.warn("node {}: {}; wiping and rebuilding from peers", config.id(), e.getMessage());
      opened = ReplicaStorage.wipe(fs, config.dataDir(), config.paxos().configuration(), config.wal());
    }
    Node node = new Node(config, machine, transport, opened);
    node.loop.start();
    return node;
  }

  /** Submits a client command; the future completes with the state machine's reply once applied here. */
  public CompletableFuture<byte[]> submit(byte[] command) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    if (!running) {
      reply.completeExceptionally(new NodeException.Stopped("node " + config.id() + " is stopped"));
    } else if (!events.offer(new Submit(command, reply))) {
      reply.completeExceptionally(new NodeException.Busy("node " + config.id() + " event queue is full"));
    }
    return reply;
  }

  /**
   * Runs {@code read} on the loop thread against the local state machine, as of everything applied
   * here so far: a serializable read, served without the network. The function must not modify the
   * state machine.
   */
  public <T> CompletableFuture<T> query(java.util.function.Function<StateMachine, T> read) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Query query = new Query(machine -> {
      try {
        result.complete(read.apply(machine));
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

  /** Delivers a message from a peer; drops it if the loop is overloaded (peers retransmit). */
  public void receive(NodeMessage message) {
    if (running) {
      events.offer(new Received(message));
    }
  }

  public Status status() {
    return status;
  }

  /**
   * Blocks until the node's status satisfies {@code condition} or {@code timeoutNanos} pass; returns
   * whether it did. Woken by the loop whenever the status changes: no polling.
   */
  public boolean awaitStatus(java.util.function.Predicate<Status> condition, long timeoutNanos)
      throws InterruptedException {
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

  private void publishStatus() {
    Status next = snapshotStatus();
    if (!next.equals(status)) {
      synchronized (statusMonitor) {
        status = next;
        statusMonitor.notifyAll();
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
        }
        for (Event event : batch) {
          handle(event);
        }
        takeStorageProgress();
        long now = System.nanoTime();
        if (now >= nextTick) {
          replica.tick(now);
          expireRequests(now);
          nextTick = now + config.tickNanos();
        }
        processReady();
        if (releaseAwaitingLeader()) {
          processReady();
        }
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

  private void handle(Event event) throws InterruptedException {
    if (event instanceof Received r) {
      if (r.message() instanceof NodeMessage.Paxos p) {
        replica.step(p.message());
      } else if (r.message() instanceof NodeMessage.Forward f) {
        forwarded(f);
      }
    } else if (event instanceof Submit s) {
      submitted(s);
    } else if (event instanceof Query q) {
      q.action().accept(machine);
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
      replica.persisted(durable);
    }
    SnapshotStored stored;
    while ((stored = storedSnapshots.poll()) != null) {
      snapshotInFlight = false;
      if (stored.handle().slot() > replica.snapshot().slot()) {
        replica.snapshotTaken(stored.handle().slot(), stored.data());
      }
    }
  }

  private void submitted(Submit s) {
    if (pending.size() >= config.pendingRequestsMax()) {
      s.reply().completeExceptionally(new NodeException.Busy("too many requests in flight"));
      return;
    }
    long requestId = nextRequestId++;
    byte[] logged = new CommandEnvelope(config.id(), requestId, s.command()).encode();
    pending.put(requestId, new Pending(s.reply(), System.nanoTime() + config.requestTimeoutNanos(), logged));
    propose(logged, s.reply());
  }

  /** Proposes at this node if it leads, else forwards to the leader it knows. */
  private void propose(byte[] logged, CompletableFuture<byte[]> reply) {
    if (replica.role() == Replica.Role.LEADER) {
      Replica.ProposeResult result = replica.propose(logged);
      if (result == Replica.ProposeResult.FULL && reply != null) {
        failOwn(logged, new NodeException.Busy("proposal queue full"));
      }
      return;
    }
    int leader = replica.leaderHint();
    if (leader != 0 && leader != config.id() && reply != null) {
      transport.send(new NodeMessage.Forward(config.paxos().groupId(), config.id(), leader, logged));
    } else if (reply != null) {
      // No leader known yet (an election is running, or this node just started): hold the command
      // until one is known; the request timeout still bounds the wait.
      awaitingLeader.addLast(logged);
    }
  }

  /**
   * A command another node forwarded here, believing this node leads. If it no longer does, the
   * command goes on once to the leader this node knows, so a client does not wait out its timeout
   * after a leader change. Only a command that came straight from its origin is passed on: two
   * nodes with stale views cannot bounce it back and forth.
   */
  private void forwarded(NodeMessage.Forward f) {
    if (replica.role() == Replica.Role.LEADER) {
      replica.propose(f.command());
      return;
    }
    CommandEnvelope envelope = CommandEnvelope.decode(f.command());
    int leader = replica.leaderHint();
    if (envelope != null && envelope.origin() == f.from() && leader != 0 && leader != config.id()
        && leader != f.from()) {
      transport.send(new NodeMessage.Forward(config.paxos().groupId(), config.id(), leader, f.command()));
    }
  }

  /** Proposes or forwards commands held while no leader was known; true if it released any. */
  private boolean releaseAwaitingLeader() {
    if (awaitingLeader.isEmpty()) {
      return false;
    }
    int leader = replica.leaderHint();
    if (replica.role() != Replica.Role.LEADER && (leader == 0 || leader == config.id())) {
      return false;
    }
    List<byte[]> held = new ArrayList<>(awaitingLeader);
    awaitingLeader.clear();
    for (byte[] logged : held) {
      CommandEnvelope envelope = CommandEnvelope.decode(logged);
      Pending p = envelope == null ? null : pending.get(envelope.requestId());
      if (p != null) {
        propose(logged, p.reply());
      }
    }
    return true;
  }

  private void failOwn(byte[] logged, NodeException error) {
    CommandEnvelope envelope = CommandEnvelope.decode(logged);
    if (envelope != null && envelope.origin() == config.id()) {
      Pending p = pending.remove(envelope.requestId());
      if (p != null) {
        p.reply().completeExceptionally(error);
      }
    }
  }

  private void processReady() throws InterruptedException {
    for (int round = 0; round < 100; round++) {
      if (storageFailure != null) {
        return;
      }
      Ready ready = replica.ready();
      if (ready.isEmpty()) {
        return;
      }
      if (ready.install() != null) {
        machine.restore(ready.install().handle().slot(), ready.install().data());
        lastSnapshotSlot = ready.install().handle().slot();
        storage.submit(new StorageWorker.Snapshot(ready.install().handle(), ready.install().data(), false));
      }
      for (Message message : ready.messages()) {
        transport.send(new NodeMessage.Paxos(message));
      }
      if (ready.persist() != null && !persistInline(ready.persist())) {
        storage.submit(new StorageWorker.Persist(ready.persist()));
      }
      for (Entry entry : ready.chosen()) {
        apply(entry);
      }
      for (byte[] command : ready.dropped()) {
        failOwn(command, new NodeException.NotLeader(replica.leaderHint()));
      }
      maybeSnapshot();
    }
  }

  /**
   * With no other event waiting and the storage thread idle, writes and syncs {@code request} on
   * this thread and tells the core at once: at low load that saves two thread wake-ups per persist
   * on the path of every write. Under load the storage thread is busy and batches (group commit).
   */
  private boolean persistInline(io.synod.paxos.PersistRequest request) {
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

  private void apply(Entry entry) {
    Batch batch = entry.batch();
    for (int i = 0; i < batch.size(); i++) {
      CommandEnvelope envelope = CommandEnvelope.decode(batch.command(i));
      if (envelope == null) {
        continue;
      }
      appliedBytesSinceSnapshot += envelope.payload().length;
      byte[] reply = machine.apply(entry.slot(), envelope.payload());
      if (envelope.origin() == config.id()) {
        Pending p = pending.get(envelope.requestId());
        if (p != null && java.util.Arrays.equals(p.logged(), batch.command(i))) {
          pending.remove(envelope.requestId());
          p.reply().complete(reply);
        }
      }
    }
    machine.slotApplied(entry.slot());
  }

  private void maybeSnapshot() throws InterruptedException {
    long applied = replica.appliedUpTo();
    if (config.snapshotEverySlots() == 0 || snapshotInFlight || applied - lastSnapshotSlot < config.snapshotEverySlots()) {
      return;
    }
    // A snapshot costs time proportional to the state. Waiting until as many command bytes have been
    // applied as the last snapshot held keeps that cost at most one byte per byte written, however
    // large the state grows (the log it lets go of is at least that big).
    if (appliedBytesSinceSnapshot < lastSnapshotBytes) {
      return;
    }
    snapshotInFlight = true;
    lastSnapshotSlot = applied;
    SnapshotHandle handle = new SnapshotHandle(applied, config.paxos().configuration());
    byte[] data = machine.snapshot();
    lastSnapshotBytes = data.length;
    appliedBytesSinceSnapshot = 0;
    storage.submit(new StorageWorker.Snapshot(handle, data, true));
  }

  private void expireRequests(long now) {
    // Every request gets the same timeout, so insertion order is deadline order.
    Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Pending p = it.next().getValue();
      if (p.deadlineNanos() > now) {
        return;
      }
      it.remove();
      p.reply().completeExceptionally(new NodeException.Timeout("no outcome within the request timeout"));
    }
  }

  private void failAll(NodeException error) {
    for (Pending p : pending.values()) {
      p.reply().completeExceptionally(error);
    }
    pending.clear();
    Event event;
    while ((event = events.poll()) != null) {
      if (event instanceof Submit s) {
        s.reply().completeExceptionally(error);
      } else if (event instanceof Query q) {
        q.action().accept(machine);
      }
    }
  }

  private Status snapshotStatus() {
    return new Status(replica.role(), replica.leaderHint(), replica.chosenUpTo(), replica.appliedUpTo(),
        Math.max(replica.ballot().round(), replica.promised().round()));
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
