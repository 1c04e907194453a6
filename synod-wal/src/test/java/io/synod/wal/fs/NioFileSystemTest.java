package io.synod.wal.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NioFileSystemTest {
  @TempDir Path tmp;

  @Test
  void writesReadsTruncatesAndSyncs() throws IOException {
    FileSystem fs = NioFileSystem.INSTANCE;
    Path dir = tmp.resolve("a/b");
    fs.createDirectories(dir);
    Path file = dir.resolve("f");
    try (FileHandle h = fs.open(file, true)) {
      assertThat(h.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 2)).isEqualTo(4);
      h.sync();
      assertThat(h.size()).isEqualTo(6);
      h.truncate(4);
      ByteBuffer dst = ByteBuffer.allocate(10);
      assertThat(h.read(dst, 0)).isEqualTo(4);
      assertThat(dst.array()).startsWith(0, 0, 1, 2);
      assertThat(h.read(ByteBuffer.allocate(1), 4)).isEqualTo(-1);
    }
    fs.syncDirectory(dir);
    assertThat(fs.exists(file)).isTrue();
  }

  @Test
  void aFileOpenedAroundThePageCacheTakesAlignedWritesAndReadsBackNormally() throws IOException {
    FileSystem fs = NioFileSystem.INSTANCE;
    Path file = tmp.resolve("uncached");
    ByteBuffer block = ByteBuffer.allocateDirect(3 * 4096).alignedSlice(4096).limit(8192).slice();
    for (int i = 0; i < block.capacity(); i++) {
      block.put(i, (byte) (i * 7));
    }
    try (FileHandle h = fs.openUncached(file)) {
      int written = 0;
      while (block.hasRemaining()) {
        written += h.write(block, 4096 + block.position());
      }
      assertThat(written).isEqualTo(8192);
      h.sync();
      assertThat(h.size()).isEqualTo(4096 + 8192);
    }
    try (FileHandle h = fs.open(file, false)) {
      ByteBuffer dst = ByteBuffer.allocate(8192);
      while (dst.hasRemaining()) {
        assertThat(h.read(dst, 4096 + dst.position())).isPositive();
      }
      for (int i = 0; i < 8192; i++) {
        assertThat(dst.get(i)).isEqualTo((byte) (i * 7));
      }
    }
  }

  @Test
  void listsSortedMovesAndDeletes() throws IOException {
    FileSystem fs = NioFileSystem.INSTANCE;
    fs.open(tmp.resolve("b"), true).close();
    fs.open(tmp.resolve("a"), true).close();
    assertThat(fs.list(tmp)).containsExactly(tmp.resolve("a"), tmp.resolve("b"));
    fs.atomicMove(tmp.resolve("a"), tmp.resolve("b"));
    assertThat(fs.list(tmp)).containsExactly(tmp.resolve("b"));
    fs.delete(tmp.resolve("b"));
    fs.delete(tmp.resolve("missing"));
    assertThat(fs.list(tmp)).isEmpty();
    assertThatThrownBy(() -> fs.open(tmp.resolve("missing"), false)).isInstanceOf(IOException.class);
  }
}
