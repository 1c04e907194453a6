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
 * A long-running {@code etcdctl watch} child process whose output goes to a file, read as it grows.
 * Waits are on the output itself (bounded polling of the file); {@link #close} ends the process by
 * its own handle.
 */
final class EtcdctlWatch implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;
  private final String shown;

  private EtcdctlWatch(Process process, Path out, Path err, String shown) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.shown = shown;
  }

  /** Starts {@code etcdctl --endpoints=ENDPOINTS watch ARGS}; {@code name} names its output files. */
  static EtcdctlWatch start(Path scratch, String name, String endpoints, String... args) throws IOException {
    Files.createDirectories(scratch);
    Path out = scratch.resolve("watch-" + name + ".out");
    Path err = scratch.resolve("watch-" + name + ".err");
    List<String> command = new ArrayList<>(List.of(Etcdctl.BINARY.toString(), "--endpoints=" + endpoints,
        "--dial-timeout=3s", "watch"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("ETCDCTL_API", "3");
    return new EtcdctlWatch(builder.start(), out, err, "etcdctl " + String.join(" ", command.subList(1, command.size())));
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
