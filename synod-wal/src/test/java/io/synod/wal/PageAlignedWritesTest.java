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
 * The log's writes end on page boundaries, so that the kernel never reads an uncached page before
 * writing into it, and the spare's zeros go around the page cache when they can be aligned.
 */
class PageAlignedWritesTest {
  private static final Path DIR = Path.of("/sim/wal");

  /** Records every write to a segment file, and counts the files opened around the page cache. */
  private static final class Recording extends ForwardingFileSystem {
    final List<long[]> segmentWrites = new ArrayList<>();
    int uncachedOpens;

    Recording(FileSystem delegate) {
      super(delegate);
    }

    @Override
    public FileHandle openUncached(Path path) throws IOException {
      uncachedOpens++;
      return super.openUncached(path);
    }

    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
      boolean segment = SegmentFile.parse(path.getFileName().toString()) > 0;
      return new Handle(delegate.open(path, create)) {
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
  void everyWriteToASegmentEndsOnAPageBoundaryOrAtTheSegmentEnd() throws IOException {
    SplittableRandom random = new SplittableRandom(1);
    Recording fs = new Recording(new SimFileSystem(random.split()));
    // Segments of 4 pages plus a bit, so the last page of each is partial; a 512-byte buffer, so
    // records of up to 600 bytes are written both through it and on their own.
    int segmentBytes = 4 * SegmentedLog.PAGE_BYTES + 1000;
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
    for (long[] write : fs.segmentWrites) {
      long end = write[0] + write[1];
      assertThat(end % SegmentedLog.PAGE_BYTES == 0 || end == segmentBytes)
          .as("a write of %d bytes at %d ends on a page boundary or the segment's end", write[1], write[0])
          .isTrue();
    }
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      List<TestRecords.Rec> records = TestRecords.readAll(log);
      assertThat(records).hasSize(appended.size());
      for (int i = 0; i < records.size(); i++) {
        assertThat(records.get(i).payload()).isEqualTo(appended.get(i));
      }
    }
  }

  @Test
  void theSpareGoesAroundThePageCacheOnlyWhenItsPiecesCanBeAligned() throws IOException {
    Recording aligned = new Recording(new SimFileSystem(new SplittableRandom(2)));
    try (SegmentedLog log = SegmentedLog.open(aligned, DIR, WalConfig.small()).log()) {
      assertThat(log.spare().prepare()).isTrue();
    }
    assertThat(aligned.uncachedOpens).isEqualTo(1);

    Recording unaligned = new Recording(new SimFileSystem(new SplittableRandom(3)));
    try (SegmentedLog log = SegmentedLog.open(unaligned, DIR, WalConfig.small().withSegmentBytes(6000)).log()) {
      assertThat(log.spare().prepare()).isTrue();
    }
    assertThat(unaligned.uncachedOpens).as("6000 bytes are not whole pages").isZero();
  }
}
