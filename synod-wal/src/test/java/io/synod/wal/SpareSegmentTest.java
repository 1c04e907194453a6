package io.synod.wal;

import static io.synod.wal.TestRecords.appendDerived;
import static io.synod.wal.TestRecords.assertDerived;
import static io.synod.wal.TestRecords.offsetOf;
import static io.synod.wal.TestRecords.payload;
import static io.synod.wal.TestRecords.segmentPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Marks;
import io.synod.wal.fs.CrashPointFileSystem;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The spare segment on the simulated file system, driven from the test thread (the preallocator
 * thread of {@link GroupCommitLog} is covered in {@link GroupCommitLogTest}): rolls take it, a crash
 * at every step of such a roll loses no durable record and leaves a log that keeps working, and a
 * spare left on disk is deleted at open and never read as log data.
 */
class SpareSegmentTest {
  private static final Path DIR = Path.of("/sim/wal");
  private static final WalConfig CONFIG = WalConfig.small();
  private static final Path SPARE = DIR.resolve(SpareSegment.NAME);
  /** Records 1..FILL fit the first segment; record FILL + 1 rolls. */
  private static final long FILL = recordsFittingFirstSegment();
  private static final int SEEDS = 8;

  private static long recordsFittingFirstSegment() {
    long n = 0;
    while (offsetOf(1, n + 2) <= CONFIG.segmentBytes()) {
      n++;
    }
    return n;
  }

  @Test
  void rollsTakeAReadySpareAndPreallocateInlineOtherwise() throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(1));
    long marked = Marks.count(SegmentedLog.MARK_ROLL_FROM_SPARE);
    try (SegmentedLog log = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      SpareSegment spare = log.spare();
      assertThat(spare.prepare()).isTrue();
      assertThat(spare.isReady()).isTrue();
      assertThat(sim.sizeOf(SPARE)).isEqualTo(CONFIG.segmentBytes());
      // A ready spare is not prepared twice.
      long syncs = sim.fileSyncs();
      assertThat(spare.prepare()).isTrue();
      assertThat(sim.fileSyncs()).isEqualTo(syncs);

      appendDerived(log, (int) FILL + 1);
      assertThat(log.segmentCount()).isEqualTo(2);
      assertThat(spare.taken()).isEqualTo(1);
      assertThat(spare.missed()).isZero();
      assertThat(sim.exists(SPARE)).as("the spare became the segment").isFalse();
      assertThat(Marks.count(SegmentedLog.MARK_ROLL_FROM_SPARE)).isEqualTo(marked + 1);
      assertThat(sim.sizeOf(segmentPath(DIR, FILL + 1))).isEqualTo(CONFIG.segmentBytes());

      // No one prepared another: the next roll preallocates inline.
      appendDerived(log, (int) FILL + 1);
      assertThat(log.segmentCount()).isEqualTo(3);
      assertThat(spare.taken()).isEqualTo(1);
      assertThat(spare.missed()).isEqualTo(1);
      log.sync();
    }
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      assertThat(log.lastIndex()).isEqualTo(2 * FILL + 2);
      assertDerived(log);
      assertThat(sim.list(DIR)).hasSize(3).allSatisfy(SpareSegmentTest::assertSegmentName);
    }
  }

  @Test
  void aCrashAtEachStepOfARollFromTheSpareKeepsEveryDurableRecord() throws IOException {
    long incompleteBefore = Marks.count("wal.torn-tail.incomplete_segment");
    long spareDeletedBefore = Marks.count(Recovery.MARK_SPARE_DELETED);
    List<String> uncrashed = null;
    int crashes = 0;
    for (boolean renameSurvives : new boolean[] {false, true}) {
      for (int seed = 0; seed < SEEDS; seed++) {
        for (int crashAfter = 1; ; crashAfter++) {
          String run = "seed " + seed + ", crash after op " + crashAfter + ", rename survives " + renameSurvives;
          try {
            List<String> trace = rollAndCrash(seed, crashAfter, renameSurvives);
            if (trace != null) {
              uncrashed = trace;
              break;
            }
            crashes++;
          } catch (AssertionError | IOException | RuntimeException e) {
            throw new AssertionError(run + ": " + e, e);
          }
        }
      }
    }
    // The roll's steps, each of which was a crash point above: the full segment synced, the spare
    // renamed, the header written and synced, the rename synced; then the first record, written with
    // the header's page, since writes start on page boundaries.
    String first = SegmentFile.nameOf(1);
    String next = SegmentFile.nameOf(FILL + 1);
    assertThat(uncrashed).containsExactly(
        "write@" + SegmentedLog.pageStart(offsetOf(1, FILL)) + " " + first,
        "sync " + first,
        "move " + SpareSegment.NAME + " -> " + next,
        "write@0 " + next,
        "sync " + next,
        "syncDirectory",
        "write@0 " + next,
        "sync " + next);
    assertThat(crashes).isEqualTo(2 * SEEDS * uncrashed.size());
    // Both crash outcomes the design claims to handle really happened: a renamed spare without a
    // durable header (dropped as an incomplete segment), and a spare left under its own name.
    assertThat(Marks.count("wal.torn-tail.incomplete_segment")).isGreaterThan(incompleteBefore);
    assertThat(Marks.count(Recovery.MARK_SPARE_DELETED)).isGreaterThan(spareDeletedBefore);
  }

  /**
   * Fills the first segment (the last record not yet synced), prepares the spare, and crashes after
   * the {@code crashAfter}-th changing operation of the roll that the next record causes. Recovers
   * and checks the log. Returns the roll's trace if it completed without crashing, else null.
   */
  private static List<String> rollAndCrash(long seed, int crashAfter, boolean renameSurvives) throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(seed));
    CrashPointFileSystem fs = new CrashPointFileSystem(sim);
    SegmentedLog log = SegmentedLog.open(fs, DIR, CONFIG).log();
    appendDerived(log, (int) FILL - 1);
    log.sync();
    appendDerived(log, 1);
    assertThat(log.spare().prepare()).isTrue();
    fs.arm(crashAfter, renameSurvives ? DIR : null);
    try {
      appendDerived(log, 1);
      log.sync();
    } catch (IOException e) {
      assertThat(fs.crashed()).as("the only failure is the crash: %s", e).isTrue();
    }
    long durable = log.durableIndex();
    List<String> trace = fs.crashed() ? null : fs.trace();
    if (!fs.crashed()) {
      log.close();
      sim.crash();
    }

    long last;
    try (SegmentedLog reopened = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      assertThat(reopened.lastIndex()).as("every durable record survives").isGreaterThanOrEqualTo(durable);
      assertThat(reopened.lastIndex()).as("nothing appears that was never appended").isLessThanOrEqualTo(FILL + 1);
      assertDerived(reopened);
      assertThat(sim.exists(SPARE)).as("a leftover spare is deleted").isFalse();
      assertThat(sim.list(DIR)).allSatisfy(SpareSegmentTest::assertSegmentName);
      // The log keeps working, rolls from a spare included (twice a segment's worth rolls at least once).
      assertThat(reopened.spare().prepare()).isTrue();
      appendDerived(reopened, 2 * (int) FILL);
      reopened.sync();
      assertThat(reopened.spare().taken()).isEqualTo(1);
      last = reopened.lastIndex();
    }
    sim.crash();
    try (SegmentedLog again = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      assertThat(again.lastIndex()).isEqualTo(last);
      assertDerived(again);
    }
    return trace;
  }

  @Test
  void aLeftoverSpareIsDeletedAtOpenAndNeverReadAsLogData() throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(2));
    try (SegmentedLog log = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      appendDerived(log, 10);
      log.sync();
    }
    // What a crash after renaming a spare that already had a header could leave, if the rename was
    // lost: the next segment's valid header and a valid record 11, under the spare's name.
    ByteBuffer bytes = ByteBuffer.allocate(CONFIG.segmentBytes());
    bytes.put(new SegmentHeader(11, CONFIG.segmentBytes()).encode());
    Frame.putHeader(bytes, TestRecords.type(11), payload(11), new CRC32C());
    bytes.put(payload(11));
    bytes.clear();
    try (FileHandle spare = sim.open(SPARE, true)) {
      spare.write(bytes, 0);
      spare.sync();
    }
    sim.syncDirectory(DIR);
    long before = Marks.count(Recovery.MARK_SPARE_DELETED);
    SegmentedLog.Recovered recovered = SegmentedLog.open(sim, DIR, CONFIG);
    try (SegmentedLog log = recovered.log()) {
      assertThat(recovered.report().lastIndex()).isEqualTo(10);
      assertThat(recovered.report().tornTailTruncated()).isFalse();
      assertThat(log.lastIndex()).isEqualTo(10);
      assertThat(Marks.count(Recovery.MARK_SPARE_DELETED)).isEqualTo(before + 1);
      assertThat(sim.list(DIR)).containsExactly(segmentPath(DIR, 1));
    }
    sim.crash();
    assertThat(sim.exists(SPARE)).as("the deletion was made durable").isFalse();
  }

  @Test
  void aSpareAloneIsDeletedAndTheLogStartsEmpty() throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(3));
    sim.createDirectories(DIR);
    try (FileHandle spare = sim.open(SPARE, true)) {
      spare.write(ByteBuffer.allocate(100), 0);
    }
    try (SegmentedLog log = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      assertThat(log.lastIndex()).isZero();
      assertThat(sim.list(DIR)).containsExactly(segmentPath(DIR, 1));
    }
  }

  @Test
  void aLogRefusedAsCorruptKeepsItsLeftoverSpare() throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(4));
    try (SegmentedLog log = SegmentedLog.open(sim, DIR, CONFIG).log()) {
      appendDerived(log, 10);
      log.sync();
      assertThat(log.spare().prepare()).isTrue();
    }
    sim.flipBit(segmentPath(DIR, 1), offsetOf(1, 3) + Frame.HEADER_BYTES, 2);
    assertThatThrownBy(() -> SegmentedLog.open(sim, DIR, CONFIG)).isInstanceOf(WalCorruptionException.class);
    assertThat(sim.exists(SPARE)).as("nothing changes on disk when the log is refused").isTrue();
  }

  @Test
  void closingStopsAPreparationAtItsNextPiece() throws IOException, InterruptedException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(5));
    CrashPointFileSystem fs = new CrashPointFileSystem(sim);
    sim.createDirectories(DIR);
    int segmentBytes = 4 << 20;
    SpareSegment spare = new SpareSegment(fs, DIR, segmentBytes, ByteBuffer.allocateDirect(64 << 10));
    List<String> ops = new ArrayList<>();
    fs.listen(op -> {
      ops.add(op);
      if (op.startsWith("write")) {
        spare.close();
      }
    });
    fs.arm(Integer.MAX_VALUE, null);
    long abandoned = Marks.count(SpareSegment.MARK_ABANDONED);
    assertThat(spare.prepare()).isFalse();
    assertThat(ops).containsExactly("truncate " + SpareSegment.NAME, "write@0 " + SpareSegment.NAME);
    assertThat(Marks.count(SpareSegment.MARK_ABANDONED)).isEqualTo(abandoned + 1);
    assertThat(spare.isReady()).isFalse();
    assertThat(spare.awaitNeeded()).as("a closed spare is never needed again").isFalse();
    assertThat(spare.prepare()).isFalse();
    assertThat(spare.moveTo(segmentPath(DIR, 1))).isFalse();
    assertThat(ops).hasSize(2);
  }

  @Test
  void theSpareIsWrittenAndSyncedInPieces() throws IOException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(6));
    CrashPointFileSystem fs = new CrashPointFileSystem(sim);
    sim.createDirectories(DIR);
    int segmentBytes = 3 * SpareSegment.SYNC_BYTES + (1 << 20);
    SpareSegment spare = new SpareSegment(fs, DIR, segmentBytes, ByteBuffer.allocateDirect(1 << 20));
    fs.arm(Integer.MAX_VALUE, null);
    assertThat(spare.prepare()).isTrue();
    assertThat(fs.trace().stream().filter(op -> op.startsWith("sync")).count()).isEqualTo(4);
    assertThat(fs.trace().get(fs.trace().size() - 1)).isEqualTo("sync " + SpareSegment.NAME);
    assertThat(sim.sizeOf(spare.path())).isEqualTo(segmentBytes);
  }

  @Test
  void aPacedSpareStaysAQuarterSegmentAheadOfTheLog() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(7));
    CrashPointFileSystem fs = new CrashPointFileSystem(sim);
    sim.createDirectories(DIR);
    int piece = SpareSegment.PIECE_BYTES;
    int segmentBytes = 16 * piece;
    int quarter = segmentBytes / 4;
    SpareSegment spare = new SpareSegment(fs, DIR, segmentBytes, ByteBuffer.allocateDirect(piece));
    List<String> writes = Collections.synchronizedList(new ArrayList<>());
    fs.listen(op -> {
      if (op.startsWith("write")) {
        writes.add(op);
      }
    });
    fs.arm(Integer.MAX_VALUE, null);
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread preparer = started(() -> spare.prepare(true), outcome);
    // The log has written nothing: the piece at a quarter segment is the last one the preparer may
    // write, so it writes the pieces at 0 .. quarter and waits before the next.
    awaitWaiting(preparer, writes, 0);
    assertThat(writes).hasSize(quarter / piece + 1).endsWith("write@" + quarter + " " + SpareSegment.NAME);
    spare.logReached(piece);
    awaitWaiting(preparer, writes, quarter / piece + 2);
    assertThat(writes).hasSize(quarter / piece + 2).endsWith("write@" + (quarter + piece) + " " + SpareSegment.NAME);
    assertThat(spare.isReady()).isFalse();
    // The log filled its segment: nothing holds the preparer back any more.
    spare.logReached(segmentBytes);
    preparer.join(30_000);
    assertThat(outcome.get()).isEqualTo(true);
    assertThat(writes).hasSize(segmentBytes / piece);
    assertThat(spare.isReady()).isTrue();

    // A roll that comes while a paced preparer waits for the log (a large record rolls a segment
    // early) releases the pacing and takes the spare once it is finished.
    assertThat(spare.moveTo(segmentPath(DIR, 1))).isTrue();
    spare.logReached(SegmentHeader.BYTES);
    writes.clear();
    Thread paced = started(() -> spare.prepare(true), outcome);
    awaitWaiting(paced, writes, 0);
    AtomicReference<Object> moved = new AtomicReference<>();
    Thread roll = started(() -> spare.moveTo(segmentPath(DIR, 2)), moved);
    roll.join(30_000);
    assertThat(roll.isAlive()).as("the roll did not wait forever for a preparer waiting for it").isFalse();
    assertThat(moved.get()).isEqualTo(true);
    paced.join(30_000);
    assertThat(outcome.get()).isEqualTo(true);
    assertThat(writes).hasSize(segmentBytes / piece);

    // A paced preparer waiting for the log stops when the spare closes, leaving no spare.
    spare.logReached(SegmentHeader.BYTES);
    writes.clear();
    Thread abandoned = started(() -> spare.prepare(true), outcome);
    awaitWaiting(abandoned, writes, 0);
    spare.close();
    abandoned.join(30_000);
    assertThat(outcome.get()).isEqualTo(false);
    assertThat(spare.isReady()).isFalse();
  }

  /** A call that may throw, run by {@link #started}. */
  private interface Call {
    Object call() throws IOException;
  }

  /** Runs {@code call} on a new thread, which puts its result, or what it threw, in {@code outcome}. */
  private static Thread started(Call call, AtomicReference<Object> outcome) {
    Thread thread = new Thread(() -> {
      try {
        outcome.set(call.call());
      } catch (IOException | RuntimeException e) {
        outcome.set(e);
      }
    });
    thread.start();
    return thread;
  }

  /**
   * Waits (bounded) until {@code writes} holds at least {@code count} writes and {@code thread} waits
   * on a monitor: the paced preparer waiting for the log.
   */
  private static void awaitWaiting(Thread thread, List<String> writes, int count) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (writes.size() < count || thread.getState() != Thread.State.WAITING) {
      assertThat(thread.isAlive()).as("the preparer is still running").isTrue();
      assertThat(System.nanoTime()).as("the preparer writes and waits within 30 s").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  @Test
  void theSpareNameIsNotASegmentName() {
    assertThat(SegmentFile.parse(SpareSegment.NAME)).isNegative();
  }

  private static void assertSegmentName(Path path) {
    assertThat(SegmentFile.parse(path.getFileName().toString())).as("%s is a segment", path).isPositive();
  }
}
