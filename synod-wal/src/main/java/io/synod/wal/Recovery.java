package io.synod.wal;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a log: reads every segment from the oldest, checks that the records are intact and the
 * segments contiguous, and cuts off a torn tail.
 *
 * <p>The rule that separates a crash from corruption follows from how {@link SegmentedLog} writes:
 * a segment is preallocated with zeros and synced before it is used, every segment but the newest
 * was synced in full before the next one was created, and every byte range of a segment is written
 * with records once, apart from whole pages: a write runs from the start of the page the previous
 * write ended in (rewriting that page's records unchanged) to the end of the page its own records
 * end in (completed with the zeros the segment held there already, which the next write replaces
 * with records). So after a crash only the newest segment can hold unsynced data, and what a crash
 * does to unsynced writes is lose them (zeros), keep them, or keep a prefix of the last one. A lost
 * write followed by a kept one leaves zeros up to the page where the kept write starts, then the
 * end of the lost write's last record (rewritten by the kept write), then the kept write's records.
 * Therefore, in the newest segment, after the last intact record:
 *
 * <ul>
 *   <li>zeros, or a damaged record followed by nothing valid, is a torn tail: cut it off;
 *   <li>zeros followed by valid records, or by less than a page of other bytes at a page boundary
 *       and then valid records, is a run of unsynced writes the page cache wrote out of order
 *       (nothing after the zeros was ever synced, else the zeros would be data): cut it off;
 *   <li>anything else followed by a valid record cannot come from a crash: corruption. A damaged
 *       record right after the last intact one starts with its non-zero length, so it is never
 *       taken for the zeros of a lost write.
 * </ul>
 *
 * In any older segment every irregularity is corruption, and so is a gap between segments.
 *
 * <p>A segment taken from a {@link SpareSegment} keeps this rule: the spare's zeros were synced
 * before it was renamed, and its header is written and synced before any record. A crash in the
 * roll leaves either no new segment (the rename was lost), or a newest segment of zeros whose header
 * is missing or torn and which holds no record (deleted as an incomplete segment, as for inline
 * preallocation), or a complete empty segment. A file under the spare's name is never log data,
 * whatever it holds (a half-written spare, or a renamed one whose rename was lost): once the
 * segments check out it is deleted.
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  static final String MARK_TORN = "wal.torn-tail-truncated";
  static final String MARK_SPARE_DELETED = "wal.leftover-spare-deleted";
  /** An unsynced gap whose zeros end at a page boundary followed by the tail of a lost record. */
  static final String MARK_GAP_WITH_FRAGMENT = "wal.unsynced-gap-with-record-tail";

  /** The state of the log after recovery; {@code active} is null when no segment remains. */
  record Result(
      ArrayDeque<SegmentFile> segments,
      FileHandle active,
      int activeCapacityBytes,
      long activeEndOffset,
      long firstIndex,
      long lastIndex,
      RecoveryReport report) {}

  private final FileSystem fs;
  private final Path dir;
  private final SegmentReader reader;
  private final ByteBuffer zeros;
  private RecoveryReport.Truncation truncation;

  Recovery(FileSystem fs, Path dir, SegmentReader reader, ByteBuffer zeros) {
    this.fs = fs;
    this.dir = dir;
    this.reader = reader;
    this.zeros = zeros;
  }

  Result run() throws IOException {
    if (!fs.exists(dir)) {
      fs.createDirectories(dir);
    }
    List<SegmentFile> found = new ArrayList<>();
    for (Path path : fs.list(dir)) {
      long index = SegmentFile.parse(path.getFileName().toString());
      if (index >= 1) {
        found.add(new SegmentFile(index, path));
      }
    }
    ArrayDeque<SegmentFile> segments = new ArrayDeque<>();
    FileHandle active = null;
    int activeCapacity = 0;
    long activeEnd = 0;
    long nextIndex = found.isEmpty() ? 1 : found.get(0).firstIndex();
    for (int i = 0; i < found.size(); i++) {
      SegmentFile segment = found.get(i);
      boolean newest = i == found.size() - 1;
      if (segment.firstIndex() != nextIndex) {
        throw new WalCorruptionException(segment.path(), 0, "segment starts at index " + segment.firstIndex()
            + " but the previous segment ends at index " + (nextIndex - 1) + ": records are missing");
      }
      FileHandle handle = fs.open(segment.path(), false);
      boolean keepOpen = false;
      try {
        SegmentHeader header = readHeader(handle, segment);
        if (header == null && !newest) {
          throw new WalCorruptionException(segment.path(), 0, "segment header is missing or damaged");
        }
        if (header == null) {
          // The log continues in a fresh segment of the same name, created by SegmentedLog.
          dropIncompleteSegment(handle, segment);
          continue;
        }
        long size = handle.size();
        long limit = Math.min(size, header.capacityBytes());
        reader.reset(handle, segment.path(), limit);
        long offset = SegmentHeader.BYTES;
        long count = 0;
        int frame;
        while ((frame = reader.frameAt(offset)) > 0) {
          offset += frame;
          count++;
        }
        if (newest) {
          cutTornTail(handle, segment, offset, frame);
          completePreallocation(handle, segment, size, header.capacityBytes());
          // The records read back may sit only in the page cache (the writer was killed, not the
          // machine): one sync makes everything recovery keeps durable before anyone relies on it.
          handle.sync();
          keepOpen = true;
          active = handle;
          activeCapacity = header.capacityBytes();
          activeEnd = offset;
        } else {
          checkCleanEnd(segment, offset, frame);
        }
        segments.add(segment);
        nextIndex = segment.firstIndex() + count;
        Ensure.that(nextIndex >= segment.firstIndex(), "index arithmetic does not overflow");
      } finally {
        if (!keepOpen) {
          handle.close();
        }
      }
    }
    // Only now: a log refused as corrupt is left exactly as it was found.
    deleteLeftoverSpare();
    long bytesScanned = reader.bytesRead();
    long firstIndex = segments.isEmpty() ? nextIndex : segments.peekFirst().firstIndex();
    RecoveryReport report = new RecoveryReport(
        dir, segments.size(), firstIndex, nextIndex - 1, bytesScanned, Optional.ofNullable(truncation));
    LOG.info("recovered write-ahead log {}: records [{}, {}] in {} segments, {} bytes scanned",
        dir, firstIndex, nextIndex - 1, segments.size(), bytesScanned);
    return new Result(segments, active, activeCapacity, activeEnd, firstIndex, nextIndex - 1, report);
  }

  private void deleteLeftoverSpare() throws IOException {
    Path spare = dir.resolve(SpareSegment.NAME);
    if (!fs.exists(spare)) {
      return;
    }
    fs.delete(spare);
    fs.syncDirectory(dir);
    Ensure.that(!fs.exists(spare), "the leftover spare is gone");
    Marks.hit(MARK_SPARE_DELETED);
    LOG.info("deleted the spare segment {} left by an earlier run", spare);
  }

  /** The segment's header, or null if it is missing or damaged; a wrong first index is corruption. */
  private SegmentHeader readHeader(FileHandle handle, SegmentFile segment) throws IOException {
    // One small read: the reader's window is reset for the records right after.
    ByteBuffer bytes = ByteBuffer.allocate(SegmentHeader.BYTES);
    while (bytes.hasRemaining() && handle.read(bytes, bytes.position()) >= 0) {
      // Keep reading: a positional read may return fewer bytes than asked.
    }
    SegmentHeader header = bytes.hasRemaining() ? null : SegmentHeader.decode(bytes.flip());
    if (header != null && header.firstIndex() != segment.firstIndex()) {
      throw new WalCorruptionException(segment.path(), 8, "header names first index " + header.firstIndex()
          + " but the file name names " + segment.firstIndex());
    }
    return header;
  }

  private void dropIncompleteSegment(FileHandle handle, SegmentFile segment) throws IOException {
    long size = handle.size();
    reader.reset(handle, segment.path(), size);
    long valid = reader.nextValidFrame(0);
    if (valid >= 0) {
      throw new WalCorruptionException(segment.path(), 0,
          "segment header is damaged but a valid record follows at byte offset " + valid);
    }
    handle.close();
    fs.delete(segment.path());
    fs.syncDirectory(dir);
    record(new RecoveryReport.Truncation(RecoveryReport.Kind.INCOMPLETE_SEGMENT, segment.path(), 0, size));
  }

  /** In a segment that is not the newest, the records must end in zeros (the unused tail). */
  private void checkCleanEnd(SegmentFile segment, long offset, int frame) throws IOException {
    if (frame == Frame.BAD) {
      throw new WalCorruptionException(segment.path(), offset,
          "damaged record in a segment that was synced in full before a newer one was created");
    }
    if (frame == SegmentReader.END && reader.nextNonZero(offset) < reader.limit()) {
      throw new WalCorruptionException(segment.path(), offset, "partial record at the end of a synced segment");
    }
  }

  /** Decides, for the newest segment, whether the bytes after the last intact record may go. */
  private void cutTornTail(FileHandle handle, SegmentFile segment, long offset, int frame) throws IOException {
    long firstNonZero = reader.nextNonZero(offset);
    if (firstNonZero >= reader.limit()) {
      return;
    }
    Ensure.that(frame <= Frame.ZERO, "the scan stopped at a non-record");
    Ensure.that(frame >= Frame.BAD || frame == SegmentReader.END, "the scan stopped at a decided frame");
    long valid = reader.nextValidFrame(offset);
    RecoveryReport.Kind kind;
    if (valid < 0) {
      kind = RecoveryReport.Kind.TORN_RECORD;
    } else if (firstNonZero >= keptWriteStart(offset, valid)) {
      kind = RecoveryReport.Kind.UNSYNCED_GAP;
      Marks.hit("wal.unsynced-gap-discarded");
      if (firstNonZero < valid) {
        Marks.hit(MARK_GAP_WITH_FRAGMENT);
      }
    } else {
      throw new WalCorruptionException(segment.path(), offset,
          "damaged record followed by a valid record at byte offset " + valid);
    }
    long end = reader.endOfNonZero(offset);
    zero(handle, offset, end);
    handle.sync();
    record(new RecoveryReport.Truncation(kind, segment.path(), offset, end - offset));
  }

  /**
   * Where a kept write that holds the valid record at {@code valid} can start, when the records that
   * end at {@code offset} are followed by lost writes: at the start of the page {@code valid} lies in
   * (bringing the end of the lost write's last record along), or at {@code valid} itself if that page
   * also holds {@code offset}. Everything from {@code offset} up to there must be zeros.
   */
  private static long keptWriteStart(long offset, long valid) {
    long page = SegmentedLog.pageStart(valid);
    return page > offset ? page : valid;
  }

  /** A crash during preallocation can leave the newest segment short; finish it with zeros. */
  private void completePreallocation(FileHandle handle, SegmentFile segment, long size, int capacity)
      throws IOException {
    if (size >= capacity) {
      return;
    }
    Marks.hit("wal.segment-preallocation-completed");
    LOG.warn("segment {} is {} bytes, short of its {}: preallocating the rest", segment.path(), size, capacity);
    zero(handle, size, capacity);
    handle.sync();
  }

  private void zero(FileHandle handle, long from, long to) throws IOException {
    Ensure.that(from <= to, "zeroing [%d, %d) is a range", from, to);
    long position = from;
    while (position < to) {
      ByteBuffer chunk = zeros.duplicate();
      chunk.limit((int) Math.min(chunk.capacity(), to - position));
      while (chunk.hasRemaining()) {
        position += handle.write(chunk, position);
      }
    }
    Ensure.that(position == to, "zeroed exactly up to %d", to);
  }

  private void record(RecoveryReport.Truncation cut) {
    Ensure.that(truncation == null, "only the newest segment can have a torn tail");
    truncation = cut;
    Marks.hit(MARK_TORN);
    Marks.hit("wal.torn-tail." + cut.kind().name().toLowerCase(Locale.ROOT));
    LOG.warn("write-ahead log torn tail ({}): cut {} at byte offset {}, {} bytes discarded",
        cut.kind(), cut.file(), cut.offset(), cut.bytesDiscarded());
  }
}
