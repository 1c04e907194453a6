package io.synod.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.synod.kv.KvLimits;
import io.synod.kv.KvResult;
import io.synod.kv.MvccStore;
import io.synod.kv.engine.InMemoryEngine;
import io.synod.node.Node;
import io.synod.paxos.Configuration;
import io.synod.paxos.PaxosConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Synod server process: the node (Paxos, log, MVCC store), the peer transport and the etcd v3
 * gRPC API. The state machine is the MVCC store on the in-memory engine, rebuilt on restart from the
 * latest snapshot and the log. The server holds its data directory's {@link DataDirLock} from before
 * it reads anything there until {@link #close} has stopped the node.
 */
public final class SynodServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SynodServer.class);
  /** The Paxos heartbeat interval members use (PaxosConfig's default); read leases are checked against it. */
  static final long HEARTBEAT_NANOS = PaxosConfig.defaults(1, Configuration.ofSize(1)).heartbeatNanos();

  private final ServerConfig config;
  private final DataDirLock dataDirLock;
  private final PeerTransport transport;
  private final Node<KvResult> node;
  private final Server grpc;
  /** Null unless auto compaction is configured. */
  private final AutoCompactor compactor;
  private final Observability observability;
  private final WatchService watches;

  private SynodServer(ServerConfig config, DataDirLock dataDirLock, PeerTransport transport, Node<KvResult> node,
      Server grpc, AutoCompactor compactor, Observability observability, WatchService watches) {
    this.observability = observability;
    this.watches = watches;
    this.config = config;
    this.dataDirLock = dataDirLock;
    this.transport = transport;
    this.node = node;
    this.grpc = grpc;
    this.compactor = compactor;
  }

  /**
   * Starts a server on the calling thread and returns once it serves clients.
   *
   * @throws IOException if the data directory is in use by another process or another server in
   *     this JVM (the directory is then left as it was), or if the storage, the peer port or the
   *     client port cannot be opened
   */
  public static SynodServer start(ServerConfig config) throws IOException {
    // A busy or foreign address, or a directory this process cannot write, is refused before the
    // directory is locked (which writes this process's PID into the lock file), so such a refused
    // start leaves the directory as it was.
    StartChecks.listenable(config);
    StartChecks.dataDirUsable(config.dataDir());
    // Before anything reads or writes the directory, the wipe after corruption included: two
    // processes on one directory would be one acceptor with two memories.
    DataDirLock dataDirLock = DataDirLock.acquire(config.dataDir());
    try {
      // Before the storage is opened: a busy HTTP port stops the start with nothing touched.
      Observability observability = Observability.prepare(config);
      try {
        return startLocked(config, dataDirLock, observability);
      } catch (IOException | RuntimeException | Error e) {
        observability.close();
        throw e;
      }
    } catch (IOException | RuntimeException | Error e) {
      try {
        dataDirLock.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static SynodServer startLocked(ServerConfig config, DataDirLock dataDirLock, Observability observability)
      throws IOException {
    Member self = config.self();
    Map<Integer, InetSocketAddress> peers = new TreeMap<>();
    ArrayList<Integer> ids = new ArrayList<>();
    for (Member m : config.members()) {
      ids.add(m.id());
      if (m.id() != self.id()) {
        peers.put(m.id(), m.peer());
      }
    }
    AtomicReference<Node<KvResult>> nodeRef = new AtomicReference<>();
    PeerTransport transport;
    try {
      transport = new PeerTransport(
          new PeerTransport.Config(self.id(), self.peer(), peers, 64 << 20, 50_000_000L, 2_000_000_000L),
          message -> {
            Node<KvResult> n = nodeRef.get();
            if (n != null) {
              n.receive(message);
            }
          });
    } catch (PeerTransport.ListenException e) {
      throw StartChecks.cannotListen(self.id(), self.peer(), "peers", e.getCause());
    }
    Node<KvResult> node;
    StoreMachine machine;
    try {
      PaxosConfig paxos = PaxosConfig.defaults(1, new Configuration(ids)).withReadLeases(config.readLeases());
      Node.Config nodeConfig = new Node.Config(self.id(), paxos, io.synod.wal.WalConfig.defaults(),
          config.dataDir(), 10_000_000L, 5_000_000_000L, 1_000_000_000L, 10_000, 65_536, 32_768, config.wipeOnCorruption());
      // The server checks request sizes in etcd terms; the store's own bound is a backstop above it.
      KvLimits limits = new KvLimits(config.txnOpsMax(), config.requestBytesMax() + (64 << 10), 10_000,
          KvLimits.LEASES_MAX_DEFAULT, KvLimits.leaseTtlMinSeconds(paxos.electionTimeoutNanos()));
      machine = new StoreMachine(MvccStore.open(new InMemoryEngine(), limits), observability.applyTimer(),
          config.watchConfig(), io.synod.kv.LeaseKeeper.Config.DEFAULTS);
      node = Node.start(nodeConfig, machine, transport, NioFileSystem.INSTANCE, observability.nodeObserver(),
          config.testOnlyClockRate() == 1.0 ? System::nanoTime : Node.ratedClock(config.testOnlyClockRate()));
      nodeRef.set(node);
    } catch (IOException | RuntimeException e) {
      transport.close();
      throw e;
    }
    EtcdProtos.Headers headers = revision -> io.etcd.jetcd.api.ResponseHeader.newBuilder()
        .setClusterId(config.clusterId())
        .setMemberId(self.memberId())
        .setRevision(revision)
        .setRaftTerm(node.status().ballotRound())
        .build();
    WatchService watches = new WatchService(node, machine, headers,
        Math.max(10, Math.min(1_000, config.watchProgressNotifyIntervalMillis() / 10)));
    // Locks and elections: queues of keys in the member's own KV, waiting on its own watches.
    KeyQueue coordination = new KeyQueue(new LocalKv(node), watches.keyChanges());
    Server grpc;
    try {
      grpc = NettyServerBuilder.forAddress(self.client())
          // As etcd does (grpcOverheadBytes in its v3rpc/grpc.go), the transport admits 512 KiB more
          // than the request limit, so an oversized request gets etcd's "request is too large"
          // from tooLarge() rather than a bare gRPC RESOURCE_EXHAUSTED.
          .maxInboundMessageSize(config.requestBytesMax() + (512 << 10))
          // Handlers never block (they queue work for the node and return), so they run on the
          // transport's event loop: no hand-off to an executor thread per call.
          .directExecutor()
          .intercept(observability.grpcMetrics())
          .intercept(observability.statusExtras())
          .addService(io.grpc.ServerInterceptors.intercept(new KvService(node, machine, config, headers), new ClientSession()))
          .addService(io.grpc.ServerInterceptors.intercept(new LeaseService(node, machine, headers).definition(), new ClientSession()))
          .addService(new ClusterService(config, headers))
          .addService(watches)
          .addService(new LockService(coordination, headers))
          .addService(new ElectionService(coordination, headers))
          .addService(io.grpc.ServerInterceptors.intercept(new MaintenanceService(node, config, headers),
              new ReadCountHeaders(node::readCounts)))
          .build()
          .start();
    } catch (IOException | RuntimeException e) {
      node.close();
      transport.close();
      throw StartChecks.cannotListen(self.id(), self.client(), "clients", e.getCause() != null ? e.getCause() : e);
    }
    try {
      observability.start(node, machine);
    } catch (RuntimeException e) {
      grpc.shutdownNow();
      node.close();
      transport.close();
      throw e;
    }
    LOG.info("synod member {} serving clients on {} and peers on {}, data in {}", self.id(), self.clientUrl(),
        self.peerUrl(), config.dataDir());
    if (observability.httpAddress() != null) {
      LOG.info("synod member {} serving metrics, health and its status page on http://{}/", self.id(),
          io.synod.server.http.HttpAddress.format(observability.httpAddress()));
    }
    AutoCompactor compactor = config.autoCompactionRetention() > 0
        ? new AutoCompactor(node, machine, config.autoCompactionRetention(), 1_000)
        : null;
    return new SynodServer(config, dataDirLock, transport, node, grpc, compactor, observability, watches);
  }

  public Node<KvResult> node() {
    return node;
  }

  /** The address metrics, health and the status page are served on (the actual port), or null if none. */
  public InetSocketAddress httpAddress() {
    return observability.httpAddress();
  }

  /** The port clients reach this server on (useful when configured as 0). */
  public int clientPort() {
    return grpc.getPort();
  }

  /** The auto compactor, or null if auto compaction is off. */
  AutoCompactor compactor() {
    return compactor;
  }

  public ServerConfig config() {
    return config;
  }

  /** Blocks until the server is shut down. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  /**
   * Graceful shutdown: stop taking requests, let in-flight ones finish (bounded), stop the node,
   * then release the data directory (kept locked if stopping the node failed).
   */
  @Override
  public void close() throws IOException {
    observability.close();
    grpc.shutdown();
    // Watch streams never end by themselves: end them once no new call is taken, so clients go to
    // another member at once and the graceful shutdown does not wait out its bound for them.
    watches.close();
    try {
      if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      grpc.shutdownNow();
    }
    if (compactor != null) {
      compactor.close();
    }
    // A node that failed to close may still have its storage open: the lock then stays held until
    // this process exits, rather than let another process open the directory beside it.
    node.close();
    try {
      transport.close();
    } finally {
      // Last: another process may take the directory over as soon as the lock is released.
      dataDirLock.close();
    }
    LOG.info("synod member {} stopped", config.id());
  }
}
