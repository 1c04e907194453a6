package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second {@code synod server} started on a running member's data directory: it must exit at once
 * with an error naming the directory and the running member's PID, and leave every file there as it
 * was, while the running member keeps serving. Two processes on one directory would be one Paxos
 * acceptor with two memories.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DataDirInUseTest {
  /** A refused start is one JVM start-up and one failed lock; the bound only covers a loaded machine. */
  private static final long SECOND_EXIT_SECONDS = 60;
  private static final long CALL_TIMEOUT_SECONDS = 10;

  @TempDir Path dir;

  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure();

  @Test
  void aSecondServerOnARunningMembersDataDirectoryExitsAndChangesNothing() throws Exception {
    try (Cluster cluster = Cluster.start(dir.resolve("cluster"), 1)) {
      logs.watch(cluster);
      Path data = cluster.dataDir(1);
      long firstPid = cluster.pid(1);
      // Stopped, the member changes nothing (it writes its spare segment in the background while it
      // runs) but keeps holding its lock: the directory can be compared byte for byte.
      cluster.pause(1);
      Map<String, String> before = DirSnapshot.of(data);
      assertThat(before).containsKey("synod.lock").containsKey("acceptor.state");

      List<Integer> ports = Cluster.freePorts(2);
      String members = "1=" + Cluster.HOST + ":" + ports.get(0) + "/" + Cluster.HOST + ":" + ports.get(1);
      Path stdout = dir.resolve("second.stdout");
      Path stderr = dir.resolve("second.stderr");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(MemberProcess.JVM_OPTIONS);
      command.addAll(List.of("-cp", ServerClasspath.resolve(), "io.synod.server.ServerMain",
          "--id", "1", "--members", members, "--data-dir", data.toString()));
      Process second = new ProcessBuilder(command)
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(MemberProcess.nullDevice()))
          .start();
      boolean exited;
      try {
        exited = second.waitFor(SECOND_EXIT_SECONDS, TimeUnit.SECONDS);
      } finally {
        if (second.isAlive()) {
          second.destroyForcibly();
          second.waitFor(15, TimeUnit.SECONDS);
        }
      }
      String out = Files.readString(stdout, StandardCharsets.UTF_8);
      String err = Files.readString(stderr, StandardCharsets.UTF_8);
      String streams = "\n--- stdout of the second process ---\n" + out + "\n--- stderr ---\n" + err;

      assertThat(exited).as("the second process exited within %d s%s", SECOND_EXIT_SECONDS, streams).isTrue();
      assertThat(second.exitValue()).as("exit status of the second process%s", streams).isEqualTo(1);
      assertThat(err).as("stderr of the second process").contains("synod: data directory " + data
          + " is in use by another synod process (pid " + firstPid + "); stop it first");
      assertThat(DirSnapshot.of(data)).as("files in %s after the refused start", data).isEqualTo(before);
      cluster.resume(1);

      assertThat(cluster.isRunning(1)).isTrue();
      assertThat(cluster.pid(1)).isEqualTo(firstPid);
      try (Client client = Client.builder().endpoints(cluster.clientUrl(1)).build()) {
        KV kv = client.getKVClient();
        kv.put(bytes("after"), bytes("still serving")).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        GetResponse got = kv.get(bytes("after")).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(got.getKvs()).hasSize(1);
        assertThat(got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("still serving");
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
