package io.synod.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code etcdctl} (v3 API) as a child process, with stdin, stdout and stderr going
 * through files in a scratch directory so that large inputs cannot deadlock on a pipe. Each run is
 * bounded in time; a run that overstays is killed (by its own handle) and reported.
 */
final class Etcdctl {
  /** Where Debian's etcd-client package installs it; {@code -Dsynod.etcdctl=...} overrides. */
  static final Path BINARY = Path.of(System.getProperty("synod.etcdctl", "/usr/bin/etcdctl"));

  private static final long RUN_TIMEOUT_SECONDS = 30;

  /** What one etcdctl run printed. */
  record Result(String command, int exitCode, String stdout, String stderr) {
    /** The line etcdctl prints last on failure, e.g. {@code Error: etcdserver: ...}. */
    String error() {
      String[] lines = stderr.strip().split("\n");
      return lines[lines.length - 1];
    }

    @Override
    public String toString() {
      return "$ " + command + "\n[exit " + exitCode + "]\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }

  private final Path scratch;
  private int runs;

  Etcdctl(Path scratch) throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install etcdctl 3.4 (Debian package etcd-client)"
          + " or point -Dsynod.etcdctl at one");
    }
    this.scratch = Files.createDirectories(scratch);
  }

  /** Runs {@code etcdctl --endpoints=ENDPOINTS ARGS} with no input. */
  Result run(String endpoints, String... args) throws IOException {
    return runWithInput(endpoints, "", args);
  }

  /** Runs {@code etcdctl --endpoints=ENDPOINTS ARGS} with {@code stdin} as its standard input. */
  synchronized Result runWithInput(String endpoints, String stdin, String... args) throws IOException {
    int run = ++runs;
    Path in = scratch.resolve("etcdctl-" + run + ".in");
    Path out = scratch.resolve("etcdctl-" + run + ".out");
    Path err = scratch.resolve("etcdctl-" + run + ".err");
    Files.writeString(in, stdin, StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--endpoints=" + endpoints,
        "--dial-timeout=3s", "--command-timeout=10s"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(in.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    Map<String, String> env = builder.environment();
    env.put("ETCDCTL_API", "3");
    Process process = builder.start();
    boolean exited;
    try {
      exited = process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exited = false;
    }
    String shown = String.join(" ", command.subList(1, command.size())).replace(BINARY.toString(), "etcdctl");
    if (!exited) {
      process.destroyForcibly();
      throw new AssertionError("etcdctl did not finish within " + RUN_TIMEOUT_SECONDS + " s: etcdctl " + shown);
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    // Inputs can be megabytes; keep the scratch directory small.
    Files.delete(in);
    return new Result("etcdctl " + abbreviate(shown), process.exitValue(), stdout, stderr);
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
  }
}
