package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.wal.fs.FaultyFileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  private static final Path DIR = Path.of("/sim/state");
  private static final Path FILE = DIR.resolve("acceptor");

  private final SimFileSystem sim = new SimFileSystem(new SplittableRandom(3));
  private final FaultyFileSystem fs = new FaultyFileSystem(sim);

  @TempDir Path tmp;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void absentFileReadsEmptyAndWritesRoundTrip() throws IOException {
    sim.createDirectories(DIR);
    assertThat(AtomicFile.read(fs, FILE)).isEmpty();
    AtomicFile.write(fs, FILE, bytes("ballot 3"));
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("ballot 3")));
    AtomicFile.write(fs, FILE, new byte[0]);
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEmpty());
  }

  @Test
  void contentWrittenInPartsMakesTheSameFileAsJoined() throws IOException {
    sim.createDirectories(DIR);
    Path joined = DIR.resolve("joined");
    AtomicFile.write(fs, joined, bytes("head+body"));
    AtomicFile.write(fs, FILE, bytes("head"), new byte[0], bytes("+body"));
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("head+body")));
    try (var a = sim.open(joined, false); var b = sim.open(FILE, false)) {
      java.nio.ByteBuffer left = java.nio.ByteBuffer.allocate((int) a.size());
      java.nio.ByteBuffer right = java.nio.ByteBuffer.allocate((int) b.size());
      a.read(left, 0);
      b.read(right, 0);
      assertThat(right.array()).isEqualTo(left.array()).isEqualTo(AtomicFile.frame(bytes("head+body")));
    }
  }

  @Test
  void aLargeContentSyncedAsItIsWrittenReadsBackWhole() throws IOException {
    sim.createDirectories(DIR);
    SplittableRandom random = new SplittableRandom(11);
    byte[] head = new byte[100];
    byte[] body = new byte[AtomicFile.SYNC_EVERY_BYTES * 2 + 12_345];
    random.nextBytes(head);
    random.nextBytes(body);
    AtomicFile.write(fs, FILE, head, body);
    byte[] joined = new byte[head.length + body.length];
    System.arraycopy(head, 0, joined, 0, head.length);
    System.arraycopy(body, 0, joined, head.length, body.length);
    assertThat(AtomicFile.read(fs, FILE, joined.length)).hasValueSatisfying(v -> assertThat(v).isEqualTo(joined));
  }

  @Test
  void aCrashBeforeTheDirectorySyncKeepsTheOldVersion() throws IOException {
    sim.createDirectories(DIR);
    AtomicFile.write(fs, FILE, bytes("old"));
    fs.failDirectorySyncs(true);
    assertThatThrownBy(() -> AtomicFile.write(fs, FILE, bytes("new"))).isInstanceOf(IOException.class);
    // Before the crash the rename is visible; the crash undoes it.
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("new")));
    sim.crash();
    fs.failDirectorySyncs(false);
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("old")));
    assertThat(sim.directoryChangesLost()).isPositive();
  }

  @Test
  void aCompletedWriteSurvivesACrash() throws IOException {
    sim.createDirectories(DIR);
    AtomicFile.write(fs, FILE, bytes("old"));
    AtomicFile.write(fs, FILE, bytes("new"));
    sim.crash();
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("new")));
    // A temp file left by an interrupted write does not disturb the next one.
    fs.failDirectorySyncs(true);
    assertThatThrownBy(() -> AtomicFile.write(fs, FILE, bytes("newer but lost"))).isInstanceOf(IOException.class);
    fs.failDirectorySyncs(false);
    AtomicFile.write(fs, FILE, bytes("x"));
    sim.crash();
    assertThat(AtomicFile.read(fs, FILE)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("x")));
  }

  @Test
  void everyBitFlipIsDetected() throws IOException {
    sim.createDirectories(DIR);
    byte[] content = bytes("promised ballot (7, 2)");
    long size = AtomicFile.HEADER_BYTES + content.length;
    for (long offset = 0; offset < size; offset++) {
      for (int bit = 0; bit < 8; bit++) {
        AtomicFile.write(fs, FILE, content);
        sim.flipBit(FILE, offset, bit);
        assertThatThrownBy(() -> AtomicFile.read(fs, FILE))
            .isInstanceOf(WalCorruptionException.class)
            .hasMessageContaining(FILE.toString());
      }
    }
  }

  @Test
  void worksOnTheRealFileSystem() throws IOException {
    Path file = tmp.resolve("state");
    AtomicFile.write(NioFileSystem.INSTANCE, file, bytes("a"));
    AtomicFile.write(NioFileSystem.INSTANCE, file, bytes("bb"));
    assertThat(AtomicFile.read(NioFileSystem.INSTANCE, file))
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("bb")));
    assertThatThrownBy(() -> AtomicFile.read(NioFileSystem.INSTANCE, file, 1))
        .isInstanceOf(WalCorruptionException.class).hasMessageContaining("exceeds the limit");
  }
}
