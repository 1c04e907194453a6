package io.synod.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code etcdctl} child process ({@code watch}, {@code lock}, {@code elect}) whose
 * output goes to a file, read as it grows.
 * Waits are on the output itself (bounded polling of the file); {@link #close} ends the process by
 * its own handle.
 */
final class EtcdctlProcess implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;
  private final String shown;

  private EtcdctlProcess(Process process, Path out, Path err, String shown) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.shown = shown;
  }

  /** Starts {@code etcdctl --endpoints=ENDPOINTS watch ARGS}; {@code name} names its output files. */
  static EtcdctlProcess start(Path scratch, String name, String endpoints, String... args) throws IOException {
    return command(scratch, "watch-" + name, endpoints, "watch", args);
  }

  /**
   * Starts {@code etcdctl --endpoints=ENDPOINTS SUBCOMMAND ARGS}; {@code name} names its output
   * files.
   */
  static EtcdctlProcess command(Path scratch, String name, String endpoints, String subcommand, String... args)
      throws IOException {
    Files.createDirectories(scratch);
    Path out = scratch.resolve(name + ".out");
    Path err = scratch.resolve(name + ".err");
    List<String> command = new ArrayList<>(List.of(Etcdctl.BINARY.toString(), "--endpoints=" + endpoints,
        "--dial-timeout=3s", subcommand));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("ETCDCTL_API", "3");
    return new EtcdctlProcess(builder.start(), out, err, "etcdctl " + String.join(" ", command.subList(1, command.size())));
  }

  String output() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /**
   * Waits until the watcher has printed at least as much as {@code expected}, then returns what it
   * printed (which the caller compares, so a wrong line fails at once rather than at the timeout).
   */
  String awaitOutputOfLength(String expected, Duration timeout) {
    return Await.until("output of " + shown, timeout, () -> {
      String now = output();
      if (now.length() >= expected.length()) {
        return now;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("exited early with " + process.exitValue());
      }
      return null;
    }, this::diagnostics);
  }

  /** Waits (bounded) until the output holds {@code text}, and returns the output. */
  String awaitOutputContaining(String text, Duration timeout) {
    return Await.until("\"" + text + "\" in the output of " + shown, timeout, () -> {
      String now = output();
      if (now.contains(text)) {
        return now;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("exited early with " + process.exitValue());
      }
      return null;
    }, this::diagnostics);
  }

  /** Sends SIGINT, as a user's Ctrl-C does (etcdctl then releases what it holds and exits). */
  void interrupt() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -INT " + process.pid() + " failed");
    }
  }

  /** Sends SIGKILL: the process dies holding what it held (its lease then expires). */
  void kill() {
    process.destroyForcibly();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit by itself (a cancelled watch) and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(shown + " did not exit within " + timeout.toMillis() + " ms\n" + diagnostics());
    }
    return process.exitValue();
  }

  String diagnostics() {
    try {
      return "$ " + shown + "\n--- stdout ---\n" + output() + "--- stderr ---\n"
          + Files.readString(err, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "$ " + shown + " (output unreadable: " + e + ")";
    }
  }

  String stderr() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
