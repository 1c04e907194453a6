package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Marks;
import io.synod.wal.fs.FaultyFileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  private static final Path DIR = Path.of("/sim/snapshots");

  private final SimFileSystem sim = new SimFileSystem(new SplittableRandom(5));
  private final FaultyFileSystem fs = new FaultyFileSystem(sim);
  private final SnapshotStore store = new SnapshotStore(fs, DIR, WalConfig.small().withSnapshotsRetained(2));

  @TempDir Path tmp;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private void assertLatest(long slot, String metadata, String data) throws IOException {
    Snapshot snapshot = store.latest().orElseThrow();
    assertThat(snapshot.slot()).isEqualTo(slot);
    assertThat(snapshot.metadata()).isEqualTo(bytes(metadata));
    assertThat(snapshot.data()).isEqualTo(bytes(data));
  }

  @Test
  void keepsTheNewestAndDeletesOlderOnes() throws IOException {
    assertThat(store.latest()).isEmpty();
    store.write(10, bytes("m10"), bytes("d10"));
    store.write(20, bytes("m20"), bytes("d20"));
    store.write(30, bytes("m30"), bytes("d30"));
    assertThat(store.slots()).containsExactly(30L, 20L);
    assertLatest(30, "m30", "d30");
    sim.crash();
    assertThat(store.slots()).containsExactly(30L, 20L);
    assertLatest(30, "m30", "d30");
  }

  @Test
  void aCrashBeforeTheDirectorySyncLosesOnlyTheNewSnapshot() throws IOException {
    store.write(10, bytes("m10"), bytes("d10"));
    fs.failDirectorySyncs(true);
    assertThatThrownBy(() -> store.write(20, bytes("m20"), bytes("d20"))).isInstanceOf(IOException.class);
    sim.crash();
    fs.failDirectorySyncs(false);
    assertLatest(10, "m10", "d10");
    store.write(20, bytes("m20"), bytes("d20"));
    sim.crash();
    assertLatest(20, "m20", "d20");
  }

  @Test
  void aDamagedSnapshotFallsBackToThePreviousOne() throws IOException {
    store.write(10, bytes("m10"), bytes("d10"));
    store.write(20, bytes("m20"), bytes("d20"));
    long before = Marks.count("wal.snapshot-corrupt-skipped");
    sim.corruptRandomByte(DIR.resolve("snapshot-00000000000000000020.snap"));
    assertLatest(10, "m10", "d10");
    assertThat(Marks.count("wal.snapshot-corrupt-skipped")).isEqualTo(before + 1);
    sim.flipBit(DIR.resolve("snapshot-00000000000000000010.snap"), 13, 2);
    assertThat(store.latest()).isEmpty();
  }

  @Test
  void refusesSnapshotsBeyondTheLimit() {
    SnapshotStore tiny = new SnapshotStore(fs, DIR, WalConfig.small());
    byte[] big = new byte[WalConfig.small().snapshotBytesMax()];
    assertThatThrownBy(() -> tiny.write(1, new byte[0], big)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void worksOnTheRealFileSystem() throws IOException {
    SnapshotStore real = new SnapshotStore(NioFileSystem.INSTANCE, tmp.resolve("snaps"), WalConfig.defaults());
    real.write(5, bytes("meta"), new byte[100_000]);
    real.write(6, bytes("meta6"), bytes("six"));
    real.write(7, bytes("meta7"), bytes("seven"));
    assertThat(real.slots()).containsExactly(7L, 6L);
    assertThat(real.latest().orElseThrow().data()).isEqualTo(bytes("seven"));
  }
}
