package io.synod.server;

import io.synod.paxos.ReadLeaseConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code synod server}: runs one member. Options can also come from a properties file given with
 * {@code --config} (keys are the long option names without dashes, e.g. {@code members=...}); flags
 * on the command line win.
 */
@Command(name = "synod server", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Runs one Synod member, serving the etcd v3 API.")
public final class ServerMain implements Callable<Integer> {
  @Option(names = "--id", required = true, description = "this member's id (1..63)")
  int id;

  @Option(names = "--members", required = true,
      description = "every member: id=peerHost:port/clientHost:port, comma-separated")
  String members;

  @Option(names = "--data-dir", required = true, description = "this member's data directory")
  Path dataDir;

  @Option(names = "--max-request-bytes", defaultValue = "" + ServerConfig.REQUEST_BYTES_DEFAULT,
      description = "largest client request (default: ${DEFAULT-VALUE})")
  int requestBytesMax;

  @Option(names = "--max-txn-ops", defaultValue = "" + ServerConfig.TXN_OPS_DEFAULT,
      description = "most operations in one transaction (default: ${DEFAULT-VALUE})")
  int txnOpsMax;

  @Option(names = "--wipe-on-corruption", description = "rebuild from peers if local storage is corrupt")
  boolean wipeOnCorruption;

  @Option(names = "--quota-backend-bytes", defaultValue = "0",
      description = "refuse writes once the store holds more than this many bytes, until compaction "
          + "frees space (default 0: an eighth of the JVM's maximum heap)")
  long quotaBytes;

  @Option(names = "--auto-compaction-retention", defaultValue = "" + ServerConfig.AUTO_COMPACTION_RETENTION_DEFAULT,
      description = "keep this many revisions of history and compact older ones automatically, as etcd's "
          + "revision mode does (default ${DEFAULT-VALUE}: the history lives on the heap; 0 keeps all of it "
          + "until a client compacts, as etcd does by default)")
  long autoCompactionRetention;

  @Option(names = "--read-leases", negatable = true, defaultValue = "false",
      description = "answer linearizable reads from this member's own state under read leases (docs/READ-LEASES.md); "
          + "every member of a cluster must agree (default: ${DEFAULT-VALUE})")
  boolean readLeases;

  @Option(names = "--read-lease-ms", defaultValue = "2000",
      description = "how long a read lease lasts after the request that earned it (default: ${DEFAULT-VALUE})")
  long readLeaseMillis;

  @Option(names = "--read-lease-renew-ms", defaultValue = "500",
      description = "how often a member renews its read leases (default: ${DEFAULT-VALUE})")
  long readLeaseRenewMillis;

  @Option(names = "--clock-drift-bound", defaultValue = "0.001",
      description = "the most any member's clock rate may differ from real time, as a fraction; read leases "
          + "stay safe within it (default: ${DEFAULT-VALUE})")
  double clockDriftBound;

  @Option(names = "--test-only-clock-rate", hidden = true, defaultValue = "1.0",
      description = "for tests of read leases only: run this member's clock at this rate")
  double testOnlyClockRate;

  @Option(names = "--listen-http", paramLabel = "HOST:PORT|none",
      description = "serve Prometheus metrics (/metrics), health (/livez, /readyz, /health) and a status page (/) "
          + "over HTTP here (default: the client address's host, client port + 2, e.g. 2381; none: no HTTP port)")
  String listenHttp;

  @Option(names = "--experimental-watch-progress-notify-interval", defaultValue = "10m",
      description = "how often a watcher that asked for progress notifications and got no events hears the "
          + "current revision, as a duration (500ms, 5s, 10m; default: ${DEFAULT-VALUE}, etcd's)")
  String watchProgressNotifyInterval;

  @Option(names = "--config", description = "a properties file with defaults for these options")
  Path configFile;

  @Option(names = "--check", description = "check the options, the member list, this member's addresses and "
      + "its data directory, then exit without starting or writing anything (status 0: it can start)")
  boolean check;

  @Override
  public Integer call() throws Exception {
    ReadLeaseConfig leases = ReadLeaseConfig.defaults().withEnabled(readLeases)
        .withTimes(readLeaseMillis * 1_000_000L, readLeaseRenewMillis * 1_000_000L).withRho(clockDriftBound);
    if (readLeases) {
      try {
        leases.validate(SynodServer.HEARTBEAT_NANOS);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--read-lease-ms " + readLeaseMillis + ", --read-lease-renew-ms "
            + readLeaseRenewMillis + ", --clock-drift-bound " + clockDriftBound + ": " + e.getMessage(), e);
      }
    }
    java.util.List<Member> all = Member.parseAll(members);
    Member self = all.stream().filter(m -> m.id() == id).findFirst().orElse(null);
    ServerConfig config = new ServerConfig(id, all, dataDir, requestBytesMax, txnOpsMax,
        wipeOnCorruption, quotaBytes, autoCompactionRetention, leases, testOnlyClockRate,
        self == null ? null : io.synod.server.http.HttpAddress.parse(listenHttp, self.client()),
        durationMillis("--experimental-watch-progress-notify-interval", watchProgressNotifyInterval));
    if (check) {
      StartChecks.dataDirUsable(config.dataDir());
      StartChecks.listenable(config);
      System.out.println("synod: member " + id + " can start: options, member list, addresses and data directory "
          + config.dataDir() + " checked");
      return 0;
    }
    SynodServer server = SynodServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("synod: error during shutdown: " + e);
      } finally {
        stopped.countDown();
      }
    }, "synod-shutdown"));
    server.awaitTermination();
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ServerMain());
    Path config = configFileArgument(args);
    if (config != null) {
      cli.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(config.toFile()));
    }
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("synod: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }

  private static Path configFileArgument(String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--config")) {
        return Path.of(args[i + 1]);
      }
    }
    return null;
  }

  /** Parses an etcd-style duration ("500ms", "5s", "10m", "1h") into milliseconds. */
  static long durationMillis(String option, String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(option + " takes a duration such as 500ms, 5s, 10m or 1h, not '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m" -> n * 60_000;
      default -> n * 3_600_000;
    };
  }
}
