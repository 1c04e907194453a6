package io.synod.wal;

import static io.synod.wal.TestRecords.appendDerived;
import static io.synod.wal.TestRecords.assertDerived;
import static io.synod.wal.TestRecords.offsetOf;
import static io.synod.wal.TestRecords.payload;
import static io.synod.wal.TestRecords.segmentPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Torn tails are cut and reported; damage a crash cannot explain is refused, naming file and offset. */
class RecoveryTest {
  private static final Path DIR = Path.of("/sim/wal");
  private static final WalConfig ONE_SEGMENT = WalConfig.small().withSegmentBytes(64 << 10);

  @TempDir Path tmp;

  private final SimFileSystem fs = new SimFileSystem(new SplittableRandom(11));

  /** Writes records 1..count, synced, into a single segment. */
  private void writeSynced(int count) throws IOException {
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, ONE_SEGMENT).log()) {
      appendDerived(log, count);
      log.sync();
      assertThat(log.segmentCount()).isEqualTo(1);
    }
  }

  private void writeRaw(Path file, long offset, byte[] bytes) throws IOException {
    try (FileHandle h = fs.open(file, false)) {
      h.write(ByteBuffer.wrap(bytes), offset);
      h.sync();
    }
  }

  private static byte[] frame(long index) {
    byte[] payload = payload(index);
    ByteBuffer buf = ByteBuffer.allocate(Frame.HEADER_BYTES + payload.length);
    Frame.putHeader(buf, TestRecords.type(index), payload, new CRC32C());
    buf.put(payload);
    return buf.array();
  }

  @Test
  void aPartialFinalRecordIsCutReportedLoggedAndCounted() throws IOException {
    writeSynced(10);
    Path segment = segmentPath(DIR, 1);
    long end = offsetOf(1, 11);
    byte[] partial = java.util.Arrays.copyOf(frame(11), 12);
    writeRaw(segment, end, partial);
    long before = Marks.count("wal.torn-tail-truncated");
    Logger logger = (Logger) LoggerFactory.getLogger(Recovery.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Level level = logger.getLevel();
    logger.setLevel(Level.WARN);
    logger.addAppender(appender);
    SegmentedLog.Recovered recovered;
    try {
      recovered = SegmentedLog.open(fs, DIR, ONE_SEGMENT);
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(level);
    }
    assertThat(Marks.count("wal.torn-tail-truncated")).isEqualTo(before + 1);
    RecoveryReport report = recovered.report();
    assertThat(report.tornTailTruncated()).isTrue();
    RecoveryReport.Truncation cut = report.truncation().orElseThrow();
    assertThat(cut.kind()).isEqualTo(RecoveryReport.Kind.TORN_RECORD);
    assertThat(cut.file()).isEqualTo(segment);
    assertThat(cut.offset()).isEqualTo(end);
    assertThat(cut.bytesDiscarded()).isPositive();
    assertThat(appender.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
        .contains(segment.toString()).contains("offset " + end));
    try (SegmentedLog log = recovered.log()) {
      assertThat(log.lastIndex()).isEqualTo(10);
      appendDerived(log, 3);
      log.sync();
    }
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, ONE_SEGMENT).log()) {
      assertThat(log.lastIndex()).isEqualTo(13);
      assertDerived(log);
    }
  }

  @Test
  void aFinalRecordFailingItsChecksumIsATornTail() throws IOException {
    writeSynced(10);
    long payloadOffset = offsetOf(1, 10) + Frame.HEADER_BYTES;
    fs.flipBit(segmentPath(DIR, 1), payloadOffset, 3);
    SegmentedLog.Recovered recovered = SegmentedLog.open(fs, DIR, ONE_SEGMENT);
    assertThat(recovered.report().truncation().orElseThrow().offset()).isEqualTo(offsetOf(1, 10));
    assertThat(recovered.log().lastIndex()).isEqualTo(9);
    recovered.log().close();
  }

  @Test
  void zerosFollowedByRecordsAreUnsyncedWritesLostOutOfOrder() throws IOException {
    writeSynced(10);
    // Records 11 and 12 never reached the disk, 13 and 14 did: the page cache wrote a later page first.
    Path segment = segmentPath(DIR, 1);
    writeRaw(segment, offsetOf(1, 13), frame(13));
    writeRaw(segment, offsetOf(1, 14), frame(14));
    assertUnsyncedGapCutAfterRecord10();
  }

  @Test
  void zerosToAPageThenTheTailOfALostRecordThenRecordsAreUnsyncedWrites() throws IOException {
    writeSynced(10);
    // The write of records 11..k was lost; the next write, of k+1 and k+2, was kept: it started at
    // the page record k ends in, so it brought the tail of record k along.
    Path segment = segmentPath(DIR, 1);
    int k = firstRecordEndingInALaterPage(11);
    long keptStart = SegmentedLog.pageStart(offsetOf(1, k + 1));
    byte[] lost = frame(k);
    byte[] tail = Arrays.copyOfRange(lost, (int) (keptStart - offsetOf(1, k)), lost.length);
    writeRaw(segment, keptStart, tail);
    writeRaw(segment, offsetOf(1, k + 1), frame(k + 1));
    writeRaw(segment, offsetOf(1, k + 2), frame(k + 2));
    long fragmentsBefore = Marks.count(Recovery.MARK_GAP_WITH_FRAGMENT);
    assertUnsyncedGapCutAfterRecord10();
    assertThat(Marks.count(Recovery.MARK_GAP_WITH_FRAGMENT)).isEqualTo(fragmentsBefore + 1);
  }

  /**
   * Opens the log of {@link #writeSynced}(10) plus unsynced writes: recovery must cut everything after
   * record 10 as an unsynced gap, and the log must continue right after it.
   */
  private void assertUnsyncedGapCutAfterRecord10() throws IOException {
    SegmentedLog.Recovered recovered = SegmentedLog.open(fs, DIR, ONE_SEGMENT);
    RecoveryReport.Truncation cut = recovered.report().truncation().orElseThrow();
    assertThat(cut.kind()).isEqualTo(RecoveryReport.Kind.UNSYNCED_GAP);
    assertThat(cut.offset()).isEqualTo(offsetOf(1, 11));
    try (SegmentedLog log = recovered.log()) {
      assertThat(log.lastIndex()).isEqualTo(10);
      appendDerived(log, 5);
      log.sync();
    }
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, ONE_SEGMENT).log()) {
      assertThat(log.lastIndex()).isEqualTo(15);
      assertDerived(log);
    }
  }

  @Test
  void bytesBeforeThePageOfTheNextValidRecordAreCorruption() throws IOException {
    writeSynced(10);
    // As above, but the bytes before record k+1 begin a page earlier than the page it starts in: no
    // write starts there, so no crash can leave them.
    Path segment = segmentPath(DIR, 1);
    int k = firstRecordEndingInALaterPage(11);
    long keptStart = SegmentedLog.pageStart(offsetOf(1, k + 1));
    Ensure.that(keptStart - 8 > offsetOf(1, 11), "the lost records span more than 8 bytes before the page");
    writeRaw(segment, keptStart - 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    writeRaw(segment, offsetOf(1, k + 1), frame(k + 1));
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, ONE_SEGMENT))
        .isInstanceOfSatisfying(WalCorruptionException.class, e -> assertThat(e.offset()).isEqualTo(offsetOf(1, 11)))
        .hasMessageContaining("byte offset " + offsetOf(1, k + 1));
  }

  /** The first record from {@code from} on that ends in a later page than the one it starts in. */
  private static int firstRecordEndingInALaterPage(int from) {
    int k = from;
    while (SegmentedLog.pageStart(offsetOf(1, k + 1)) <= offsetOf(1, k)) {
      k++;
    }
    Ensure.that(offsetOf(1, k + 3) < ONE_SEGMENT.segmentBytes(), "the records fit the segment");
    return k;
  }

  @Test
  void aDamagedRecordFollowedByValidOnesIsCorruption() throws IOException {
    writeSynced(20);
    Path segment = segmentPath(DIR, 1);
    long damaged = offsetOf(1, 5);
    fs.flipBit(segment, damaged + Frame.HEADER_BYTES, 0);
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, ONE_SEGMENT))
        .isInstanceOfSatisfying(WalCorruptionException.class, e -> {
          assertThat(e.file()).isEqualTo(segment);
          assertThat(e.offset()).isEqualTo(damaged);
        })
        .hasMessageContaining(segment.toString())
        .hasMessageContaining("byte offset " + damaged);
  }

  @Test
  void randomCorruptionOfSyncedRecordsIsNeverSilent() throws IOException {
    for (int seed = 0; seed < 200; seed++) {
      SimFileSystem local = new SimFileSystem(new SplittableRandom(seed));
      try (SegmentedLog log = SegmentedLog.open(local, DIR, ONE_SEGMENT).log()) {
        appendDerived(log, 30);
        log.sync();
      }
      Path segment = segmentPath(DIR, 1);
      long offset = local.corruptRandomByte(segment);
      long recordsEnd = offsetOf(1, 31);
      try (SegmentedLog log = SegmentedLog.open(local, DIR, ONE_SEGMENT).log()) {
        // Opening succeeded, so the damage hit the final record (a torn tail: cut) or the zero tail.
        assertThat(offset).as("seed %d: damage before the final record must not pass", seed)
            .isGreaterThanOrEqualTo(offsetOf(1, 30));
        assertThat(log.lastIndex()).isEqualTo(offset >= recordsEnd ? 30 : 29);
        assertDerived(log);
      } catch (WalCorruptionException e) {
        assertThat(e.file()).isEqualTo(segment);
      }
    }
  }

  @Test
  void aDamagedFinalRecordOfAnOlderSegmentIsCorruption() throws IOException {
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      appendDerived(log, 200);
      log.sync();
      assertThat(log.segmentCount()).isGreaterThan(3);
    }
    List<Path> segments = fs.list(DIR);
    Path first = segments.get(0);
    long next = SegmentFile.parse(segments.get(1).getFileName().toString());
    long lastOfFirst = offsetOf(1, next - 1);
    fs.flipBit(first, lastOfFirst + Frame.HEADER_BYTES, 5);
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, config))
        .isInstanceOfSatisfying(WalCorruptionException.class, e -> {
          assertThat(e.file()).isEqualTo(first);
          assertThat(e.offset()).isEqualTo(lastOfFirst);
        });
  }

  @Test
  void aMissingSegmentIsCorruption() throws IOException {
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      appendDerived(log, 200);
      log.sync();
    }
    Path middle = fs.list(DIR).get(2);
    fs.delete(middle);
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, config))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining("records are missing");
  }

  @Test
  void aDamagedHeaderIsCorruptionUnlessTheNewestSegmentIsEmpty() throws IOException {
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(fs, DIR, config).log()) {
      appendDerived(log, 200);
      log.sync();
    }
    List<Path> segments = fs.list(DIR);
    Path newest = segments.get(segments.size() - 1);
    long newestFirst = SegmentFile.parse(newest.getFileName().toString());
    // The newest segment holds records: a damaged header there is corruption too.
    fs.flipBit(newest, 9, 1);
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, config))
        .isInstanceOfSatisfying(WalCorruptionException.class, e -> assertThat(e.file()).isEqualTo(newest));
    fs.flipBit(newest, 9, 1);
    fs.flipBit(segments.get(1), 0, 0);
    assertThatThrownBy(() -> SegmentedLog.open(fs, DIR, config))
        .isInstanceOfSatisfying(WalCorruptionException.class, e -> assertThat(e.file()).isEqualTo(segments.get(1)));
    fs.flipBit(segments.get(1), 0, 0);
    // An empty newest segment whose header never made it (a crash while creating it) is dropped.
    assertThat(newestFirst).isLessThan(200);
    Path empty = segmentPath(DIR, 201);
    try (FileHandle h = fs.open(empty, true)) {
      h.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 0);
      h.sync();
    }
    fs.syncDirectory(DIR);
    SegmentedLog.Recovered recovered = SegmentedLog.open(fs, DIR, config);
    assertThat(recovered.report().truncation().orElseThrow().kind()).isEqualTo(RecoveryReport.Kind.INCOMPLETE_SEGMENT);
    try (SegmentedLog log = recovered.log()) {
      assertThat(log.lastIndex()).isEqualTo(200);
      appendDerived(log, 10);
      log.sync();
      assertDerived(log);
    }
  }

  @Test
  void aTornTailOnTheRealFileSystemIsCut() throws IOException {
    FileSystem nio = NioFileSystem.INSTANCE;
    Path dir = tmp.resolve("wal");
    try (SegmentedLog log = SegmentedLog.open(nio, dir, ONE_SEGMENT).log()) {
      appendDerived(log, 50);
      log.sync();
    }
    long end = offsetOf(1, 51);
    try (FileChannel ch = FileChannel.open(segmentPath(dir, 1), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 9, 9, 9, 9, 5, 5, 5}), end);
    }
    SegmentedLog.Recovered recovered = SegmentedLog.open(nio, dir, ONE_SEGMENT);
    assertThat(recovered.report().truncation().orElseThrow().offset()).isEqualTo(end);
    try (SegmentedLog log = recovered.log()) {
      assertThat(log.lastIndex()).isEqualTo(50);
      appendDerived(log, 1);
      log.sync();
    }
    try (FileChannel ch = FileChannel.open(segmentPath(dir, 1), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xFF}), offsetOf(1, 20) + 2);
    }
    assertThatThrownBy(() -> SegmentedLog.open(nio, dir, ONE_SEGMENT))
        .isInstanceOf(WalCorruptionException.class)
        .hasMessageContaining("byte offset " + offsetOf(1, 20));
  }
}
