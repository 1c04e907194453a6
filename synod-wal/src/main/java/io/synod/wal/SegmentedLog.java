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
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log: records with dense indexes from 1, in segment files named by their first
 * index and preallocated with zeros. Records are framed by {@link Frame}; segments start with a
 * {@link SegmentHeader}.
 *
 * <p>One writer, explicit and synchronous: {@link #append} hands a record to a bounded write buffer
 * (written to the file when the buffer fills), {@link #sync} writes what is buffered and makes
 * everything appended durable. Each write starts and ends on a page boundary ({@link #PAGE_BYTES}),
 * so that segments can be written around the page cache ({@link FileSystem#openUncached}) when their
 * size is a whole number of pages. Nothing here starts a thread or reads a clock, so the simulator can
 * drive it step by step; {@link GroupCommitLog} is the thread-safe front for a real node. Not
 * thread-safe: use it from one thread at a time.
 *
 * <p>A roll takes the next segment from a {@link SpareSegment} when one is ready (renames it, writes
 * the header, syncs the file and the directory) and otherwise preallocates it inline. This class
 * never prepares a spare itself: {@link GroupCommitLog} runs a thread for that, and a caller that
 * drives the log alone gets inline preallocation, as before spares existed.
 *
 * <p>After an {@link IOException} from the file system the log refuses further work: whether the
 * failed write or sync reached the disk is unknown, so the only safe continuation is to close it and
 * {@link #open} it again, which recovers to what the disk really holds.
 */
public final class SegmentedLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedLog.class);
  /** Zeros for preallocating segments and cutting torn tails. */
  private static final int ZERO_CHUNK_BYTES = 1 << 20;
  /**
   * Every write starts and ends at a boundary of this size (or the segment's end), as a write around
   * the page cache must. It ends with the zeros that are on disk there anyway, and it starts with the
   * records of the page the previous write ended in, rewritten unchanged (kept in the write buffer), so
   * a crash that tears the rewrite leaves those bytes as they were. A lost write whose successor
   * survives thus leaves zeros, then the tail of its last record at the page boundary where the
   * successor starts, then the successor's records: {@link Recovery} cuts that off as unsynced.
   */
  static final int PAGE_BYTES = 4096;
  static final String MARK_ROLL_FROM_SPARE = "wal.roll-from-spare";

  /** An opened log and what recovery found on the way. */
  public record Recovered(SegmentedLog log, RecoveryReport report) {}

  private final FileSystem fs;
  private final Path dir;
  private final WalConfig config;
  /** Oldest first; the last one is the active segment appends go to. */
  private final ArrayDeque<SegmentFile> segments;
  /**
   * The records not yet written, after those of the page the last write ended in: its first byte is
   * at the file offset {@code pageStart(flushedOffset)}. Page-aligned, for writes around the cache.
   */
  private final ByteBuffer writeBuffer;
  private final ByteBuffer zeros;
  private final SegmentReader reader;
  private final SpareSegment spare;
  private final CRC32C crc = new CRC32C();

  private FileHandle active;
  private int activeCapacityBytes;
  /** End of the active segment's records, counting those still in the write buffer. */
  private long writeOffset;
  /**
   * End of the records handed to the file system; the write buffer holds the rest up to writeOffset,
   * after the records of the page this ends in.
   */
  private long flushedOffset;
  private long firstIndex;
  private long lastIndex;
  private long durableIndex;
  private long syncCount;
  private boolean failed;
  private boolean closed;

  private SegmentedLog(FileSystem fs, Path dir, WalConfig config, Recovery.Result recovered, ByteBuffer zeros,
      SegmentReader reader) throws IOException {
    this.fs = fs;
    this.dir = dir;
    this.config = config;
    this.segments = recovered.segments();
    // A page more than the appended records need, for the records kept from the page the last write
    // ended in, and one more for the zeros that complete a write's last page.
    this.writeBuffer = alignedBuffer(config.writeBufferBytes() + 2 * PAGE_BYTES);
    this.zeros = zeros;
    this.reader = reader;
    this.spare = new SpareSegment(fs, dir, config.segmentBytes(), zeros);
    this.spare.logReached(recovered.activeEndOffset());
    this.activeCapacityBytes = recovered.activeCapacityBytes();
    this.writeOffset = recovered.activeEndOffset();
    this.flushedOffset = recovered.activeEndOffset();
    this.active = recovered.active() == null
        ? null
        : reopenForWrites(recovered.active(), recovered.segments().peekLast());
    this.firstIndex = recovered.firstIndex();
    this.lastIndex = recovered.lastIndex();
    // Recovery keeps only records that are on disk and were synced there (or cut them off).
    this.durableIndex = recovered.lastIndex();
  }

  /**
   * Opens the log in {@code dir} (created if missing), recovering it: every record is checked, a
   * torn tail is cut off and reported, and the log is ready for appends when this returns.
   *
   * @throws WalCorruptionException if records are damaged or missing in a way a crash cannot
   *     explain; nothing is changed on disk in that case
   */
  public static Recovered open(FileSystem fs, Path dir, WalConfig config) throws IOException {
    Ensure.notNull(fs, "fs");
    Ensure.notNull(dir, "dir");
    config.validate();
    // Page-aligned, so that the spare's zeros can be written around the page cache.
    int zeroBytes = Math.min(ZERO_CHUNK_BYTES, config.segmentBytes());
    // Rounded up and a page more: the aligned slice loses up to a page at each end.
    ByteBuffer zeros = ByteBuffer.allocateDirect((int) pageEnd(zeroBytes) + PAGE_BYTES)
        .alignedSlice(PAGE_BYTES).limit(zeroBytes).slice();
    // Records are decoded up to what the read buffer holds, not only up to recordBytesMax: lowering
    // that limit in a later run must not turn records written under the old one into "corruption".
    SegmentReader reader = new SegmentReader(config.readBufferBytes(), config.readBufferBytes() - Frame.HEADER_BYTES);
    Recovery.Result result = new Recovery(fs, dir, reader, zeros).run();
    SegmentedLog log;
    try {
      log = new SegmentedLog(fs, dir, config, result, zeros, reader);
    } catch (IOException | RuntimeException e) {
      if (result.active() != null) {
        result.active().close();
      }
      throw e;
    }
    if (log.active == null) {
      log.startSegment(result.lastIndex() + 1, false);
    }
    Ensure.that(log.lastIndex >= log.firstIndex - 1, "recovered indexes are ordered");
    Ensure.that(log.active != null, "a recovered log has an active segment");
    return new Recovered(log, result.report());
  }

  /**
   * Appends a record and returns its index. The record is buffered or handed to the operating
   * system, not durable: call {@link #sync()} for that.
   *
   * @param type a record type in [0, 255], for the caller's own use
   * @param payload at most {@link WalConfig#recordBytesMax()} bytes; copied before this returns
   */
  public long append(int type, byte[] payload) throws IOException {
    checkUsable();
    Ensure.argument(type >= 0 && type <= Frame.TYPE_MAX, "type must be in [0, 255]");
    Ensure.notNull(payload, "payload");
    Ensure.argument(payload.length <= config.recordBytesMax(), "payload exceeds recordBytesMax");
    Ensure.that(lastIndex < Long.MAX_VALUE, "the index space is exhausted");
    int frameBytes = Frame.HEADER_BYTES + payload.length;
    boolean rolls = writeOffset + frameBytes > activeCapacityBytes;
    if (rolls && segments.size() >= config.segmentsMax()) {
      // Refused before anything is written, so the log stays usable once it is trimmed.
      throw new IOException("write-ahead log " + dir + " holds segmentsMax=" + config.segmentsMax()
          + " segments: trim it before appending more");
    }
    try {
      if (rolls) {
        roll();
      }
      if (frameBytes > writeBuffer.remaining()) {
        flush();
      }
      if (frameBytes <= writeBuffer.remaining()) {
        Frame.putHeader(writeBuffer, type, payload, crc);
        writeBuffer.put(payload);
      } else {
        writeLargeFrame(type, payload, frameBytes);
      }
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    writeOffset += frameBytes;
    lastIndex++;
    Ensure.that(writeOffset <= activeCapacityBytes, "the record fits its segment");
    Ensure.that(pageStart(flushedOffset) + writeBuffer.position() == writeOffset,
        "the buffer's bytes from the page of the flushed offset end at the write offset");
    return lastIndex;
  }

  /** Makes every appended record durable when it returns (one fdatasync, none if nothing is new). */
  public void sync() throws IOException {
    checkUsable();
    Ensure.that(durableIndex <= lastIndex, "the durable index is not beyond the last index");
    if (durableIndex == lastIndex) {
      return;
    }
    try {
      flush();
      active.sync();
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    syncCount++;
    durableIndex = lastIndex;
    Ensure.that(flushedOffset == writeOffset, "a sync leaves nothing buffered");
  }

  /** Index of the newest record appended; {@link #firstIndex()} - 1 when the log is empty. */
  public long lastIndex() {
    return lastIndex;
  }

  /** Index of the newest record known durable. */
  public long durableIndex() {
    return durableIndex;
  }

  /** Index of the oldest record kept; {@link #lastIndex()} + 1 when the log is empty. */
  public long firstIndex() {
    return firstIndex;
  }

  /** File syncs that made records durable so far (segment creation not counted). */
  public long syncCount() {
    return syncCount;
  }

  public int segmentCount() {
    return segments.size();
  }

  public Path directory() {
    return dir;
  }

  /**
   * The spare the next roll takes if it is ready. Thread-safe, unlike the log: another thread may
   * prepare it while the log's own thread appends.
   */
  SpareSegment spare() {
    return spare;
  }

  /** Visits every record with index ≥ {@code fromIndex}, in order. */
  public void replay(long fromIndex, RecordVisitor visitor) throws IOException {
    replay(fromIndex, lastIndex, visitor);
  }

  /**
   * Visits the records with indexes in {@code [fromIndex, toIndex]} (clipped to the log), in order,
   * reading segments with large sequential reads. Records still in the write buffer are handed to the
   * operating system first, which does not change what is durable.
   *
   * @throws WalCorruptionException if a record became unreadable since the log was opened
   */
  public void replay(long fromIndex, long toIndex, RecordVisitor visitor) throws IOException {
    checkUsable();
    Ensure.argument(fromIndex >= firstIndex, "fromIndex lies before the first record kept (trimmed)");
    Ensure.notNull(visitor, "visitor");
    long last = Math.min(toIndex, lastIndex);
    if (fromIndex > last) {
      return;
    }
    try {
      flush();
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    List<SegmentFile> list = new ArrayList<>(segments);
    for (int i = 0; i < list.size(); i++) {
      SegmentFile segment = list.get(i);
      long segmentLast = i + 1 < list.size() ? list.get(i + 1).firstIndex() - 1 : lastIndex;
      if (segmentLast < fromIndex || segment.firstIndex() > last) {
        continue;
      }
      replaySegment(segment, i + 1 == list.size(), Math.max(fromIndex, segment.firstIndex()),
          Math.min(last, segmentLast), visitor);
    }
  }

  private void replaySegment(SegmentFile segment, boolean isActive, long from, long to, RecordVisitor visitor)
      throws IOException {
    // A handle of its own, also for the active segment: reads through the page cache, in any size.
    try (FileHandle handle = fs.open(segment.path(), false)) {
      long limit = isActive ? writeOffset : handle.size();
      reader.reset(handle, segment.path(), limit);
      long offset = SegmentHeader.BYTES;
      for (long index = segment.firstIndex(); index <= to; index++) {
        int frame = reader.frameAt(offset);
        if (frame <= 0) {
          throw new WalCorruptionException(segment.path(), offset,
              "record " + index + " became unreadable after the log was opened");
        }
        if (index >= from) {
          visitor.visit(index, reader.typeAt(offset), reader.payloadAt(offset, frame));
        }
        offset += frame;
      }
    }
  }

  /**
   * Deletes the oldest segments whose records all have indexes below {@code index}, never the active
   * segment, and makes the deletion durable. Records below {@code index} in a kept segment stay.
   */
  public void trimBefore(long index) throws IOException {
    checkUsable();
    int deleted = 0;
    try {
      Iterator<SegmentFile> it = segments.iterator();
      SegmentFile segment = it.next();
      while (it.hasNext()) {
        SegmentFile next = it.next();
        // Every record of `segment` is below next.firstIndex(); delete it only if they are all below index.
        if (next.firstIndex() > index) {
          break;
        }
        // Oldest first: if a crash keeps only some of the deletions, the survivors are still contiguous.
        fs.delete(segment.path());
        deleted++;
        segment = next;
      }
      if (deleted > 0) {
        fs.syncDirectory(dir);
      }
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    for (int i = 0; i < deleted; i++) {
      segments.removeFirst();
    }
    Ensure.that(!segments.isEmpty(), "the active segment is never trimmed");
    firstIndex = Math.min(segments.peekFirst().firstIndex(), lastIndex + 1);
    Ensure.that(segments.size() < 2 || second().firstIndex() > index, "every segment wholly below index was trimmed");
  }

  /**
   * Makes everything appended durable and closes the log. A log that failed earlier is closed without
   * syncing. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (!failed) {
        sync();
      }
    } finally {
      closed = true;
      // A spare being prepared is abandoned; one left on disk is deleted when the log is opened.
      spare.close();
      active.close();
    }
  }

  private SegmentFile second() {
    Iterator<SegmentFile> it = segments.iterator();
    it.next();
    return it.next();
  }

  /** Ends the active segment and starts the next at {@code lastIndex + 1}. */
  private void roll() throws IOException {
    Ensure.that(segments.size() < config.segmentsMax(), "append checked the segment limit");
    flush();
    // A full segment is synced before the next exists, so only the newest segment can ever hold
    // unsynced data: recovery relies on that to tell a torn tail from corruption.
    active.sync();
    syncCount++;
    durableIndex = lastIndex;
    active.close();
    active = null;
    startSegment(lastIndex + 1, true);
  }

  /**
   * Creates a segment whose first record will be {@code first}, from the spare if {@code useSpare}
   * and one is ready, else by preallocating it here, and makes it durable: its header and zeros
   * synced and its directory entry synced, all before the first record is written to it.
   */
  private void startSegment(long first, boolean useSpare) throws IOException {
    Ensure.that(active == null, "the previous segment is closed");
    Ensure.that(first == lastIndex + 1, "a new segment continues the log");
    SegmentFile segment = SegmentFile.in(dir, first);
    boolean fromSpare = useSpare && spare.moveTo(segment.path());
    FileHandle handle = aroundCache(config.segmentBytes())
        ? fs.openUncached(segment.path())
        : fs.open(segment.path(), !fromSpare);
    // The header and the zeros after it to the end of its page (see PAGE_BYTES).
    ByteBuffer header = alignedBuffer(Math.min(PAGE_BYTES, config.segmentBytes()));
    header.put(new SegmentHeader(first, config.segmentBytes()).encode()).clear();
    try {
      if (fromSpare) {
        // The spare's zeros were synced before it was offered, so only the header is new. A crash
        // before the header is durable leaves a headerless newest segment of zeros (if the rename
        // survived it), which recovery deletes as an incomplete segment.
        Ensure.that(handle.size() == config.segmentBytes(), "the spare has the segment size");
        writeFully(handle, header, 0);
        Marks.hit(MARK_ROLL_FROM_SPARE);
      } else {
        // A file of this name can remain from a deleted incomplete segment whose deletion was lost.
        handle.truncate(0);
        long position = writeFully(handle, header, 0);
        // Zeros written now make the segment's blocks allocated, so a later fdatasync writes data
        // only, and a crash leaves zeros (never stale bytes) where records were not yet written.
        while (position < config.segmentBytes()) {
          ByteBuffer chunk = zeros.duplicate();
          chunk.limit((int) Math.min(chunk.capacity(), config.segmentBytes() - position));
          position = writeFully(handle, chunk, position);
        }
        Ensure.that(position == config.segmentBytes(), "the segment was preallocated to its size");
      }
      handle.sync();
      fs.syncDirectory(dir);
    } catch (IOException | RuntimeException e) {
      handle.close();
      throw e;
    }
    segments.addLast(segment);
    active = handle;
    activeCapacityBytes = config.segmentBytes();
    writeOffset = SegmentHeader.BYTES;
    flushedOffset = SegmentHeader.BYTES;
    // The header is the start of the page the first write rewrites.
    keepLastPage(header, 0, SegmentHeader.BYTES);
    if (segments.size() == 1) {
      firstIndex = first;
    }
    spare.logReached(writeOffset);
    LOG.debug("started segment {}{}", segment.path(), fromSpare ? " from the spare" : "");
  }

  /** Writes the rest of {@code src} at {@code position}; returns the position after it. */
  private static long writeFully(FileHandle handle, ByteBuffer src, long position) throws IOException {
    long end = position;
    while (src.hasRemaining()) {
      end += handle.write(src, end);
    }
    return end;
  }

  /**
   * Hands the write buffer to the file system in one write from the start of the page the previous
   * write ended in, completed with zeros to the end of its last page.
   */
  private void flush() throws IOException {
    if (flushedOffset == writeOffset) {
      return;
    }
    long start = pageStart(flushedOffset);
    int padding = paddingAfter(writeOffset);
    writeBuffer.limit(writeBuffer.capacity());
    writeBuffer.put(zeros.duplicate().clear().limit(padding));
    writeBuffer.flip();
    long end = writeFully(active, writeBuffer, start);
    flushedTo(end - padding);
    keepLastPage(writeBuffer, start, writeOffset);
    Ensure.that(flushedOffset == writeOffset, "everything buffered was written");
  }

  /** A write ended at {@code recordsEnd} plus its padding: the records up to it are handed over. */
  private void flushedTo(long recordsEnd) {
    Ensure.that(recordsEnd <= activeCapacityBytes, "writes stay inside the segment");
    flushedOffset = recordsEnd;
    spare.logReached(recordsEnd);
  }

  /**
   * Starts the write buffer with the records of the page {@code recordsEnd} lies in, taken from
   * {@code written}, whose first byte was written at {@code writtenStart}: the next write rewrites them.
   */
  private void keepLastPage(ByteBuffer written, long writtenStart, long recordsEnd) {
    int from = (int) (pageStart(recordsEnd) - writtenStart);
    int kept = (int) (recordsEnd - pageStart(recordsEnd));
    ByteBuffer page = written.duplicate().limit(from + kept).position(from);
    writeBuffer.clear().put(page);
    bufferAfter(kept);
  }

  /**
   * Readies the write buffer for appends after the {@code kept} bytes at its start: up to
   * {@link WalConfig#writeBufferBytes()} of records, the page after them left for the padding.
   */
  private void bufferAfter(int kept) {
    writeBuffer.limit(kept + config.writeBufferBytes()).position(kept);
  }

  /**
   * Reads the records of the page the end of the active segment recovery left lies in into the write
   * buffer, through recovery's handle (which reads in any size), and returns the handle to write
   * with: a new one around the page cache if segments are written that way. {@link #open} closes
   * recovery's handle if this throws.
   */
  private FileHandle reopenForWrites(FileHandle recovered, SegmentFile segment) throws IOException {
    Ensure.that(writeOffset == flushedOffset, "nothing is buffered yet");
    long start = pageStart(writeOffset);
    ByteBuffer page = writeBuffer.clear().limit((int) (writeOffset - start));
    while (page.hasRemaining()) {
      if (recovered.read(page, start + page.position()) < 0) {
        throw new IOException("segment " + segment.path() + " ends before its records' end at byte offset "
            + writeOffset);
      }
    }
    bufferAfter(page.position());
    if (!aroundCache(activeCapacityBytes)) {
      return recovered;
    }
    FileHandle handle = fs.openUncached(segment.path());
    recovered.close();
    return handle;
  }

  /**
   * Whether a segment of {@code capacityBytes} is written around the page cache: if it holds whole
   * pages, every write can be, and is, a run of whole pages.
   */
  private static boolean aroundCache(int capacityBytes) {
    return capacityBytes % PAGE_BYTES == 0;
  }

  /** A direct buffer of {@code bytes} (position 0, limit {@code bytes}) whose address is page-aligned. */
  private static ByteBuffer alignedBuffer(int bytes) {
    return ByteBuffer.allocateDirect((int) pageEnd(bytes) + PAGE_BYTES).alignedSlice(PAGE_BYTES).limit(bytes).slice();
  }

  /** Zero bytes from {@code end} to the end of its page, or of the segment if that comes first. */
  private int paddingAfter(long end) {
    return (int) (Math.min(pageEnd(end), activeCapacityBytes) - end);
  }

  /** {@code offset} rounded up to a page boundary. */
  private static long pageEnd(long offset) {
    return (offset + PAGE_BYTES - 1) & -PAGE_BYTES;
  }

  /** {@code offset} rounded down to a page boundary. */
  static long pageStart(long offset) {
    return offset & -PAGE_BYTES;
  }

  /**
   * A record larger than the write buffer goes to the file in one write of its own (the buffer was
   * flushed first), so that header and payload are never split across writes a crash could separate.
   */
  private void writeLargeFrame(int type, byte[] payload, int frameBytes) throws IOException {
    Ensure.that(flushedOffset == writeOffset, "the buffer was flushed before a large record");
    long start = pageStart(writeOffset);
    long end = writeOffset + frameBytes;
    int padding = paddingAfter(end);
    ByteBuffer frame = alignedBuffer((int) (end + padding - start));
    frame.put(writeBuffer.flip());
    Frame.putHeader(frame, type, payload, crc);
    // A new direct buffer holds zeros, so the padding is there already.
    frame.put(payload).position(frame.limit()).flip();
    flushedTo(writeFully(active, frame, start) - padding);
    keepLastPage(frame, start, end);
    Ensure.that(flushedOffset == end, "the large record was written whole");
  }

  private void checkUsable() throws IOException {
    if (closed) {
      throw new IOException("write-ahead log " + dir + " is closed");
    }
    if (failed) {
      throw new IOException("write-ahead log " + dir + " failed earlier; close and reopen it to recover");
    }
  }
}
