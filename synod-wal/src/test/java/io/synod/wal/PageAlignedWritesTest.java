package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import io.synod.wal.fs.ForwardingFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The log's writes start and end on page boundaries, so that segments can be written around the page
 * cache and the kernel never reads an uncached page before writing into it; segments and the spare's
 * zeros go around the page cache when they can be aligned.
 */
class PageAlignedWritesTest {
  private static final Path DIR = Path.of("/sim/wal");

  /** Records every write to a segment file, and counts the files opened around the page cache. */
  private static final class Recording extends ForwardingFileSystem {
    final List<long[]> segmentWrites = new ArrayList<>();
    int spareUncachedOpens;
    int segmentUncachedOpens;

    Recording(FileSystem delegate) {
      super(delegate);
    }

    @Override
    public FileHandle openUncached(Path path) throws IOException {
      if (path.getFileName().toString().equals(SpareSegment.NAME)) {
        spareUncachedOpens++;
      } else {
        segmentUncachedOpens++;
      }
      return recording(path, delegate.openUncached(path));
    }

    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
      return recording(path, delegate.open(path, create));
    }

    private FileHandle recording(Path path, FileHandle handle) {
      boolean segment = SegmentFile.parse(path.getFileName().toString()) > 0;
      return new Handle(handle) {
        @Override
        public int write(ByteBuffer src, long position) throws IOException {
          int written = delegate.write(src, position);
          if (segment) {
            segmentWrites.add(new long[] {position, written});
          }
          return written;
        }
      };
    }
  }

  @Test
  void everyWriteToASegmentOfWholePagesIsARunOfWholePages() throws IOException {
    int segmentBytes = 4 * SegmentedLog.PAGE_BYTES;
    Recording fs = writeAndReadBack(segmentBytes);
    assertThat(fs.segmentUncachedOpens).as("segments of whole pages go around the page cache").isPositive();
    for (long[] write : fs.segmentWrites) {
      assertThat(write[0] % SegmentedLog.PAGE_BYTES).as("a write at %d starts on a page boundary", write[0]).isZero();
      assertThat(write[1] % SegmentedLog.PAGE_BYTES).as("a write of %d bytes is whole pages", write[1]).isZero();
    }
  }

  @Test
  void everyWriteToASegmentEndsOnAPageBoundaryOrAtTheSegmentEnd() throws IOException {
    // Segments of 4 pages plus a bit, so the last page of each is partial.
    int segmentBytes = 4 * SegmentedLog.PAGE_BYTES + 1000;
    Recording fs = writeAndReadBack(segmentBytes);
    assertThat(fs.segmentUncachedOpens).as("segments with a partial page stay in the page cache").isZero();
    for (long[] write : fs.segmentWrites) {
      long end = write[0] + write[1];
      assertThat(write[0] % SegmentedLog.PAGE_BYTES).as("a write at %d starts on a page boundary", write[0]).isZero();
      assertThat(end % SegmentedLog.PAGE_BYTES == 0 || end == segmentBytes)
          .as("a write of %d bytes at %d ends on a page boundary or the segment's end", write[1], write[0])
          .isTrue();
    }
  }

  /**
   * Appends 400 records of up to 600 bytes, syncing now and then, to a log with a 512-byte buffer, so
   * that records are written both through the buffer and on their own; then checks that they read back.
   */
  private static Recording writeAndReadBack(int segmentBytes) throws IOException {
    SplittableRandom random = new SplittableRandom(1);
    Recording fs = new Recording(new SimFileSystem(random.split()));
    WalConfig config = WalConfig.small().withSegmentBytes(segmentBytes);
    List<byte[]> appended = new ArrayList<>();
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      for (int i = 0; i < 400; i++) {
        byte[] payload = new byte[random.nextInt(config.recordBytesMax() + 1)];
        random.nextBytes(payload);
        log.append(1, payload);
        appended.add(payload);
        if (random.nextInt(4) == 0) {
          log.sync();
        }
      }
    }
    assertThat(fs.segmentWrites).hasSizeGreaterThan(100);
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      List<TestRecords.Rec> records = TestRecords.readAll(log);
      assertThat(records).hasSize(appended.size());
      for (int i = 0; i < records.size(); i++) {
        assertThat(records.get(i).payload()).isEqualTo(appended.get(i));
      }
    }
    return fs;
  }

  @Test
  void theSpareGoesAroundThePageCacheOnlyWhenItsPiecesCanBeAligned() throws IOException {
    Recording aligned = new Recording(new SimFileSystem(new SplittableRandom(2)));
    try (SegmentedLog log = SegmentedLog.open(aligned, DIR, WalConfig.small()).log()) {
      assertThat(log.spare().prepare()).isTrue();
    }
    assertThat(aligned.spareUncachedOpens).isEqualTo(1);

    Recording unaligned = new Recording(new SimFileSystem(new SplittableRandom(3)));
    try (SegmentedLog log = SegmentedLog.open(unaligned, DIR, WalConfig.small().withSegmentBytes(6000)).log()) {
      assertThat(log.spare().prepare()).isTrue();
    }
    assertThat(unaligned.spareUncachedOpens).as("6000 bytes are not whole pages").isZero();
  }
}
