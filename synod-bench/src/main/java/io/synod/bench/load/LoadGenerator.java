package io.synod.bench.load;

import io.synod.bench.JsonLine;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop load against a replicated KV store, one JSON line per measured point on stdout (progress
 * on stderr). Synod and etcd are driven through the same raw etcd v3 gRPC stubs; ZooKeeper through
 * its own Java client.
 *
 * <pre>
 * LoadGenerator --system NAME --endpoints HOST:PORT,... [--protocol etcd|zookeeper]
 *     [--workloads put,get-linearizable,get-serializable,mix] [--clients 1,16,128]
 *     [--seconds 20] [--warmup-seconds 20] [--ramp-seconds 2] [--keys 10000] [--value-bytes 256]
 *     [--timeout-ms 5000] [--zk-sessions-per-server 1] [--seed 1] [--server-pids PID,... [--clock-ticks 100]]
 *     [--repeat 1] [--leases 10000] [--lease-ttl-seconds 600]
 * LoadGenerator --probe --system NAME --endpoints ... [--ready-timeout-seconds 60]
 * LoadGenerator --system NAME --endpoints ... --watchers 1000 [--put-rate 1000] [--seconds 20]
 *     [--ramp-seconds 2] [--keys N] [--value-bytes N] [--server-pids PID,...]
 * </pre>
 *
 * <p>The run writes every key once, warms up (each workload at 16 clients, the warm-up time split
 * between them), then measures each workload at each client count: a ramp of unmeasured load, then
 * the measured window. {@code --repeat N} measures each point N times back to back (one line each, no
 * ramp after the first), for a sustained run reported minute by minute. {@code --watchers N} (etcd
 * protocol only) measures watch fan-out instead ({@link WatchFanOut}): N watchers of one prefix and
 * puts under it at {@code --put-rate} per second, reporting event delivery latency. {@code --probe} waits until a put and a linearizable get succeed through every
 * connection and exits 0, or exits 1 when the ready timeout passes. With {@code --server-pids} each
 * point also reports the CPU time those (local, Linux) server processes used per operation. The
 * {@code lease-keep-alive} workload (named explicitly) first grants {@code --leases} leases, then
 * each client keeps random ones of them alive over its connection's KeepAlive stream.
 */
public final class LoadGenerator {
  private static final int VALUE_VARIANTS = 16;

  private LoadGenerator() {}

  /** Parsed command line. */
  record Options(String system, String protocol, List<InetSocketAddress> endpoints, List<Workload> workloads,
      List<Integer> clients, long seconds, long warmupSeconds, long rampSeconds, int keys, int valueBytes,
      long timeoutMillis, int zkSessionsPerServer, long seed, boolean probe, long readyTimeoutSeconds,
      List<Long> serverPids, long clockTicks, int repeat, int watchers, int putRate, int leases,
      long leaseTtlSeconds) {

    static Options parse(String[] args) {
      String system = null;
      String protocol = null;
      List<InetSocketAddress> endpoints = new ArrayList<>();
      List<Workload> workloads = Workload.defaults();
      int leases = 10_000;
      long leaseTtl = 600;
      List<Integer> clients = List.of(1, 16, 128);
      long seconds = 20;
      long warmup = 20;
      long ramp = 2;
      int keys = 10_000;
      int valueBytes = 256;
      long timeoutMillis = 5_000;
      int zkSessions = 1;
      long seed = 1;
      boolean probe = false;
      long ready = 60;
      List<Long> serverPids = List.of();
      long clockTicks = 100;
      int repeat = 1;
      int watchers = 0;
      int putRate = 1_000;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--probe")) {
          probe = true;
          continue;
        }
        if (a.equals("-h") || a.equals("--help")) {
          throw new IllegalArgumentException("help");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + a);
        }
        String v = args[++i];
        switch (a) {
          case "--system" -> system = v;
          case "--protocol" -> protocol = v;
          case "--endpoints" -> endpoints = parseEndpoints(v);
          case "--workloads" -> {
            List<Workload> list = new ArrayList<>();
            for (String w : v.split(",")) {
              list.add(Workload.parse(w));
            }
            workloads = List.copyOf(list);
          }
          case "--clients" -> {
            List<Integer> list = new ArrayList<>();
            for (String c : v.split(",")) {
              list.add(positive(a, Integer.parseInt(c.trim())));
            }
            clients = List.copyOf(list);
          }
          case "--seconds" -> seconds = positive(a, Long.parseLong(v));
          case "--warmup-seconds" -> warmup = Long.parseLong(v);
          case "--ramp-seconds" -> ramp = Long.parseLong(v);
          case "--keys" -> keys = positive(a, Integer.parseInt(v));
          case "--value-bytes" -> valueBytes = positive(a, Integer.parseInt(v));
          case "--timeout-ms" -> timeoutMillis = positive(a, Long.parseLong(v));
          case "--zk-sessions-per-server" -> zkSessions = positive(a, Integer.parseInt(v));
          case "--seed" -> seed = Long.parseLong(v);
          case "--ready-timeout-seconds" -> ready = positive(a, Long.parseLong(v));
          case "--server-pids" -> {
            List<Long> list = new ArrayList<>();
            for (String pid : v.split(",")) {
              if (!pid.isBlank()) {
                list.add(positive(a, Long.parseLong(pid.trim())));
              }
            }
            serverPids = List.copyOf(list);
          }
          case "--clock-ticks" -> clockTicks = positive(a, Long.parseLong(v));
          case "--repeat" -> repeat = positive(a, Integer.parseInt(v));
          case "--watchers" -> watchers = positive(a, Integer.parseInt(v));
          case "--put-rate" -> putRate = positive(a, Integer.parseInt(v));
          case "--leases" -> leases = positive(a, Integer.parseInt(v));
          case "--lease-ttl-seconds" -> leaseTtl = positive(a, Long.parseLong(v));
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (system == null || endpoints.isEmpty()) {
        throw new IllegalArgumentException("--system and --endpoints are required");
      }
      if (protocol == null) {
        protocol = system.toLowerCase(Locale.ROOT).startsWith("zookeeper") ? "zookeeper" : "etcd";
      }
      if (!protocol.equals("etcd") && !protocol.equals("zookeeper")) {
        throw new IllegalArgumentException("--protocol must be etcd or zookeeper");
      }
      if (warmup < 0 || ramp < 0) {
        throw new IllegalArgumentException("--warmup-seconds and --ramp-seconds must not be negative");
      }
      return new Options(system, protocol, endpoints, workloads, clients, seconds, warmup, ramp, keys, valueBytes,
          timeoutMillis, zkSessions, seed, probe, ready, serverPids, clockTicks, repeat, watchers, putRate, leases,
          leaseTtl);
    }

    private static <T extends Number> T positive(String option, T value) {
      if (value.longValue() <= 0) {
        throw new IllegalArgumentException(option + " must be positive");
      }
      return value;
    }

    private static List<InetSocketAddress> parseEndpoints(String text) {
      List<InetSocketAddress> list = new ArrayList<>();
      for (String part : text.split(",")) {
        String p = part.trim();
        if (p.startsWith("http://")) {
          p = p.substring("http://".length());
        }
        int colon = p.lastIndexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException("endpoint '" + part + "' is not host:port");
        }
        list.add(InetSocketAddress.createUnresolved(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
      }
      return List.copyOf(list);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().equals("help")) {
        System.err.println("LoadGenerator: " + e.getMessage());
      }
      System.err.println("usage: LoadGenerator --system NAME --endpoints HOST:PORT,... [--protocol etcd|zookeeper]"
          + " [--workloads put,get-linearizable,get-serializable,mix] [--clients 1,16,128] [--seconds S]"
          + " [--warmup-seconds S] [--ramp-seconds S] [--keys N] [--value-bytes N] [--timeout-ms MS]"
          + " [--zk-sessions-per-server N] [--seed N] [--server-pids PID,... [--clock-ticks HZ]] [--repeat N]"
          + " [--leases N] [--lease-ttl-seconds S] (workload lease-keep-alive)"
          + " | --probe ... [--ready-timeout-seconds S]"
          + " | --watchers N [--put-rate R] (watch fan-out)");
      System.exit(2);
      return;
    }
    int status = options.probe() ? probe(options)
        : options.watchers() > 0 ? watchFanOut(options, System.out)
        : run(options, System.out);
    System.exit(status);
  }

  private static byte[][] values(Options options) {
    Random random = new Random(options.seed());
    byte[][] values = new byte[VALUE_VARIANTS][options.valueBytes()];
    for (byte[] value : values) {
      random.nextBytes(value);
    }
    return values;
  }

  private static KvTarget connect(Options options, Duration connectBound) throws Exception {
    byte[][] values = values(options);
    Duration timeout = Duration.ofMillis(options.timeoutMillis());
    if (options.protocol().equals("zookeeper")) {
      return new ZooKeeperTarget(options.endpoints(), options.zkSessionsPerServer(), options.keys(), values,
          connectBound);
    }
    return new EtcdTarget(options.endpoints(), options.keys(), values, timeout);
  }

  private static void log(Options options, String message) {
    System.err.println(Instant.now() + " loadgen[" + options.system() + "]: " + message);
  }

  /** Waits until a put and a linearizable get succeed through every connection; 0 when they did. */
  static int probe(Options options) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.readyTimeoutSeconds());
    String last = "not tried";
    while (System.nanoTime() < deadline) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      try (KvTarget target = connect(options, Duration.ofMillis(Math.min(left, options.timeoutMillis())))) {
        target.prepare(1, Duration.ofMillis(options.timeoutMillis()));
        int n = target.connections();
        Pipelined.run(n, 1, Duration.ofMillis(options.timeoutMillis()), 1, (i, done) -> target.put(i, 0, done));
        Pipelined.run(n, 1, Duration.ofMillis(options.timeoutMillis()), 1, (i, done) -> target.get(i, 0, true, done));
        log(options, "ready: a put and a linearizable get succeeded through " + n + " connection(s)");
        return 0;
      } catch (Exception e) {
        last = e.toString();
      }
      long rest = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      TimeUnit.MILLISECONDS.sleep(Math.min(500, rest));
    }
    log(options, "not ready after " + options.readyTimeoutSeconds() + " s; last failure: " + last);
    return 1;
  }

  /** The watch fan-out measurement: one JSON line; 0 when events were delivered. */
  static int watchFanOut(Options options, PrintStream out) throws Exception {
    if (!options.protocol().equals("etcd")) {
      throw new IllegalArgumentException("--watchers needs the etcd protocol");
    }
    JsonLine line = WatchFanOut.run(options, options.watchers(), options.putRate());
    out.println(line);
    out.flush();
    log(options, WatchFanOut.describe(line));
    return line.toString().contains("\"events_delivered\":0,") ? 1 : 0;
  }

  static int run(Options options, PrintStream out) throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "loadgen-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
    ServerCpu serverCpu = new ServerCpu(options.serverPids(), options.clockTicks());
    try (KvTarget target = connect(options, Duration.ofSeconds(30))) {
      List<String> endpoints = options.endpoints().stream().map(e -> e.getHostString() + ":" + e.getPort()).toList();
      log(options, "connected to " + endpoints + " over " + target.connections() + " connection(s)");
      long t0 = System.nanoTime();
      target.prepare(options.keys(), Duration.ofSeconds(300));
      log(options, String.format(Locale.ROOT, "wrote %d keys of %d bytes in %.1f s", options.keys(),
          options.valueBytes(), (System.nanoTime() - t0) / 1e9));
      if (options.workloads().contains(Workload.LEASE_KEEP_ALIVE)) {
        long t1 = System.nanoTime();
        target.prepareLeases(options.leases(), options.leaseTtlSeconds(), Duration.ofSeconds(300));
        log(options, String.format(Locale.ROOT, "granted %d leases of %d s in %.1f s", options.leases(),
            options.leaseTtlSeconds(), (System.nanoTime() - t1) / 1e9));
      }
      if (options.warmupSeconds() > 0) {
        long each = TimeUnit.SECONDS.toNanos(options.warmupSeconds()) / options.workloads().size();
        for (Workload workload : options.workloads()) {
          ClosedLoop.Result r = ClosedLoop.run(target, serverCpu, workload, 16, range(options, workload), 0, each,
              timeoutNanos, timer, options.seed() ^ 0x5eedL);
          log(options, String.format(Locale.ROOT, "warm-up %s: %.0f ops/s, %d errors%s",
              workload.label(), r.throughput(), r.errors(), r.firstError() == null ? "" : " (" + r.firstError() + ")"));
        }
      }
      int failures = 0;
      long seed = options.seed();
      for (Workload workload : options.workloads()) {
        for (int clients : options.clients()) {
          for (int round = 1; round <= options.repeat(); round++) {
            long ramp = round == 1 ? TimeUnit.SECONDS.toNanos(options.rampSeconds()) : 0;
            ClosedLoop.Result r = ClosedLoop.run(target, serverCpu, workload, clients, range(options, workload),
                ramp, TimeUnit.SECONDS.toNanos(options.seconds()), timeoutNanos, timer, ++seed);
            out.println(json(options, target, r).put("round", round));
            out.flush();
            log(options, String.format(Locale.ROOT, "%s x%d%s: %.0f ops/s, p50 %d us, p99 %d us, p99.9 %d us, max %d us, "
                    + "%d errors", workload.label(), clients, options.repeat() > 1 ? " round " + round : "",
                r.throughput(), r.micros().getValueAtPercentile(50), r.micros().getValueAtPercentile(99),
                r.micros().getValueAtPercentile(99.9), r.micros().getMaxValue(), r.errors()));
            if (r.ops() == 0) {
              failures++;
            }
          }
        }
      }
      return failures == 0 ? 0 : 1;
    } finally {
      timer.shutdownNow();
      timer.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** What a workload's operations pick from: the leases for keep-alives, else the keys. */
  private static int range(Options options, Workload workload) {
    return workload == Workload.LEASE_KEEP_ALIVE ? options.leases() : options.keys();
  }

  /** The machine's 1-minute load average at the end of a point (others' work shows up here), or -1. */
  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static JsonLine json(Options options, KvTarget target, ClosedLoop.Result r) {
    Histogram h = r.micros();
    boolean any = h.getTotalCount() > 0;
    return new JsonLine()
        .put("system", options.system())
        .put("workload", r.workload().label())
        .put("clients", r.clients())
        .put("ops", r.ops())
        .put("seconds", r.seconds())
        .put("throughput_ops_s", r.throughput())
        .put("p50_us", any ? h.getValueAtPercentile(50) : -1)
        .put("p99_us", any ? h.getValueAtPercentile(99) : -1)
        .put("p999_us", any ? h.getValueAtPercentile(99.9) : -1)
        .put("max_us", any ? h.getMaxValue() : -1)
        .put("mean_us", any ? h.getMean() : -1)
        .put("errors", r.errors())
        .put("timeouts", r.timeouts())
        .put("client_cpu_us_per_op", r.cpuMicrosPerOp())
        .put("client_cpu_cores", r.cpuCores())
        .put("server_cpu_us_per_op", r.serverCpuMicrosPerOp())
        .put("server_cpu_cores", r.serverCpuCores())
        .put("connections", target.connections())
        .put("keys", options.keys())
        .put("leases", r.workload() == Workload.LEASE_KEEP_ALIVE ? options.leases() : 0)
        .put("value_bytes", options.valueBytes())
        .put("drained", r.drained())
        .put("first_error", r.firstError())
        .put("loadavg_1m", loadAverage())
        .put("time", Instant.now().toString());
  }
}
