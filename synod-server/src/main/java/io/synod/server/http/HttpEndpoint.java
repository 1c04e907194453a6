package io.synod.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.synod.server.metrics.ServerMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's HTTP port (the JDK's HTTP server): {@code /metrics} (Prometheus), {@code /livez},
 * {@code /readyz} and {@code /health} (etcd's health endpoints, see {@link HealthChecks}), and a
 * status page for people at {@code /} that polls {@code /status.json} every second. Requests are
 * served by a few threads of its own, never by the node's or gRPC's.
 *
 * <p>The socket is bound by {@link #bind} before the member opens its storage, so that a busy port
 * stops the start before anything else happens; {@link #start} then serves.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  private static final int THREADS = 4;
  private static final String TEXT = "text/plain; charset=utf-8";
  /** Prometheus's text exposition format. */
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** The page loads its script and style from this member only, and talks to nothing else. */
  private static final String PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; "
          + "form-action 'none'; frame-ancestors 'none'";

  private final HttpServer server;
  private final int memberId;
  private ExecutorService executor;
  private ClusterStatus cluster;

  private HttpEndpoint(HttpServer server, int memberId) {
    this.server = server;
    this.memberId = memberId;
  }

  /**
   * Binds {@code address} without serving yet.
   *
   * @throws IOException naming the member and the address if it cannot be bound
   */
  public static HttpEndpoint bind(int memberId, InetSocketAddress address) throws IOException {
    try {
      return new HttpEndpoint(HttpServer.create(address, 64), memberId);
    } catch (BindException e) {
      throw new IOException("member " + memberId + " cannot listen on " + HttpAddress.format(address)
          + " for HTTP (metrics, health, status page): " + e.getMessage()
          + "; choose another address with --listen-http HOST:PORT, or turn it off with --listen-http none", e);
    } catch (IOException e) {
      throw new IOException("member " + memberId + " cannot listen on " + HttpAddress.format(address)
          + " for HTTP: " + e, e);
    }
  }

  /** The address it listens on, with the actual port. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** What the endpoint serves. */
  public record Sources(
      ServerMetrics metrics, Probes probes, ClusterStatus.Local local, long clusterId,
      List<ClusterStatus.MemberAddress> members) {}

  /** Starts serving. */
  public void start(Sources sources) {
    HealthChecks health = new HealthChecks(sources.probes());
    cluster = new ClusterStatus(memberId, sources.clusterId(), sources.members(), sources.local());
    server.createContext("/metrics", exchange -> serve(exchange, () -> {
      if (exactly(exchange, "/metrics") && allowGet(exchange)) {
        respond(exchange, 200, PROMETHEUS_TEXT, sources.metrics().scrape());
      }
    }));
    server.createContext("/livez", exchange -> serve(exchange, () -> checks(exchange, health, "livez")));
    server.createContext("/readyz", exchange -> serve(exchange, () -> checks(exchange, health, "readyz")));
    server.createContext("/health", exchange -> serve(exchange, () -> health(exchange, health)));
    server.createContext("/status.json", exchange -> serve(exchange, () -> {
      if (exactly(exchange, "/status.json") && allowGet(exchange)) {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        respond(exchange, 200, "application/json; charset=utf-8", cluster.json());
      }
    }));
    server.createContext("/", exchange -> serve(exchange, () -> page(exchange)));
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(THREADS, task -> {
      Thread t = new Thread(task, "synod-http-" + memberId + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
  }

  private interface Handler {
    void handle() throws IOException;
  }

  private static void serve(HttpExchange exchange, Handler handler) throws IOException {
    try (exchange) {
      handler.handle();
    } catch (IOException | RuntimeException e) {
      LOG.warn("HTTP {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      throw e;
    }
  }

  /** Whether the request is for {@code path} itself (a context also gets longer paths); else a 404. */
  private static boolean exactly(HttpExchange exchange, String path) throws IOException {
    if (exchange.getRequestURI().getPath().equals(path)) {
      return true;
    }
    respond(exchange, 404, TEXT, "404 page not found\n");
    return false;
  }

  private static boolean allowGet(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET");
    respond(exchange, 405, TEXT, "Method Not Allowed\n");
    return false;
  }

  /** {@code /livez}, {@code /readyz} and their single checks, as etcd answers them. */
  private static void checks(HttpExchange exchange, HealthChecks health, String kind) throws IOException {
    Map<String, HealthChecks.Check> checks = health.checks(kind);
    String path = exchange.getRequestURI().getPath();
    String root = "/" + kind;
    List<String> names;
    if (path.equals(root) || path.equals(root + "/")) {
      names = HealthChecks.without(checks, query(exchange, "exclude"));
    } else if (path.startsWith(root + "/") && checks.containsKey(path.substring(root.length() + 1))) {
      names = List.of(path.substring(root.length() + 1));
    } else {
      respond(exchange, 404, TEXT, "404 page not found\n");
      return;
    }
    if (!allowGet(exchange)) {
      return;
    }
    HealthChecks.Outcome outcome = HealthChecks.run(checks, names);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    if (!outcome.ok()) {
      // A failure always says which check failed and why.
      respond(exchange, 503, TEXT, outcome.lines() + "\n");
      return;
    }
    boolean verbose = exchange.getRequestURI().getRawQuery() != null && params(exchange).containsKey("verbose");
    respond(exchange, 200, TEXT, (verbose ? outcome.lines() : "") + "ok\n");
  }

  /** etcd's {@code /health}: {"health":"true","reason":""} or 503 with the reason. */
  private static void health(HttpExchange exchange, HealthChecks health) throws IOException {
    if (!exactly(exchange, "/health") || !allowGet(exchange)) {
      return;
    }
    Map<String, List<String>> params = params(exchange);
    boolean serializable = List.of("true").equals(params.getOrDefault("serializable", List.of()));
    HealthChecks.Outcome outcome = health.health(query(exchange, "exclude"), serializable);
    String body = new Json().beginObject().field("health", Boolean.toString(outcome.ok()))
        .field("reason", outcome.lines()).endObject().toString();
    if (outcome.ok()) {
      respond(exchange, 200, "application/json", body);
    } else {
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      respond(exchange, 503, TEXT, body + "\n");
    }
  }

  private static void page(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String resource;
    String type;
    switch (path) {
      case "/", "/index.html" -> {
        resource = "status.html";
        type = "text/html; charset=utf-8";
      }
      case "/status.js" -> {
        resource = "status.js";
        type = "text/javascript; charset=utf-8";
      }
      case "/status.css" -> {
        resource = "status.css";
        type = "text/css; charset=utf-8";
      }
      default -> {
        respond(exchange, 404, TEXT, "404 page not found\n");
        return;
      }
    }
    if (!allowGet(exchange)) {
      return;
    }
    byte[] body;
    try (InputStream in = HttpEndpoint.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("the status page's " + resource + " is missing from the class path");
      }
      body = in.readAllBytes();
    }
    exchange.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    respond(exchange, 200, type, body);
  }

  private static Set<String> query(HttpExchange exchange, String name) {
    Set<String> values = new HashSet<>();
    for (String value : params(exchange).getOrDefault(name, List.of())) {
      if (!value.isEmpty()) {
        values.add(value);
      }
    }
    return values;
  }

  /** The query's parameters, decoded; a name without a value maps to an empty string. */
  static Map<String, List<String>> params(HttpExchange exchange) {
    String raw = exchange.getRequestURI().getRawQuery();
    Map<String, List<String>> params = new java.util.TreeMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      params.computeIfAbsent(name, n -> new java.util.ArrayList<>()).add(value);
    }
    return params;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
    respond(exchange, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops serving and closes the peers' channels; exchanges still running are cut off. */
  @Override
  public void close() {
    // Not a grace period: the JDK's server waits all of it whenever a client keeps a connection
    // open, and every exchange here is short and safe to repeat.
    server.stop(0);
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }
}
