package io.synod.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.FileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaStorageTest {
  private static final Configuration CONFIG = Configuration.ofSize(3);
  private static final WalConfig WAL = WalConfig.small();
  private static final Path DIR = Path.of("/replica-1");

  private static Entry entry(long slot, Ballot ballot, String command) {
    return new Entry(slot, ballot, Batch.of(command.getBytes(StandardCharsets.UTF_8)));
  }

  private static PersistRequest request(long seq, Ballot promised, List<Entry> entries, long chosen, long trim) {
    return new PersistRequest(seq, promised, entries, chosen, trim, false);
  }

  private static DurableState reopen(FileSystem fs, Path dir) throws Exception {
    ReplicaStorage.Opened opened = ReplicaStorage.open(fs, dir, 1, CONFIG, WAL);
    opened.storage().close();
    return opened.state();
  }

  @Test
  void roundTripOnRealDisk(@TempDir Path dir) throws Exception {
    Ballot b = new Ballot(3, 2);
    ReplicaStorage storage = ReplicaStorage.open(NioFileSystem.INSTANCE, dir, 1, CONFIG, WAL).storage();
    storage.write(request(1, b, List.of(entry(1, b, "a"), entry(2, b, "b")), 1, 0));
    storage.write(request(2, null, List.of(entry(2, new Ballot(4, 1), "b")), 2, 0));
    storage.sync();
    storage.close();
    DurableState state = reopen(NioFileSystem.INSTANCE, dir);
    assertThat(state.promised()).isEqualTo(b);
    assertThat(state.chosenUpTo()).isEqualTo(2);
    assertThat(state.entries()).extracting(Entry::slot).containsExactly(1L, 2L);
    assertThat(state.entries().get(1).ballot()).isEqualTo(new Ballot(4, 1));
    assertThat(state.forgotten()).isFalse();
  }

  @Test
  void crashLosesUnsyncedEntriesButNeverAPromise() throws Exception {
    for (long seed = 1; seed <= 50; seed++) {
      SimFileSystem fs = new SimFileSystem(new SplittableRandom(seed));
      Ballot b = new Ballot(1, 1);
      ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL).storage();
      storage.write(request(1, b, List.of(entry(1, b, "synced")), -1, 0));
      storage.sync();
      Ballot higher = new Ballot(2, 3);
      storage.write(request(2, higher, List.of(entry(2, b, "unsynced")), -1, 0));
      fs.crash();
      DurableState state = reopen(fs, DIR);
      assertThat(state.promised()).as("seed %d", seed).isEqualTo(higher);
      assertThat(state.entries()).as("seed %d", seed).extracting(Entry::slot).contains(1L);
      assertThat(state.entries().get(0)).isEqualTo(entry(1, b, "synced"));
    }
  }

  @Test
  void snapshotsAndTrimmingBoundTheLog() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(7));
    Ballot b = new Ballot(1, 1);
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL).storage();
    for (long slot = 1; slot <= 400; slot++) {
      storage.write(request(slot, slot == 1 ? b : null, List.of(entry(slot, b, "c" + slot)), slot, 0));
      storage.sync();
    }
    storage.writeSnapshot(new SnapshotHandle(380, CONFIG), "state@380".getBytes(StandardCharsets.UTF_8));
    storage.write(request(401, null, List.of(), -1, 371));
    storage.sync();
    long segmentsAfterTrim = fs.list(storage.logDirectory()).size();
    storage.close();
    DurableState state = reopen(fs, DIR);
    assertThat(state.snapshot().slot()).isEqualTo(380);
    assertThat(new String(state.snapshotData(), StandardCharsets.UTF_8)).isEqualTo("state@380");
    assertThat(state.entries()).extracting(Entry::slot).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(381, 400).boxed().toList());
    assertThat(state.chosenUpTo()).isEqualTo(400);
    assertThat(segmentsAfterTrim).isLessThan(10);
  }

  @Test
  void corruptionInTheMiddleOfTheLogIsReportedNotSkipped() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(3));
    Ballot b = new Ballot(1, 1);
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL).storage();
    for (long slot = 1; slot <= 100; slot++) {
      storage.write(request(slot, null, List.of(entry(slot, b, "command-" + slot)), -1, 0));
    }
    storage.sync();
    Path first = fs.list(storage.logDirectory()).get(0);
    storage.close();
    fs.flipBit(first, 200, 3);
    assertThatThrownBy(() -> ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL))
        .isInstanceOf(StorageCorruptException.class)
        .hasMessageContaining(first.getFileName().toString());
  }

  @Test
  void everyRecordNamesItsGroupAndAnotherGroupsStorageIsRefused() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(5));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 7, CONFIG, WAL).storage();
    storage.write(request(1, new Ballot(2, 1), List.of(entry(1, new Ballot(2, 1), "x")), 1, 0));
    storage.sync();
    storage.close();
    assertThat(ReplicaStorage.open(fs, DIR, 7, CONFIG, WAL).state().entries()).hasSize(1);
    assertThatThrownBy(() -> ReplicaStorage.open(fs, DIR, 8, CONFIG, WAL))
        .isInstanceOf(StorageCorruptException.class).hasMessageContaining("of group 7, not 8");
    // Without the acceptor state, the log's records still say whose they are.
    fs.delete(DIR.resolve("acceptor.state"));
    assertThatThrownBy(() -> ReplicaStorage.open(fs, DIR, 8, CONFIG, WAL))
        .isInstanceOf(StorageCorruptException.class).hasMessageContaining("is of group 7, not 8");
  }

  @Test
  void corruptAcceptorStateIsReported() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(4));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL).storage();
    storage.write(request(1, new Ballot(5, 2), List.of(), -1, 0));
    storage.close();
    fs.flipBit(DIR.resolve("acceptor.state"), 6, 1);
    assertThatThrownBy(() -> ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL))
        .isInstanceOf(StorageCorruptException.class).hasMessageContaining("acceptor.state");
  }

  @Test
  void wipeStartsARebuildThatSurvivesCrashesUntilItEnds() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(5));
    ReplicaStorage.Opened wiped = ReplicaStorage.wipe(fs, DIR, 1, CONFIG, WAL);
    assertThat(wiped.state().forgotten()).isTrue();
    wiped.storage().close();
    fs.crash();
    // Restarting before the rebuild ended: the storage refuses to pretend it is whole.
    assertThatThrownBy(() -> ReplicaStorage.open(fs, DIR, 1, CONFIG, WAL))
        .isInstanceOf(StorageCorruptException.class).hasMessageContaining("unfinished rebuild")
        .matches(e -> ((StorageCorruptException) e).unfinishedRebuild());
    ReplicaStorage storage = ReplicaStorage.wipe(fs, DIR, 1, CONFIG, WAL).storage();
    Ballot b = new Ballot(9, 2);
    storage.write(new PersistRequest(1, b, List.of(), 5, 0, true));
    storage.sync();
    assertThat(storage.rebuilding()).isFalse();
    storage.close();
    fs.crash();
    DurableState state = reopen(fs, DIR);
    assertThat(state.forgotten()).isFalse();
    assertThat(state.promised()).isEqualTo(b);
  }

  @Test
  void wipeKeepsTheDirectoryAndItsLockFile(@TempDir Path dir) throws Exception {
    ReplicaStorage storage = ReplicaStorage.open(NioFileSystem.INSTANCE, dir, 1, CONFIG, WAL).storage();
    Ballot b = new Ballot(3, 2);
    storage.write(request(1, b, List.of(entry(1, b, "a")), 1, 0));
    storage.sync();
    storage.close();
    Path lockFile = dir.resolve(ReplicaStorage.LOCK_FILE);
    Files.writeString(lockFile, "4242\n", StandardCharsets.US_ASCII);
    Object lockFileKey = fileKey(lockFile);
    Object dirKey = fileKey(dir);

    ReplicaStorage.Opened wiped = ReplicaStorage.wipe(NioFileSystem.INSTANCE, dir, 1, CONFIG, WAL);
    wiped.storage().close();

    assertThat(wiped.state().forgotten()).isTrue();
    assertThat(Files.exists(dir.resolve("acceptor.state"))).isFalse();
    // The same file and directory, not new ones of the same names: a process's OS lock is on the
    // file itself, and a new file would be free for a second process to lock.
    assertThat(fileKey(lockFile)).isEqualTo(lockFileKey);
    assertThat(fileKey(dir)).isEqualTo(dirKey);
    assertThat(Files.readString(lockFile, StandardCharsets.US_ASCII)).isEqualTo("4242\n");
  }

  private static Object fileKey(Path path) throws Exception {
    Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    assertThat(key).as("file key of %s (this test needs a file system that has them)", path).isNotNull();
    return key;
  }
}
