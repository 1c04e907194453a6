package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.node.ReplicaStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory lock within one JVM. A second process is refused by the OS lock itself; that
 * case runs as real processes in synod-systest ({@code DataDirInUseTest}).
 */
class DataDirLockTest {
  private static final long PID = ProcessHandle.current().pid();

  @TempDir Path dir;

  @Test
  void aSecondLockInThisJvmIsRefusedAndChangesNothingUntilTheFirstIsClosed() throws Exception {
    Path data = dir.resolve("node-1");
    DataDirLock first = DataDirLock.acquire(data);
    Files.write(data.resolve("acceptor.state"), new byte[] {1, 2, 3});
    Files.createDirectories(data.resolve("wal"));
    Files.write(data.resolve("wal").resolve("next-segment.spare"), new byte[4096]);
    // Reading the lock file here closes a descriptor of it, which releases this JVM's OS lock on it
    // (POSIX record locks belong to the process). The refusal under test happens before the lock
    // file is opened, so it does not depend on that lock; another process would.
    Map<String, String> before = contents(data);

    assertThatThrownBy(() -> DataDirLock.acquire(data))
        .isInstanceOf(IOException.class)
        .hasMessage("data directory " + data + " is in use by another synod server in this process (pid " + PID
            + "); stop it first");
    // The same directory reached through a different spelling of its path is the same directory.
    assertThatThrownBy(() -> DataDirLock.acquire(data.resolve("wal").resolve("..")))
        .isInstanceOf(IOException.class).hasMessageContaining("(pid " + PID + ")");
    assertThat(contents(data)).isEqualTo(before);

    first.close();
    first.close();
    try (DataDirLock again = DataDirLock.acquire(data)) {
      assertThat(again.directory()).isEqualTo(data);
    }
    assertThat(Files.readString(data.resolve(ReplicaStorage.LOCK_FILE), StandardCharsets.US_ASCII))
        .isEqualTo(PID + "\n");
  }

  @Test
  void aLockTakenOtherwiseInThisJvmIsRefusedToo() throws Exception {
    Path lockFile = dir.resolve(ReplicaStorage.LOCK_FILE);
    Files.writeString(lockFile, "12345\n", StandardCharsets.US_ASCII);
    try (FileChannel other = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock held = other.lock();
      assertThat(held.isShared()).isFalse();
      Map<String, String> before = contents(dir);
      assertThatThrownBy(() -> DataDirLock.acquire(dir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("data directory " + dir + " is in use")
          .hasMessageContaining("(pid " + PID + ")");
      assertThat(contents(dir)).isEqualTo(before);
    }
    try (DataDirLock lock = DataDirLock.acquire(dir)) {
      assertThat(lock.directory()).isEqualTo(dir);
    }
    assertThat(Files.readString(lockFile, StandardCharsets.US_ASCII)).isEqualTo(PID + "\n");
  }

  @Test
  void aMissingDirectoryIsCreated() throws Exception {
    Path data = dir.resolve("a").resolve("b");
    try (DataDirLock lock = DataDirLock.acquire(data)) {
      assertThat(Files.isDirectory(data)).isTrue();
      assertThat(lock.directory()).isEqualTo(data);
    }
  }

  @Test
  void aDirectoryThatCannotBeCreatedIsNamedWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    assertThatThrownBy(() -> DataDirLock.acquire(file))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot create data directory " + file + ": " + file + " exists and is not a directory");
    assertThatThrownBy(() -> DataDirLock.acquire(file.resolve("node-1")))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot create data directory " + file.resolve("node-1") + ": Not a directory");
  }

  @Test
  void aLockFileThatCannotBeOpenedIsNamedWithTheReason() throws Exception {
    // A directory where the lock file belongs: opening it fails for every user, root included.
    Path data = Files.createDirectory(dir.resolve("blocked"));
    Files.createDirectory(data.resolve(ReplicaStorage.LOCK_FILE));
    Map<String, String> before = contents(data);
    assertThatThrownBy(() -> DataDirLock.acquire(data))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot open lock file " + data.resolve(ReplicaStorage.LOCK_FILE) + " in data directory "
            + data + ": ")
        .hasMessageContaining("directory");
    assertThat(contents(data)).isEqualTo(before);
  }

  @Test
  void theHolderIsNamedOnlyByWhatLooksLikeAPid() {
    Path lockFile = Path.of("/data/node-1/synod.lock");
    assertThat(DataDirLock.describeHolder(ascii("12345\n"), lockFile)).isEqualTo("pid 12345");
    assertThat(DataDirLock.describeHolder(ascii("12345"), lockFile)).isEqualTo("pid 12345");
    assertThat(DataDirLock.describeHolder(ascii(""), lockFile))
        .isEqualTo("pid unknown: /data/node-1/synod.lock is empty, so the holder may still be starting");
    for (String garbage : new String[] {"0\n", "-1\n", "12 34\n", "pid=1\n", "\u0000\u0000", "1\n\n",
        "12345678901234567890\n"}) {
      assertThat(DataDirLock.describeHolder(ascii(garbage), lockFile)).as("%s", garbage)
          .isEqualTo("pid unknown: /data/node-1/synod.lock does not hold a PID");
    }
    ByteBuffer notAscii = ByteBuffer.wrap(new byte[] {'1', (byte) 0xff, '\n'});
    assertThat(DataDirLock.describeHolder(notAscii, lockFile))
        .isEqualTo("pid unknown: /data/node-1/synod.lock does not hold a PID");
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Everything under {@code root} but itself, in path order: each file's relative path to its size
   * and content (Base64), each directory's to "directory".
   */
  private static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> entries = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : (Iterable<Path>) walk::iterator) {
        String name = root.relativize(path).toString();
        if (path.equals(root)) {
          continue;
        } else if (Files.isDirectory(path)) {
          entries.put(name, "directory");
        } else {
          byte[] bytes = Files.readAllBytes(path);
          entries.put(name, bytes.length + " bytes: " + Base64.getEncoder().encodeToString(bytes));
        }
      }
    }
    return entries;
  }
}
