package io.synod.systest;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of real member processes on loopback, each with its own data directory and log under
 * one test directory. Members are numbered 1..n. Closing the cluster stops every member it started.
 */
final class Cluster implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;

  private final Map<Integer, MemberProcess> members = new TreeMap<>();
  private final Map<Integer, Integer> clientPorts = new TreeMap<>();
  private final Map<Integer, Integer> peerPorts = new TreeMap<>();
  private final Map<Integer, Integer> httpPorts = new TreeMap<>();
  private final Map<Integer, ManagedChannel> controlChannels = new TreeMap<>();
  private final Thread reaper = new Thread(this::killAll, "systest-cluster-reaper");

  private final String membersSpec;
  private final boolean ownAddresses;

  private Cluster(Path dir, int size, List<String> serverArgs, Map<Integer, List<String>> memberArgs,
      boolean ownAddresses) throws IOException {
    this.ownAddresses = ownAddresses;
    List<Integer> ports = freePorts(3 * size);
    StringBuilder spec = new StringBuilder();
    for (int id = 1; id <= size; id++) {
      peerPorts.put(id, ports.get(2 * (id - 1)));
      clientPorts.put(id, ports.get(2 * (id - 1) + 1));
      // Chosen here too: the default, client port + 2, may be a port another member was given.
      httpPorts.put(id, ports.get(2 * size + id - 1));
      if (id > 1) {
        spec.append(',');
      }
      spec.append(id).append('=').append(host(id)).append(':').append(peerPorts.get(id))
          .append('/').append(host(id)).append(':').append(clientPorts.get(id));
    }
    membersSpec = spec.toString();
    String classpath = ServerClasspath.resolve();
    for (int id = 1; id <= size; id++) {
      Path data = Files.createDirectories(dir.resolve("member-" + id));
      List<String> args = new ArrayList<>(serverArgs);
      args.addAll(memberArgs.getOrDefault(id, List.of()));
      members.put(id, new MemberProcess(id, classpath, spec.toString(), data, dir.resolve("member-" + id + ".log"),
          withHttp(args, host(id), httpPorts.get(id))));
      controlChannels.put(id, ManagedChannelBuilder.forAddress(host(id), clientPorts.get(id)).usePlaintext().build());
    }
    // A safety net should the test JVM exit without closing the cluster: kill what we started.
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** {@code serverArgs} and an explicit HTTP port (the default, client port + 2, may be another member's port). */
  private static List<String> withHttp(List<String> serverArgs, String host, int httpPort) {
    List<String> args = new ArrayList<>(serverArgs);
    args.addAll(List.of("--listen-http", host + ":" + httpPort));
    return args;
  }

  /** Starts {@code size} members under {@code dir} and waits until they agree on a leader. */
  static Cluster start(Path dir, int size) throws IOException {
    return start(dir, size, List.of());
  }

  /** As {@link #start(Path, int)}, with {@code serverArgs} added to every member's command line. */
  static Cluster start(Path dir, int size, List<String> serverArgs) throws IOException {
    Cluster cluster = create(dir, size, serverArgs);
    cluster.startAndAwaitLeader();
    return cluster;
  }

  /**
   * A cluster whose members are laid out (ports, empty data directories, logs) but not started, so
   * a test can prepare their data directories first; {@link #startAndAwaitLeader} starts them.
   */
  static Cluster create(Path dir, int size, List<String> serverArgs) throws IOException {
    return new Cluster(dir, size, serverArgs, Map.of(), false);
  }

  /**
   * As {@link #create(Path, int, List)}, with {@code memberArgs} added after the common arguments of
   * the members they are keyed by, and, if {@code ownAddresses}, member N on its own loopback address
   * 127.0.0.N for clients and peers (its outgoing peer connections are bound to it too), so that
   * network rules can tell members apart.
   */
  static Cluster create(Path dir, int size, List<String> serverArgs, Map<Integer, List<String>> memberArgs,
      boolean ownAddresses) throws IOException {
    return new Cluster(dir, size, serverArgs, memberArgs, ownAddresses);
  }

  /** Starts every member and waits until they agree on a leader; stops them all if that fails. */
  void startAndAwaitLeader() throws IOException {
    Cluster cluster = this;
    try {
      cluster.startAll();
      cluster.awaitLeader();
    } catch (IOException | RuntimeException | Error e) {
      try {
        cluster.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /** The {@code --members} value every member was given. */
  String membersSpec() {
    return membersSpec;
  }

  List<Integer> ids() {
    return List.copyOf(members.keySet());
  }

  /** The loopback address member {@code id} listens on: {@link #HOST}, or 127.0.0.N with own addresses. */
  String host(int id) {
    return ownAddresses ? "127.0.0." + id : HOST;
  }

  /** {@code 127.0.0.1:port}: the member's client address as etcdctl takes it. */
  String clientEndpoint(int id) {
    return host(id) + ":" + clientPorts.get(id);
  }

  /** Every member's client address, comma-separated. */
  String clientEndpoints() {
    return members.keySet().stream().map(this::clientEndpoint).collect(Collectors.joining(","));
  }

  String clientUrl(int id) {
    return "http://" + clientEndpoint(id);
  }

  /** A jetcd client over every member. */
  io.etcd.jetcd.Client jetcdClient() {
    return io.etcd.jetcd.Client.builder().endpoints(ids().stream().map(this::clientUrl).toArray(String[]::new)).build();
  }

  /** Closes {@code client} (if any), then {@code cluster} (if any), the cluster even if the client fails. */
  static void close(io.etcd.jetcd.Client client, Cluster cluster) {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  String peerUrl(int id) {
    return "http://" + host(id) + ":" + peerPorts.get(id);
  }

  int peerPort(int id) {
    return peerPorts.get(id);
  }

  int clientPort(int id) {
    return clientPorts.get(id);
  }

  /** The member's status page, metrics and health endpoints: {@code http://127.0.0.1:port}. */
  String httpUrl(int id) {
    return "http://" + host(id) + ":" + httpPorts.get(id);
  }

  boolean isRunning(int id) {
    return member(id).isRunning();
  }

  /** The PID of member {@code id}'s process, as last started. */
  void pause(int id) throws IOException, InterruptedException {
    member(id).pause();
  }

  void resume(int id) throws IOException, InterruptedException {
    member(id).resume();
  }

  long pid(int id) {
    return member(id).pid();
  }

  Path dataDir(int id) {
    return member(id).dataDir();
  }

  void startAll() throws IOException {
    for (MemberProcess m : members.values()) {
      m.start();
    }
  }

  /** Starts member {@code id} again on its data directory and waits until it answers Status. */
  void start(int id) throws IOException {
    member(id).start();
    controlChannels.get(id).resetConnectBackoff();
    Await.until("member " + id + " to answer Status after its start", START_TIMEOUT, () -> status(id),
        () -> logTails() + threadDumps());
  }

  /** SIGKILL. */
  void kill(int id) {
    member(id).kill();
  }

  /** SIGTERM to every member at once, then waits; returns the members that did not stop gracefully. */
  List<Integer> stopAll() {
    List<Integer> forced = new ArrayList<>();
    // One thread per member sends SIGTERM and waits, so that the members shut down concurrently
    // and none sees its peers disappear one by one over many seconds.
    List<Thread> stoppers = new ArrayList<>();
    Map<Integer, Boolean> graceful = new ConcurrentHashMap<>();
    for (MemberProcess m : members.values()) {
      Thread t = new Thread(() -> graceful.put(m.id(), m.stop()), "systest-stop-" + m.id());
      stoppers.add(t);
      t.start();
    }
    for (Thread t : stoppers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(40));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (int id : members.keySet()) {
      if (!graceful.getOrDefault(id, false)) {
        forced.add(id);
      }
    }
    return forced;
  }

  /** The member's answer to the Maintenance Status RPC (what {@code etcdctl endpoint status} shows). */
  StatusResponse status(int id) {
    try {
      return MaintenanceGrpc.newBlockingStub(controlChannels.get(id))
          .withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      // After a failed attempt gRPC backs off reconnecting for up to minutes; a member that was
      // just restarted should be tried again at once.
      controlChannels.get(id).resetConnectBackoff();
      throw e;
    }
  }

  /**
   * Waits until every running member answers Status and all name the same leader, itself a running
   * member; returns the leader's id.
   */
  int awaitLeader() {
    return Await.until("the running members to agree on a leader", LEADER_TIMEOUT, this::agreedLeader,
        () -> logTails() + threadDumps());
  }

  /** Dumps the threads of every running member to files and lists them, for failure messages. */
  String threadDumps() {
    StringBuilder b = new StringBuilder("----- thread dumps -----\n");
    for (MemberProcess m : members.values()) {
      b.append("member ").append(m.id()).append(": ").append(m.threadDump()).append('\n');
    }
    return b.toString();
  }

  private Integer agreedLeader() {
    Integer leader = null;
    for (int id : members.keySet()) {
      if (!isRunning(id)) {
        continue;
      }
      long named = status(id).getLeader();
      if (named == 0 || (leader != null && leader != named)) {
        return null;
      }
      leader = (int) named;
    }
    return leader != null && members.containsKey(leader) && isRunning(leader) ? leader : null;
  }

  /** How often member {@code id}'s log holds {@code text} so far. */
  int countInLog(int id, String text) {
    String log = member(id).logText();
    int count = 0;
    for (int at = log.indexOf(text); at >= 0; at = log.indexOf(text, at + text.length())) {
      count++;
    }
    return count;
  }

  /** Everything member {@code id}'s log holds so far. */
  String logText(int id) {
    return member(id).logText();
  }

  /** The last lines of every member's log, for failure messages. */
  String logTails() {
    StringBuilder b = new StringBuilder();
    for (MemberProcess m : members.values()) {
      b.append("----- member ").append(m.id()).append(m.isRunning() ? " (running)" : " (not running)")
          .append(", last ").append(LOG_TAIL_LINES).append(" log lines -----\n")
          .append(m.logTail(LOG_TAIL_LINES)).append('\n');
    }
    return b.toString();
  }

  @Override
  public void close() {
    try {
      stopAll();
    } finally {
      for (ManagedChannel c : controlChannels.values()) {
        c.shutdownNow();
      }
      killAll();
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down and the hook is running or has run.
      }
    }
  }

  private void killAll() {
    for (MemberProcess m : members.values()) {
      if (m.isRunning()) {
        m.kill();
      }
    }
  }

  private MemberProcess member(int id) {
    MemberProcess m = members.get(id);
    if (m == null) {
      throw new IllegalArgumentException("no member " + id + " in " + members.keySet());
    }
    return m;
  }

  /**
   * Free loopback ports: all are bound at once so none repeats, then released for the members. A
   * port could in principle be taken by someone else in between; the members would then fail to
   * start and say so in their logs.
   */
  static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        sockets.add(s);
      }
      return sockets.stream().map(ServerSocket::getLocalPort).collect(Collectors.toList());
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
