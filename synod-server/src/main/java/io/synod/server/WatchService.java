package io.synod.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvResult;
import io.synod.kv.WatchEvent;
import io.synod.kv.watch.WatchHub;
import io.synod.kv.watch.WatchOutput;
import io.synod.kv.watch.WatchSpec;
import io.synod.node.Node;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Watch service, served by every member from its own store (a follower's watchers hear of a
 * change when the follower applies it).
 *
 * <p>Threads: gRPC handlers run on the transport's event loop and only queue work for the node's
 * loop ({@link Node#query}). The {@link WatchHub} and the streams' watch ids belong to the node's
 * loop: after each applied slot, and when a stream's transport has room again ({@code onReady}), the
 * loop takes what the hub has for a stream (turning each event into its protobuf once, however many
 * watchers get it) and hands it to the stream's outbox. A small pool of sender threads builds and
 * sends the responses, each stream's in order, so encoding and writing a response to every watcher
 * is never the loop's work. The loop takes for a stream only while its transport is ready and its
 * outbox holds fewer than {@link #OUTBOX_MAX} responses: a slow client's events wait in the hub,
 * which cancels the watcher past its bound, rather than stall the loop or fill the heap. (The outbox
 * also stops at {@link #OUTBOX_BYTES_MAX} bytes of events.)
 */
final class WatchService extends WatchGrpc.WatchImplBase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchService.class);
  /** etcd's field numbers that jetcd's generated classes do not know (they arrive as unknown fields). */
  private static final int CREATE_WATCH_ID_FIELD = 7;
  private static final int CREATE_FRAGMENT_FIELD = 8;
  private static final int RESPONSE_FRAGMENT_FIELD = 7;
  /** Outputs taken per stream per pass before yielding the loop to other work. */
  private static final int OUTPUTS_PER_PASS_MAX = 256;
  /** Responses a stream's outbox may hold before the loop stops taking for it. */
  private static final int OUTBOX_MAX = 64;
  /** Bytes of events a stream's outbox may hold before the loop stops taking for it. */
  private static final long OUTBOX_BYTES_MAX = 4L << 20;
  private static final int SENDER_THREADS = 2;

  private final Node<KvResult> node;
  private final WatchHub hub;
  private final EtcdProtos.Headers headers;
  private final ScheduledExecutorService timer;
  private final java.util.concurrent.ExecutorService senders;
  /** Loop thread only: event protobufs made during the current pass, shared by every watcher's response. */
  private final java.util.IdentityHashMap<WatchEvent, io.etcd.jetcd.api.Event> converted = new java.util.IdentityHashMap<>();
  /** Loop thread only: set while {@link #flushReady} passes over several streams. */
  private boolean inPass;
  /** Every stream not yet closed, for ending them when the member stops. */
  private final Set<Stream> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Loop thread only: which stream and stream-local id each hub watcher belongs to. */
  private final TreeMap<Long, Binding> byHubId = new TreeMap<>();

  private record Binding(Stream stream, long watchId) {}

  /** Loop thread only: the member's own watchers (locks, elections) by hub id. */
  private final TreeMap<Long, KeyChanges.Listener> internal = new TreeMap<>();

  WatchService(Node<KvResult> node, StoreMachine machine, EtcdProtos.Headers headers, long tickMillis) {
    this.node = node;
    this.hub = machine.watches();
    this.headers = headers;
    machine.afterApply(this::flushReady);
    this.senders = Executors.newFixedThreadPool(SENDER_THREADS, r -> {
      Thread t = new Thread(r, "synod-watch-send-" + node.id());
      t.setDaemon(true);
      return t;
    });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "synod-watch-ticks-" + node.id());
      t.setDaemon(true);
      return t;
    });
    // The ticks end with the node: once it has stopped, nothing is left to notify.
    timer.scheduleWithFixedDelay(() -> node.query(m -> {
      hub.tick(System.nanoTime());
      flushReady();
      return null;
    }).whenComplete((ok, error) -> {
      if (error instanceof io.synod.node.NodeException.Stopped) {
        timer.shutdown();
        senders.shutdown();
      }
    }), tickMillis, tickMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Watches for the member's own services (locks, elections): the hub's watchers, drained on the
   * node's loop after every applied slot, with the listener called there.
   */
  KeyChanges keyChanges() {
    return this::watchInternal;
  }

  private KeyChanges.Watch watchInternal(byte[] key, byte[] rangeEnd, long fromRevision, KeyChanges.Listener listener) {
    java.util.concurrent.atomic.AtomicLong hubId = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    node.query(m -> {
      if (closed.get()) {
        return null;
      }
      long id = hub.create(new WatchSpec(key, rangeEnd, fromRevision, false, false, false, false));
      if (id == 0) {
        listener.ended(new CoordinationError("too many watchers on this member (" + hub.config().watchersMax() + ")"));
        return null;
      }
      hubId.set(id);
      internal.put(id, listener);
      drainInternal(id);
      return null;
    }).whenComplete((ok, error) -> {
      if (error != null) {
        listener.ended(error);
      }
    });
    return () -> {
      if (closed.compareAndSet(false, true)) {
        node.query(m -> {
          long id = hubId.get();
          if (id != 0 && internal.remove(id) != null) {
            hub.cancel(id);
          }
          return null;
        });
      }
    };
  }

  /** Hands an internal watcher everything the hub has for it (on the loop). */
  private void drainInternal(long hubId) {
    for (int i = 0; i < OUTPUTS_PER_PASS_MAX && hub.isReady(hubId); i++) {
      KeyChanges.Listener listener = internal.get(hubId);
      if (listener == null) {
        return;
      }
      WatchOutput out = hub.take(hubId);
      if (out instanceof WatchOutput.Events ev) {
        for (WatchEvent e : ev.events()) {
          listener.changed(e.kv(), e.type() == WatchEvent.Type.DELETE);
        }
      } else if (out instanceof WatchOutput.Canceled c) {
        internal.remove(hubId);
        listener.ended(new CoordinationError(c.compactRevision() != 0
            ? "etcdserver: mvcc: required revision has been compacted"
            : "watch cancelled: " + c.reason()));
        return;
      }
    }
    if (hub.isReady(hubId)) {
      node.query(m -> {
        drainInternal(hubId);
        return null;
      });
    }
  }

  /**
   * The member is stopping: every open stream ends with UNAVAILABLE (clients watch again elsewhere),
   * the ticks stop, and the senders get a second to write what they hold.
   */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Stream stream : open) {
      stream.fail(Status.UNAVAILABLE.withDescription("etcdserver: server stopped"));
    }
    open.clear();
    senders.shutdown();
    try {
      senders.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One client's watch stream. The watch ids, watches and progress flag are the loop's only; the
   * outbox is filled by the loop and drained by one sender thread at a time, which alone calls the
   * response observer.
   */
  private final class Stream {
    final ServerCallStreamObserver<WatchResponse> out;
    final TreeMap<Long, Watch> watches = new TreeMap<>();
    long nextWatchId;
    boolean progressRequested;
    /** No more responses are sent (the client went away, the stream ended or failed). */
    volatile boolean closed;
    /** The observer was completed or failed; sender threads only. */
    private volatile boolean ended;
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> outbox =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set by the loop when it left output in the hub because the outbox was full. */
    volatile boolean moreWaiting;

    Stream(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
    }

    /** Queues {@code response} (built on a sender thread) after everything queued before. */
    void send(java.util.function.Supplier<WatchResponse> response) {
      send(response, 0);
    }

    /** Like {@link #send(java.util.function.Supplier)} for a response carrying {@code bytes} of events. */
    void send(java.util.function.Supplier<WatchResponse> response, long bytes) {
      queuedBytes.addAndGet(bytes);
      enqueue(() -> {
        try {
          if (!closed && !ended) {
            out.onNext(response.get());
          }
        } finally {
          queuedBytes.addAndGet(-bytes);
        }
      });
    }

    void fail(Status status) {
      closed = true;
      enqueue(() -> {
        if (!ended) {
          ended = true;
          out.onError(status.asRuntimeException());
        }
      });
    }

    void complete() {
      enqueue(() -> {
        if (!ended) {
          ended = true;
          out.onCompleted();
        }
      });
    }

    boolean outboxFull() {
      return queued.get() >= OUTBOX_MAX || queuedBytes.get() >= OUTBOX_BYTES_MAX;
    }

    private void enqueue(Runnable task) {
      queued.incrementAndGet();
      outbox.add(task);
      schedule();
    }

    private void schedule() {
      if (draining.compareAndSet(false, true)) {
        try {
          senders.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          draining.set(false); // The member is stopping; nothing more is sent.
        }
      }
    }

    private void drain() {
      try {
        Runnable task;
        while ((task = outbox.poll()) != null) {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.debug("watch response not sent: {}", e.toString());
          }
          queued.decrementAndGet();
        }
      } finally {
        draining.set(false);
      }
      if (!outbox.isEmpty()) {
        schedule();
      } else if (moreWaiting && !closed) {
        moreWaiting = false;
        onLoop(this, () -> flush(this));
      }
    }
  }

  private record Watch(long hubId, boolean fragment) {}

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    Stream stream = new Stream(out);
    open.add(stream);
    out.setOnReadyHandler(() -> onLoop(stream, () -> flush(stream)));
    out.setOnCancelHandler(() -> onLoop(stream, () -> close(stream)));
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest request) {
        onLoop(stream, () -> handle(stream, request));
      }

      @Override
      public void onError(Throwable t) {
        onLoop(stream, () -> close(stream));
      }

      @Override
      public void onCompleted() {
        onLoop(stream, () -> {
          close(stream);
          stream.complete();
        });
      }
    };
  }

  /** Runs {@code work} on the node's loop; if the node refuses it, the stream ends with UNAVAILABLE. */
  private void onLoop(Stream stream, Runnable work) {
    node.query(m -> {
      work.run();
      return null;
    }).whenComplete((ok, error) -> {
      if (error != null) {
        LOG.debug("watch stream work refused: {}", error.toString());
        stream.fail(Status.UNAVAILABLE.withDescription("member cannot serve the watch: " + error.getMessage()));
        node.query(m -> {
          close(stream);
          return null;
        });
      }
    });
  }

  // ---- on the node's loop ----

  private void handle(Stream stream, WatchRequest request) {
    if (stream.closed) {
      return;
    }
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(stream, request.getCreateRequest());
      case CANCEL_REQUEST -> {
        long id = request.getCancelRequest().getWatchId();
        Watch w = stream.watches.remove(id);
        if (w != null) {
          hub.cancel(w.hubId());
          byHubId.remove(w.hubId());
          long revision = hub.revision();
          stream.send(() -> WatchResponse.newBuilder().setHeader(headers.header(revision))
              .setWatchId(id).setCanceled(true).build());
        }
      }
      case PROGRESS_REQUEST -> stream.progressRequested = true;
      default -> { }
    }
    flush(stream);
  }

  private void create(Stream stream, WatchCreateRequest c) {
    long requestedId = unknownVarint(c.getUnknownFields(), CREATE_WATCH_ID_FIELD);
    boolean fragment = unknownVarint(c.getUnknownFields(), CREATE_FRAGMENT_FIELD) != 0;
    long id;
    if (requestedId != 0) {
      id = requestedId;
      if (stream.watches.containsKey(id)) {
        refuse(stream, id, "mvcc: duplicate watch ID provided on the WatchStream");
        return;
      }
    } else {
      while (stream.watches.containsKey(stream.nextWatchId)) {
        stream.nextWatchId++;
      }
      id = stream.nextWatchId++;
    }
    if (c.getStartRevision() < 0) {
      refuse(stream, id, "start revision must not be negative");
      return;
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
    }
    WatchSpec spec = new WatchSpec(EtcdProtos.bytes(c.getKey()), EtcdProtos.bytes(c.getRangeEnd()),
        c.getStartRevision(), c.getPrevKv(), noPut, noDelete, c.getProgressNotify());
    long hubId = hub.create(spec);
    if (hubId == 0) {
      refuse(stream, id, "too many watchers on this member (" + hub.config().watchersMax() + ")");
      return;
    }
    stream.watches.put(id, new Watch(hubId, fragment));
    byHubId.put(hubId, new Binding(stream, id));
    long revision = hub.revision();
    long createdId = id;
    stream.send(() -> WatchResponse.newBuilder().setHeader(headers.header(revision))
        .setWatchId(createdId).setCreated(true).build());
  }

  private void refuse(Stream stream, long id, String reason) {
    long revision = hub.revision();
    stream.send(() -> WatchResponse.newBuilder().setHeader(headers.header(revision))
        .setWatchId(id).setCreated(true).setCanceled(true).setCancelReason(reason).build());
  }

  /** After each applied slot and tick: hands out what the hub has for streams that can take it. */
  private void flushReady() {
    if (!hub.anyReady()) {
      return;
    }
    List<Long> ready = hub.ready();
    Set<Stream> streams = new LinkedHashSet<>();
    for (long hubId : ready) {
      Binding b = byHubId.get(hubId);
      if (b != null) {
        streams.add(b.stream());
      } else if (internal.containsKey(hubId)) {
        drainInternal(hubId);
      }
    }
    inPass = true;
    try {
      for (Stream s : streams) {
        flush(s);
      }
    } finally {
      inPass = false;
      converted.clear();
    }
  }

  /**
   * Takes what the stream's watchers have, a watcher at a time in turn, while the stream's transport
   * is ready and its outbox has room; if the pass cap stops it with more to take, queues another pass
   * behind the loop's other work, and if the outbox does, the sender asks for one once it has room.
   */
  private void flush(Stream stream) {
    try {
      flushStream(stream);
    } finally {
      if (!inPass) {
        converted.clear();
      }
    }
  }

  private void flushStream(Stream stream) {
    if (stream.closed) {
      return;
    }
    int taken = 0;
    boolean more = true;
    while (more && stream.out.isReady() && !stream.outboxFull() && taken < OUTPUTS_PER_PASS_MAX) {
      more = false;
      for (Map.Entry<Long, Watch> e : new ArrayList<>(stream.watches.entrySet())) {
        Watch w = e.getValue();
        if (!hub.isReady(w.hubId()) || stream.outboxFull()) {
          more |= hub.isReady(w.hubId());
          continue;
        }
        WatchOutput out = hub.take(w.hubId());
        if (out != null) {
          send(stream, e.getKey(), w, out);
          taken++;
        }
        more |= hub.isReady(w.hubId());
      }
    }
    if (stream.progressRequested && allCaughtUp(stream)) {
      stream.progressRequested = false;
      long revision = hub.revision();
      // etcd: a progress answer belongs to no watcher (-1) and reaches every watcher of the stream.
      stream.send(() -> WatchResponse.newBuilder().setHeader(headers.header(revision)).setWatchId(-1).build());
    }
    if (more) {
      if (stream.outboxFull()) {
        stream.moreWaiting = true;
        if (!stream.outboxFull()) {
          // The sender emptied the outbox in between and may have missed the flag: take now.
          stream.moreWaiting = false;
          onLoop(stream, () -> flush(stream));
        }
      } else if (stream.out.isReady()) {
        onLoop(stream, () -> flush(stream));
      }
      // Not ready: gRPC calls onReady when it is, and that flushes.
    }
  }

  private boolean allCaughtUp(Stream stream) {
    for (Watch w : stream.watches.values()) {
      if (!hub.caughtUp(w.hubId())) {
        return false;
      }
    }
    return true;
  }

  private void send(Stream stream, long id, Watch w, WatchOutput out) {
    if (out instanceof WatchOutput.Events ev) {
      List<List<WatchEvent>> parts = w.fragment()
          ? WatchHub.fragments(ev.events(), hub.config().fragmentBytesMax())
          : List.of(ev.events());
      for (int i = 0; i < parts.size(); i++) {
        List<io.etcd.jetcd.api.Event> protos = new ArrayList<>(parts.get(i).size());
        long bytes = 0;
        for (WatchEvent e : parts.get(i)) {
          protos.add(converted.computeIfAbsent(e, WatchService::event));
          bytes += e.sizeBytes();
        }
        boolean fragment = i < parts.size() - 1;
        long revision = ev.headerRevision();
        stream.send(() -> {
          WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(headers.header(revision)).setWatchId(id)
              .addAllEvents(protos);
          if (fragment) {
            b.setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(RESPONSE_FRAGMENT_FIELD, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build());
          }
          return b.build();
        }, bytes);
      }
    } else if (out instanceof WatchOutput.Progress p) {
      stream.send(() -> WatchResponse.newBuilder().setHeader(headers.header(p.headerRevision())).setWatchId(id).build());
    } else if (out instanceof WatchOutput.Canceled c) {
      stream.watches.remove(id);
      byHubId.remove(w.hubId());
      stream.send(() -> {
        WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(headers.header(c.headerRevision()))
            .setWatchId(id).setCanceled(true).setCompactRevision(c.compactRevision());
        if (c.reason() != null) {
          b.setCancelReason(c.reason());
        }
        return b.build();
      });
    }
  }

  private static io.etcd.jetcd.api.Event event(WatchEvent e) {
    io.etcd.jetcd.api.Event.Builder b = io.etcd.jetcd.api.Event.newBuilder()
        .setType(e.type() == WatchEvent.Type.PUT
            ? io.etcd.jetcd.api.Event.EventType.PUT
            : io.etcd.jetcd.api.Event.EventType.DELETE);
    if (e.type() == WatchEvent.Type.PUT) {
      b.setKv(EtcdProtos.keyValue(e.kv()));
    } else {
      // etcd's tombstone: the key and the delete's revision only.
      b.setKv(io.etcd.jetcd.api.KeyValue.newBuilder()
          .setKey(ByteString.copyFrom(e.kv().key())).setModRevision(e.kv().modRevision()));
    }
    if (e.prevKv() != null) {
      b.setPrevKv(EtcdProtos.keyValue(e.prevKv()));
    }
    return b.build();
  }

  private void close(Stream stream) {
    stream.closed = true;
    open.remove(stream);
    for (Watch w : stream.watches.values()) {
      hub.cancel(w.hubId());
      byHubId.remove(w.hubId());
    }
    stream.watches.clear();
  }

  private static long unknownVarint(UnknownFieldSet fields, int number) {
    UnknownFieldSet.Field f = fields.getField(number);
    List<Long> values = f.getVarintList();
    return values.isEmpty() ? 0 : values.get(values.size() - 1);
  }
}
