package io.synod.systest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher, {@code bin/synod}, as a child process with its own working directory,
 * without building (SYNOD_SKIP_BUILD: the tests run after the modules were compiled) and with the
 * system tests' small-JVM options for the members. Its standard output and error go to files.
 */
final class Launcher {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private Launcher(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code bin/synod ARGS} in {@code workDir}; its output goes to files there. */
  static Launcher start(Path workDir, List<String> prefix, String... args) throws IOException {
    ServerClasspath.resolve(); // fails clearly if the server is not built
    Path script = ServerClasspath.projectRoot().resolve("bin").resolve("synod");
    // A shell cannot trap a signal that was ignored when it started (as SIGINT is for background
    // jobs): give the launcher SIGINT's default disposition, as a terminal's Ctrl-C finds it.
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT"));
    command.addAll(prefix);
    command.add(script.toString());
    command.addAll(List.of(args));
    Files.createDirectories(workDir);
    int n = 0;
    Path out;
    do {
      n++;
      out = workDir.resolve("launcher-" + n + ".stdout");
    } while (Files.exists(out) && n < 1000);
    Path err = workDir.resolve("launcher-" + n + ".stderr");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(MemberProcess.nullDevice()));
    Map<String, String> env = builder.environment();
    env.put("SYNOD_SKIP_BUILD", "1");
    env.put("JAVA_SERVER_OPTS", String.join(" ", MemberProcess.JVM_OPTIONS));
    // The members run on the same JDK as the tests.
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    return new Launcher(builder.start(), out, err);
  }

  /** Runs {@code bin/synod ARGS} to its end (bounded) and returns its exit status. */
  static Launcher run(Path workDir, String... args) throws IOException {
    Launcher launcher = start(workDir, List.of(), args);
    launcher.awaitExit(120);
    return launcher;
  }

  /** Waits up to {@code seconds} for the launcher to exit, then kills it (by its PID) and fails. */
  void awaitExit(long seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
        throw new AssertionError("bin/synod did not exit within " + seconds + " s" + output());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  Process process() {
    return process;
  }

  int exitValue() {
    return process.exitValue();
  }

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  /** Both streams, labelled, for assertion messages. */
  String output() {
    return "\n--- bin/synod stdout ---\n" + stdout() + "--- bin/synod stderr ---\n" + stderr();
  }

  /** Signals the launcher itself (only it: by its PID). */
  void signal(String which) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", which, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(15, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + which + " " + process.pid() + " failed");
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A base port for {@code bin/synod up --ports BASE}: BASE..BASE+8 all free (each member's client, peer and HTTP ports) on loopback now, below
   * the ephemeral range (see BUILD-NOTES), tried in a bounded walk from a start that differs by
   * process so that parallel test runs rarely meet.
   */
  static int freePortBase() throws IOException {
    int start = 20_000 + (int) (ProcessHandle.current().pid() % 1_300) * 9;
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + (start - 20_000 + attempt * 9) % 11_997;
      if (allFree(base, 9)) {
        return base;
      }
    }
    throw new IOException("no nine consecutive free loopback ports found between 20000 and 32000");
  }

  private static boolean allFree(int base, int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int port = base; port < base + count; port++) {
        ServerSocket s = new ServerSocket();
        held.add(s);
        s.bind(new java.net.InetSocketAddress(InetAddress.getByName(Cluster.HOST), port), 1);
      }
      return true;
    } catch (IOException busy) {
      return false;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
