package io.synod.wal.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimFileSystemTest {
  private static final Path DIR = Path.of("/sim/dir");

  @Test
  void syncedContentAndEntriesSurviveACrash() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(1));
    fs.createDirectories(DIR);
    Path file = DIR.resolve("a");
    try (FileHandle h = fs.open(file, true)) {
      write(h, "hello", 0);
      h.sync();
    }
    fs.syncDirectory(DIR);
    fs.crash();
    assertThat(read(fs, file)).isEqualTo("hello");
    assertThat(fs.crashes()).isEqualTo(1);
  }

  @Test
  void unsyncedDirectoryChangesAreLost() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(2));
    fs.createDirectories(DIR);
    Path kept = DIR.resolve("kept");
    try (FileHandle h = fs.open(kept, true)) {
      write(h, "old", 0);
      h.sync();
    }
    fs.syncDirectory(DIR);
    Path fresh = DIR.resolve("fresh");
    try (FileHandle h = fs.open(fresh, true)) {
      write(h, "new", 0);
      h.sync();
    }
    fs.atomicMove(fresh, kept);
    assertThat(read(fs, kept)).isEqualTo("new");
    fs.crash();
    assertThat(read(fs, kept)).isEqualTo("old");
    assertThat(fs.exists(fresh)).isFalse();
    // One entry differs from the durable state: "kept" points at the new file; "fresh" came and went.
    assertThat(fs.directoryChangesLost()).isEqualTo(1);
  }

  @Test
  void deletesAreDurableOnlyAfterDirectorySync() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(3));
    fs.createDirectories(DIR);
    Path file = DIR.resolve("f");
    fs.open(file, true).close();
    fs.syncDirectory(DIR);
    fs.delete(file);
    fs.crash();
    assertThat(fs.exists(file)).isTrue();
    fs.delete(file);
    fs.syncDirectory(DIR);
    fs.crash();
    assertThat(fs.exists(file)).isFalse();
  }

  @Test
  void aCrashKeepsASubsetOfUnsyncedWritesAndMayTearTheLast() throws IOException {
    int sawLoss = 0;
    int sawTear = 0;
    for (int seed = 0; seed < 200; seed++) {
      SimFileSystem fs = new SimFileSystem(new SplittableRandom(seed));
      fs.createDirectories(DIR);
      Path file = DIR.resolve("f");
      try (FileHandle h = fs.open(file, true)) {
        h.write(ByteBuffer.wrap(new byte[40]), 0);
        h.sync();
        for (int i = 0; i < 4; i++) {
          byte[] chunk = new byte[10];
          java.util.Arrays.fill(chunk, (byte) (i + 1));
          h.write(ByteBuffer.wrap(chunk), i * 10);
        }
      }
      fs.syncDirectory(DIR);
      fs.crash();
      byte[] after = bytes(fs, file);
      assertThat(after).hasSize(40);
      for (int i = 0; i < 4; i++) {
        // Each chunk is wholly kept, wholly lost, or (only the last) kept as a prefix.
        int kept = 0;
        while (kept < 10 && after[i * 10 + kept] == i + 1) {
          kept++;
        }
        for (int j = kept; j < 10; j++) {
          assertThat(after[i * 10 + j]).as("seed %d chunk %d byte %d", seed, i, j).isZero();
        }
        if (kept != 10 && kept != 0) {
          assertThat(i).as("only the last write may be torn").isEqualTo(3);
        }
      }
      sawLoss += fs.writesLost() > 0 ? 1 : 0;
      sawTear += fs.writesTorn() > 0 ? 1 : 0;
    }
    assertThat(sawLoss).isPositive();
    assertThat(sawTear).isPositive();
  }

  @Test
  void withReorderedPagesACrashCanKeepLaterBytesOfAWriteAndReportsTheDamageBeforeThem() throws IOException {
    int sawDamage = 0;
    for (int seed = 0; seed < 200; seed++) {
      SimFileSystem fs = new SimFileSystem(new SplittableRandom(seed));
      fs.reorderUnsyncedWrites(10, 0.25);
      fs.createDirectories(DIR);
      Path file = DIR.resolve("f");
      try (FileHandle h = fs.open(file, true)) {
        h.write(ByteBuffer.wrap(new byte[40]), 0);
        h.sync();
        // Two writes of two 10-byte pages each.
        for (int i = 0; i < 2; i++) {
          byte[] chunk = new byte[20];
          java.util.Arrays.fill(chunk, (byte) (i + 1));
          h.write(ByteBuffer.wrap(chunk), i * 20);
        }
      }
      fs.syncDirectory(DIR);
      fs.crash();
      byte[] after = bytes(fs, file);
      assertThat(after).hasSize(40);
      // Every page holds a prefix of its write's bytes and zeros after it.
      for (int page = 0; page < 4; page++) {
        int kept = 0;
        while (kept < 10 && after[page * 10 + kept] == page / 2 + 1) {
          kept++;
        }
        for (int j = kept; j < 10; j++) {
          assertThat(after[page * 10 + j]).as("seed %d page %d byte %d", seed, page, j).isZero();
        }
      }
      // The first write reached the disk in part while something after its first missing byte did:
      // that is the damage reported.
      int firstMissing = -1;
      boolean firstWriteReached = after[0] == 1 || after[10] == 1;
      for (int b = 0; b < 20 && firstMissing < 0; b++) {
        firstMissing = after[b] == 1 ? -1 : b;
      }
      boolean laterSurvived = false;
      for (int b = firstMissing + 1; firstMissing >= 0 && b < 40; b++) {
        laterSurvived |= after[b] != 0;
      }
      boolean expectDamage = firstWriteReached && firstMissing >= 0 && laterSurvived;
      if (expectDamage) {
        sawDamage++;
        assertThat(fs.lastCrashDamage()).as("seed %d", seed)
            .contains(new SimFileSystem.Damage(file, 0, 0, firstMissing, 20));
      } else {
        assertThat(fs.lastCrashDamage()).as("seed %d", seed)
            .noneMatch(d -> d.start() == 0);
      }
    }
    assertThat(sawDamage).isPositive();
  }

  @Test
  void handlesDieInACrash() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(4));
    fs.createDirectories(DIR);
    FileHandle h = fs.open(DIR.resolve("f"), true);
    fs.crash();
    assertThatThrownBy(() -> h.write(ByteBuffer.wrap(new byte[1]), 0))
        .isInstanceOf(IOException.class).hasMessageContaining("crash");
    assertThatThrownBy(h::sync).isInstanceOf(IOException.class);
  }

  @Test
  void corruptionChangesDurableBytes() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(5));
    fs.createDirectories(DIR);
    Path file = DIR.resolve("f");
    try (FileHandle h = fs.open(file, true)) {
      write(h, "abc", 0);
      h.sync();
    }
    fs.syncDirectory(DIR);
    fs.flipBit(file, 1, 0);
    assertThat(read(fs, file)).isEqualTo("acc");
    long offset = fs.corruptRandomByte(file);
    fs.crash();
    assertThat(bytes(fs, file)[(int) offset]).isNotEqualTo("acc".getBytes(StandardCharsets.UTF_8)[(int) offset]);
    assertThat(fs.bitsFlipped()).isEqualTo(1);
    assertThat(fs.bytesCorrupted()).isEqualTo(1);
  }

  @Test
  void listIsSortedAndIncludesSubdirectories() throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(6));
    fs.createDirectories(DIR.resolve("sub"));
    fs.open(DIR.resolve("b"), true).close();
    fs.open(DIR.resolve("a"), true).close();
    assertThat(fs.list(DIR)).containsExactly(DIR.resolve("a"), DIR.resolve("b"), DIR.resolve("sub"));
  }

  @Test
  void theSameSeedReplaysTheSameCrash() throws IOException {
    assertThat(crashOutcome(42)).isEqualTo(crashOutcome(42));
  }

  private static List<Byte> crashOutcome(long seed) throws IOException {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(seed));
    fs.createDirectories(DIR);
    Path file = DIR.resolve("f");
    try (FileHandle h = fs.open(file, true)) {
      for (int i = 0; i < 20; i++) {
        h.write(ByteBuffer.wrap(new byte[] {(byte) (i + 1), (byte) (i + 1)}), i * 2L);
      }
    }
    fs.syncDirectory(DIR);
    fs.crash();
    List<Byte> out = new ArrayList<>();
    for (byte b : bytes(fs, file)) {
      out.add(b);
    }
    return out;
  }

  private static void write(FileHandle h, String text, long position) throws IOException {
    h.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), position);
  }

  static byte[] bytes(FileSystem fs, Path file) throws IOException {
    try (FileHandle h = fs.open(file, false)) {
      ByteBuffer buf = ByteBuffer.allocate((int) h.size());
      while (buf.hasRemaining() && h.read(buf, buf.position()) >= 0) {
        // read until full
      }
      return buf.array();
    }
  }

  private static String read(FileSystem fs, Path file) throws IOException {
    return new String(bytes(fs, file), StandardCharsets.UTF_8);
  }
}
