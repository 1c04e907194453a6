package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/synod up} as a user runs it, on its own ports and data directory: it says what is
 * wrong before it starts anything and changes no file then; it announces the cluster only once all
 * three members serve; a member that fails is shown with its own error and the others are stopped;
 * a member that goes away is reported, and its peers log the loss and the new leader; an interrupt
 * stops every member.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LauncherTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern PIDS = Pattern.compile("\\(pids (\\d+) (\\d+) (\\d+)\\)");
  private static final Pattern LEADER = Pattern.compile("member (\\d+): leader is now member (\\d+)");

  @TempDir Path dir;

  @Test
  void upServesAfterEveryMemberDoesReportsALostLeaderAndStopsEveryMemberOnInterrupt() throws Exception {
    int base = Launcher.freePortBase();
    Path work = dir.resolve("work");
    Path data = work.resolve("data");
    Launcher up = Launcher.start(work, List.of(), "up", "--data", "data", "--ports", Integer.toString(base));
    List<ProcessHandle> members = new ArrayList<>();
    try {
      String banner = Await.until("bin/synod up to announce the cluster", START_TIMEOUT, () -> {
        if (!up.process().isAlive()) {
          throw new AssertionError("bin/synod up exited with status " + up.exitValue() + up.output());
        }
        return up.stdout().contains("synod: 3 members serving") ? up.stdout() : null;
      }, up::output);
      // Every member said it serves before the banner was printed.
      for (int id = 1; id <= 3; id++) {
        assertThat(log(data, id)).as("member %d's log when the banner appeared", id)
            .contains("synod member " + id + " serving clients on http://127.0.0.1:" + (base + 3 * (id - 1)));
      }
      assertThat(banner).contains("synod: client endpoints: 127.0.0.1:" + base + ",127.0.0.1:" + (base + 3)
          + ",127.0.0.1:" + (base + 6));
      Matcher pids = PIDS.matcher(banner.substring(banner.indexOf("synod: 3 members serving")));
      assertThat(pids.find()).as("pids in the banner%s", up.output()).isTrue();
      for (int id = 1; id <= 3; id++) {
        long pid = Long.parseLong(pids.group(id));
        ProcessHandle member = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        // Only members of the launcher this test started are ever signalled.
        assertThat(member.parent().map(ProcessHandle::pid)).contains(up.process().pid());
        members.add(member);
      }

      int leader = Await.until("the three members to log the same leader", LOG_TIMEOUT, () -> agreedLeader(data),
          up::output);
      long[] offsets = new long[4];
      for (int id = 1; id <= 3; id++) {
        offsets[id] = Files.size(logFile(data, id));
      }
      members.get(leader - 1).destroy(); // SIGTERM
      assertThat(members.get(leader - 1).onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
      for (int id = 1; id <= 3; id++) {
        if (id == leader) {
          continue;
        }
        int survivor = id;
        String lost = "member " + survivor + ": lost contact with member " + leader + " (connection to 127.0.0.1:"
            + (base + 3 * (leader - 1) + 1) + " closed; ";
        Await.until("member " + survivor + " to log the loss of member " + leader + " and a new leader", LOG_TIMEOUT,
            () -> {
              String since = log(data, survivor).substring((int) offsets[survivor]);
              Matcher m = LEADER.matcher(since);
              boolean newLeader = false;
              while (m.find()) {
                newLeader |= Integer.parseInt(m.group(2)) != leader;
              }
              return since.contains(lost) && newLeader ? since : null;
            }, () -> log(data, survivor) + up.output());
      }
      String gone = "synod: member " + leader + " (pid " + members.get(leader - 1).pid()
          + ") exited with signal TERM; 2 of 3 members still running";
      Await.until("bin/synod up to report the member that exited", LOG_TIMEOUT,
          () -> up.stderr().contains(gone) ? true : null, up::output);

      up.signal("-INT"); // Ctrl-C
      up.awaitExit(60);
      assertThat(up.exitValue()).as("exit status after an interrupt%s", up.output()).isEqualTo(130);
      for (ProcessHandle member : members) {
        assertThat(member.isAlive()).as("member pid %d after the interrupt%s", member.pid(), up.output()).isFalse();
      }
      assertThat(up.stdout() + up.stderr()).as("launcher output").doesNotContain("\u001b");
    } finally {
      stopAll(up, members);
    }
  }

  @Test
  void refusedStartsNameTheFactStartNothingAndChangeNoFile() throws Exception {
    int base = Launcher.freePortBase();
    Path work = dir.resolve("work");
    Path data = work.resolve("data");
    // A data directory as earlier runs leave it: one directory and one log per member.
    for (int id = 1; id <= 3; id++) {
      Files.createDirectories(data.resolve("node-" + id));
      Files.writeString(data.resolve("node-" + id).resolve("acceptor.state"), "state of member " + id);
      Files.writeString(logFile(data, id), "an earlier run of member " + id + "\n");
    }
    String ports = Integer.toString(base);
    Map<String, String> before = DirSnapshot.of(work);

    refused(work, before, "Unknown option: '--bogus'", "up", "--data", "data", "--ports", ports, "--bogus");
    refused(work, before, "synod: unexpected argument 'somedir' (to keep the data in a directory: "
        + "bin/synod up --data somedir)", "up", "--ports", ports, "somedir");
    refused(work, before, "Invalid value for option '--auto-compaction-retention': 'abc'",
        "up", "--data", "data", "--ports", ports, "--auto-compaction-retention", "abc");
    refused(work, before, "synod: --data needs a directory", "up", "--ports", ports, "--data");
    refused(work, before, "synod: --ports needs a port number in 1..65527", "up", "--data", "data", "--ports", "abc");

    ServerSocket takenFirst = listen(base + 3);
    try {
      refused(work, before, "member 2 cannot listen on 127.0.0.1:" + (base + 3) + " for clients: address already in use",
          "up", "--data", "data", "--ports", ports);
    } finally {
      takenFirst.close();
    }
    ServerSocket takenToo = listen(base + 7);
    try {
      refused(work, before, "member 3 cannot listen on 127.0.0.1:" + (base + 7) + " for peers: address already in use",
          "up", "--data", "data", "--ports", ports);
    } finally {
      takenToo.close();
    }
  }

  @Test
  void aDataDirectoryThatCannotBeWrittenIsNamedWithTheReason() throws Exception {
    Path work = dir.resolve("work");
    Path readOnly = Files.createDirectories(work.resolve("read-only"));
    Files.writeString(readOnly.resolve("kept"), "kept as it is");
    Map<String, String> before = DirSnapshot.of(work);
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      // root may write anywhere; without the capability that allows it, root meets the mode bits
      // like everyone else.
      List<String> prefix = isRoot() ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search") : List.of();
      Launcher up = Launcher.start(work, prefix, "up", "--data", "read-only", "--ports",
          Integer.toString(Launcher.freePortBase()));
      up.awaitExit(120);
      assertThat(up.exitValue()).as("exit status%s", up.output()).isEqualTo(2);
      assertThat(up.stderr()).contains("cannot create data directory read-only/node-1: " + readOnly
          + " is not writable: permission denied").contains("synod: nothing was started");
      assertThat(DirSnapshot.of(work)).as("files under %s", work).containsAllEntriesOf(before);
    } finally {
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aMemberThatFailsToStartIsShownWithItsErrorAndTheOthersAreStopped() throws Exception {
    int base = Launcher.freePortBase();
    Path work = dir.resolve("work");
    Path data = work.resolve("data");
    // Member 2's acceptor state is damaged: only opening its storage finds that out.
    Path damaged = Files.createDirectories(data.resolve("node-2")).resolve("acceptor.state");
    Files.writeString(damaged, "damaged");
    Launcher up = Launcher.start(work, List.of(), "up", "--data", "data", "--ports", Integer.toString(base));
    List<ProcessHandle> members = new ArrayList<>();
    try {
      up.awaitExit(120);
      assertThat(up.exitValue()).as("exit status%s", up.output()).isEqualTo(1);
      Matcher pids = PIDS.matcher(up.stdout());
      assertThat(pids.find()).as("pids of the started members%s", up.output()).isTrue();
      assertThat(up.stderr()).contains("synod: member 2 (pid " + pids.group(2)
          + ") exited with status 1 before it served clients:").contains("data/node-2/acceptor.state: corruption")
          .contains("synod: stopping members (pids " + pids.group(1) + " " + pids.group(3) + ")");
      assertThat(up.stdout()).doesNotContain("members serving");
      for (int id = 1; id <= 3; id++) {
        Optional<ProcessHandle> member = ProcessHandle.of(Long.parseLong(pids.group(id)));
        member.ifPresent(members::add);
        assertThat(member.map(ProcessHandle::isAlive)).as("member %d after bin/synod up exited", id)
            .isNotEqualTo(Optional.of(true));
      }
      assertThat(Files.readString(damaged, StandardCharsets.UTF_8)).as("the damaged file is left for inspection")
          .isEqualTo("damaged");
    } finally {
      stopAll(up, members);
    }
  }

  /** Runs bin/synod, which must refuse with {@code message} on stderr, start no member and change nothing. */
  private static void refused(Path work, Map<String, String> before, String message, String... args)
      throws IOException {
    Launcher up = Launcher.run(work, args);
    String what = "bin/synod " + String.join(" ", args);
    assertThat(up.exitValue()).as("exit status of %s%s", what, up.output()).isEqualTo(2);
    assertThat(up.stderr()).as("stderr of %s", what).contains(message);
    assertThat(up.stdout()).as("stdout of %s", what).doesNotContain("starting members");
    assertThat(up.stdout() + up.stderr()).as("output of %s", what).doesNotContain("\u001b");
    assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(work.toString())))
        .as("processes still running with %s in their command line after %s", work, what).isEmpty();
    Map<String, String> after = DirSnapshot.of(work);
    // The launcher's own output files are the only new entries.
    after.keySet().removeIf(name -> name.startsWith("launcher-"));
    Map<String, String> expected = new java.util.TreeMap<>(before);
    expected.keySet().removeIf(name -> name.startsWith("launcher-"));
    assertThat(after).as("files under %s after %s", work, what).isEqualTo(expected);
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(Cluster.HOST), port), 1);
    return socket;
  }

  /** The leader all three logs name last, or null while they differ or have named none. */
  private static Integer agreedLeader(Path data) {
    Integer agreed = null;
    for (int id = 1; id <= 3; id++) {
      Matcher m = LEADER.matcher(log(data, id));
      Integer last = null;
      while (m.find()) {
        last = Integer.parseInt(m.group(2));
      }
      if (last == null || (agreed != null && !agreed.equals(last))) {
        return null;
      }
      agreed = last;
    }
    return agreed;
  }

  private static Path logFile(Path data, int id) {
    return data.resolve("node-" + id + ".log");
  }

  private static String log(Path data, int id) {
    try {
      Path file = logFile(data, id);
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static boolean isRoot() throws IOException, InterruptedException {
    Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String out = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    id.waitFor(15, TimeUnit.SECONDS);
    return out.equals("0");
  }

  /** Whatever this test started and is still running: the launcher (whose trap stops its members), then the members. */
  private static void stopAll(Launcher up, List<ProcessHandle> members) throws InterruptedException {
    if (up.process().isAlive()) {
      up.process().destroy();
      up.process().waitFor(60, TimeUnit.SECONDS);
      up.process().destroyForcibly();
    }
    for (ProcessHandle member : members) {
      if (member.isAlive()) {
        member.destroyForcibly();
      }
    }
  }
}
