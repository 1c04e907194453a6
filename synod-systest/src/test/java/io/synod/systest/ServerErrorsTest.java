package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synod server} refuses a start it cannot carry out with one message that names the fact to
 * act on (the member, the address, the host, the option) and a non-zero exit, before it has locked
 * or written its data directory: a member's real data directory is compared byte for byte.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ServerErrorsTest {
  private static final long EXIT_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void refusedStartsNameTheFactAndLeaveTheDataDirectoryAsItWas() throws Exception {
    Path data;
    try (Cluster cluster = Cluster.start(dir.resolve("cluster"), 1)) {
      data = cluster.dataDir(1);
      assertThat(cluster.stopAll()).as("members that did not stop gracefully").isEmpty();
    }
    Map<String, String> before = DirSnapshot.of(data);
    assertThat(before).containsKey("synod.lock").containsKey("acceptor.state");
    List<Integer> ports = Cluster.freePorts(3);
    String peer = "127.0.0.1:" + ports.get(0);
    String client = "127.0.0.1:" + ports.get(1);
    String other = "127.0.0.1:" + ports.get(2);
    String one = "1=" + peer + "/" + client;

    refused(data, before, "synod: cannot resolve host 'nosuch.invalid' in member 2's peer address nosuch.invalid:"
        + ports.get(2), "--id", "1", "--members", one + ",2=nosuch.invalid:" + ports.get(2) + "/" + other);
    refused(data, before, "synod: member 1's peer address and member 2's peer address are both " + peer,
        "--id", "1", "--members", one + ",2=" + peer + "/" + other);
    refused(data, before, "synod: member 1's client address and member 2's peer address are both " + client,
        "--id", "1", "--members", one + ",2=" + client + "/" + other);
    refused(data, before, "synod: --id 4 is not among the --members ids [1]", "--id", "4", "--members", one);
    refused(data, before, "synod: --max-request-bytes must be at least 1024, not 12",
        "--id", "1", "--members", one, "--max-request-bytes", "12");
    refused(data, before, "Invalid value for option '--quota-backend-bytes': 'lots'",
        "--id", "1", "--members", one, "--quota-backend-bytes", "lots");
    ServerSocket takenFirst = listen(ports.get(0));
    try {
      refused(data, before, "synod: member 1 cannot listen on " + peer + " for peers: address already in use",
          "--id", "1", "--members", one);
    } finally {
      takenFirst.close();
    }
    ServerSocket takenToo = listen(ports.get(1));
    try {
      refused(data, before, "synod: member 1 cannot listen on " + client + " for clients: address already in use",
          "--id", "1", "--members", one);
    } finally {
      takenToo.close();
    }
  }

  @Test
  void versionComesFromTheBuild() throws Exception {
    for (String flag : List.of("--version", "-V")) {
      Result result = server(dir, flag);
      assertThat(result.exit).as("exit status of --version%s", result).isZero();
      assertThat(result.stdout).as("%s", flag).matches("synod \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java [^)]+\\)\\n");
    }
  }

  private void refused(Path data, Map<String, String> before, String message, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", data.toString()));
    Result result = server(dir, all.toArray(String[]::new));
    String what = "synod server " + String.join(" ", all);
    assertThat(result.exit).as("exit status of %s%s", what, result).isIn(1, 2);
    assertThat(result.stderr).as("stderr of %s", what).contains(message);
    assertThat(result.stderr).as("stderr of %s", what).doesNotContain("\tat ");
    assertThat(DirSnapshot.of(data)).as("files in %s after %s", data, what).isEqualTo(before);
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(Cluster.HOST), port), 1);
    return socket;
  }

  private record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }

  /** Runs {@code ServerMain ARGS} as its own process, to its end (bounded). */
  private static Result server(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(MemberProcess.JVM_OPTIONS);
    command.addAll(List.of("-cp", ServerClasspath.resolve(), "io.synod.server.ServerMain"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "server", ".stdout");
    Path err = Files.createTempFile(dir, "server", ".stderr");
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(MemberProcess.nullDevice()))
        .start();
    try {
      if (!process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("synod server " + String.join(" ", args) + " did not exit within " + EXIT_SECONDS
            + " s\n" + Files.readString(err, StandardCharsets.UTF_8));
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
      }
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
