package io.synod.systest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One member of a test cluster as a child JVM running {@code io.synod.server.ServerMain}. It keeps
 * its data directory and log file across restarts; every start appends to the same log, after a
 * marker line. Only the {@link Process} handle this object started is ever signalled.
 */
final class MemberProcess {
  /** JVM options per the project's system-test rules: small heap, one CPU, a simple collector. */
  static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1");

  private static final long EXIT_WAIT_SECONDS = 15;

  private final int id;
  private final Path dataDir;
  private final Path log;
  private final List<String> command;
  private Process process;
  private int starts;

  MemberProcess(int id, String classpath, String membersSpec, Path dataDir, Path log) {
    this(id, classpath, membersSpec, dataDir, log, List.of());
  }

  /** With {@code serverArgs} after the member's own options. */
  MemberProcess(int id, String classpath, String membersSpec, Path dataDir, Path log, List<String> serverArgs) {
    this.id = id;
    this.dataDir = dataDir;
    this.log = log;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.command = new ArrayList<>();
    command.add(java);
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classpath, "io.synod.server.ServerMain",
        "--id", Integer.toString(id), "--members", membersSpec, "--data-dir", dataDir.toString()));
    command.addAll(serverArgs);
  }

  int id() {
    return id;
  }

  Path dataDir() {
    return dataDir;
  }

  /** The PID of the process last started; it must have been started. */
  /** Stops the running member with SIGSTOP (it keeps its files, sockets and locks, and changes nothing). */
  synchronized void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** Lets a member paused by {@link #pause} run again (SIGCONT). */
  synchronized void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String which) throws IOException, InterruptedException {
    if (!isRunning()) {
      throw new IllegalStateException("member " + id + " is not running");
    }
    // Only the process this object started, by its PID.
    Process kill = new ProcessBuilder("kill", which, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + which + " " + process.pid() + " failed");
    }
  }

  synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("member " + id + " was never started");
    }
    return process.pid();
  }

  synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the member on its data directory; it must not be running. */
  synchronized void start() throws IOException {
    if (isRunning()) {
      throw new IllegalStateException("member " + id + " is already running");
    }
    starts++;
    Files.writeString(log, "=== systest " + LocalTime.now() + ": start #" + starts + " of member " + id + " ===\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
        .start();
  }

  /** SIGKILL, then waits for the process to be gone. */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(process, "SIGKILL");
    marker("killed (SIGKILL)");
  }

  /**
   * SIGTERM and a bounded wait for the graceful shutdown; falls back to SIGKILL. Returns whether
   * the member exited on its own within the bound.
   */
  synchronized boolean stop() {
    if (process == null || !process.isAlive()) {
      return true;
    }
    marker("sent SIGTERM");
    process.destroy();
    boolean graceful = waitFor(process, EXIT_WAIT_SECONDS);
    if (!graceful) {
      process.destroyForcibly();
      awaitExit(process, "SIGKILL after an unanswered SIGTERM");
    }
    marker(graceful ? "stopped (SIGTERM), exit code " + process.exitValue()
        : "did not stop within " + EXIT_WAIT_SECONDS + " s of SIGTERM; killed");
    return graceful;
  }

  /**
   * Writes a thread dump of the running member ({@code jcmd PID Thread.print}) next to its log and
   * returns the file, or a line saying why there is none. Bounded in time; only for diagnostics.
   */
  synchronized String threadDump() {
    if (!isRunning()) {
      return "(member " + id + " is not running)";
    }
    Path out = log.resolveSibling(log.getFileName() + "." + LocalTime.now().toString().replace(':', '-') + ".threads");
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(process.pid()), "Thread.print")
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!jcmd.waitFor(20, TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        return "(jcmd did not finish within 20 s for member " + id + ")";
      }
      return out.toString();
    } catch (IOException e) {
      return "(cannot run jcmd for member " + id + ": " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  /** Everything in this member's log so far (every start's output, with the markers). */
  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + log, e);
    }
  }

  /** The last {@code lines} lines of this member's log. */
  String logTail(int lines) {
    try {
      if (!Files.exists(log)) {
        return "(no log yet)";
      }
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private void marker(String what) {
    try {
      Files.writeString(log, "=== systest " + LocalTime.now() + ": member " + id + " " + what + " ===\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitExit(Process p, String how) {
    if (!waitFor(p, EXIT_WAIT_SECONDS)) {
      throw new IllegalStateException("member " + id + " (pid " + p.pid() + ") still alive " + EXIT_WAIT_SECONDS
          + " s after " + how);
    }
  }

  private static boolean waitFor(Process p, long seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  static java.io.File nullDevice() {
    return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }
}
