package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random appends, syncs, trims and spare preparations on the simulated file system, crashes at random
 * points (sometimes after an unasked-for directory sync), and
 * recovery after each: everything synced is there and intact, nothing after a hole appears, and the
 * log keeps working. One seed per run; a failure names it.
 */
class SegmentedLogCrashTest {
  private static final Path DIR = Path.of("/sim/wal");
  private static final int SEEDS = Integer.getInteger("synod.wal.crash.seeds", 400);

  @Test
  void everySyncedRecordSurvivesEveryCrash() throws IOException {
    long tornBefore = Marks.count(Recovery.MARK_TORN);
    long gapsBefore = Marks.count("wal.unsynced-gap-discarded");
    long fragmentsBefore = Marks.count(Recovery.MARK_GAP_WITH_FRAGMENT);
    long sparesBefore = Marks.count(SegmentedLog.MARK_ROLL_FROM_SPARE);
    long lostWrites = 0;
    long tornWrites = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      try {
        SimFileSystem fs = runSeed(seed);
        lostWrites += fs.writesLost();
        tornWrites += fs.writesTorn();
      } catch (AssertionError | IOException | RuntimeException e) {
        throw new AssertionError("seed " + seed + " failed (rerun with that seed): " + e, e);
      }
    }
    // The campaign only proves something if the faults it claims really happened.
    assertThat(lostWrites).isPositive();
    assertThat(tornWrites).isPositive();
    assertThat(Marks.count(Recovery.MARK_TORN)).isGreaterThan(tornBefore);
    assertThat(Marks.count("wal.unsynced-gap-discarded")).isGreaterThan(gapsBefore);
    assertThat(Marks.count(Recovery.MARK_GAP_WITH_FRAGMENT)).isGreaterThan(fragmentsBefore);
    assertThat(Marks.count(SegmentedLog.MARK_ROLL_FROM_SPARE)).isGreaterThan(sparesBefore);
  }

  /**
   * A disk that reorders unsynced writes page by page can lose or tear a page of one write and keep
   * later pages of it or of a later write: a damaged record (or zeros), zeros to a page boundary,
   * then the rest of a record and valid records. Recovery cannot tell a damaged record followed by
   * zeros from a damaged synced record (whose payload may hold zeros up to a page boundary), so it
   * either cuts the log there, where the damage starts between records, or refuses it as corrupt; a
   * refusal must name the file and an offset past its synced bytes and before the end of a write
   * that reached the disk only in part. Everything synced survives every crash it does not refuse.
   */
  @Test
  void pagesOfUnsyncedWritesKeptOutOfOrderAreCutOrRefusedWhereTheDamageIs() throws IOException {
    long gapsBefore = Marks.count("wal.unsynced-gap-discarded");
    int refused = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      try {
        runSeed(seed, true);
      } catch (WalCorruptionException e) {
        refused++;
      } catch (AssertionError | IOException | RuntimeException e) {
        throw new AssertionError("seed " + seed + " failed (rerun with that seed): " + e, e);
      }
    }
    assertThat(refused).as("crashes whose damage recovery refused").isPositive();
    assertThat(refused).as("most crashes recover").isLessThan(SEEDS / 2);
    assertThat(Marks.count("wal.unsynced-gap-discarded")).isGreaterThan(gapsBefore);
  }

  private static SimFileSystem runSeed(long seed) throws IOException {
    return runSeed(seed, false);
  }

  /**
   * One seed of random appends and crashes; with {@code reorderPages} a crash keeps or loses each
   * page of the unsynced writes on its own (a kept one torn one time in four), and a log recovery
   * refuses ends the seed with its {@link WalCorruptionException} once the refusal is checked
   * against the damage the crash did. Those seeds append larger records (half of them up to the
   * largest size) and sync less often, so that writes span pages of new records.
   */
  private static SimFileSystem runSeed(long seed, boolean reorderPages) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    SimFileSystem fs = new SimFileSystem(random.split());
    if (reorderPages) {
      fs.reorderUnsyncedWrites(4096, 0.25);
    }
    // Segments of less than a page, of one, and of several (so that writes start at many page
    // boundaries and a lost write can be followed by a kept one rewriting its last page).
    int[] sizes = {1024, 4096, 3 * 4096 + 500, 4 * 4096};
    WalConfig config = WalConfig.small().withSegmentBytes(sizes[random.nextInt(sizes.length)]);
    // model.get(i) is the payload of record i + 1; indexes below `first` were trimmed.
    List<byte[]> model = new ArrayList<>();
    long synced = 0;
    SegmentedLog log = SegmentedLog.open(fs, DIR, config).log();
    for (int round = 0; round < 6; round++) {
      int steps = random.nextInt(1, 80);
      for (int step = 0; step < steps; step++) {
        // Appends weigh 15, syncs 4 (1 when pages are reordered), trims and spares 1 each.
        int syncWeight = reorderPages ? 1 : 4;
        int choice = random.nextInt(17 + syncWeight);
        if (choice < 15) {
          byte[] payload = randomPayload(random, config, reorderPages ? 2 : 10);
          long index = log.append(random.nextInt(256), payload);
          assertThat(index).isEqualTo(model.size() + 1);
          model.add(payload);
        } else if (choice < 15 + syncWeight) {
          log.sync();
          synced = log.lastIndex();
        } else if (choice < 16 + syncWeight) {
          log.trimBefore(random.nextLong(log.firstIndex(), log.lastIndex() + 2));
        } else {
          // What the preallocator thread of GroupCommitLog does; the next roll takes the spare.
          log.spare().prepare();
        }
      }
      long firstBefore = log.firstIndex();
      if (random.nextInt(4) == 0) {
        // A journal commit made for someone else can make pending directory changes durable early.
        fs.syncDirectory(DIR);
      }
      fs.crash();
      SegmentedLog.Recovered recovered;
      try {
        recovered = SegmentedLog.open(fs, DIR, config);
      } catch (WalCorruptionException e) {
        assertRefusalLiesInATornWrite(fs, e);
        throw e;
      }
      log = recovered.log();
      assertThat(log.lastIndex()).as("records up to the last sync survive").isGreaterThanOrEqualTo(synced);
      assertThat(log.lastIndex()).as("no record appears that was never appended").isLessThanOrEqualTo(model.size());
      assertThat(log.firstIndex()).as("trims were made durable").isGreaterThanOrEqualTo(firstBefore);
      List<TestRecords.Rec> records = TestRecords.readAll(log);
      long expected = log.firstIndex();
      for (TestRecords.Rec rec : records) {
        assertThat(rec.index()).as("dense indexes").isEqualTo(expected++);
        assertThat(rec.payload()).as("payload of %d", rec.index()).isEqualTo(model.get((int) rec.index() - 1));
      }
      assertThat(expected - 1).isEqualTo(log.lastIndex());
      // What recovery kept is now the log: later appends continue right after it.
      model.subList((int) log.lastIndex(), model.size()).clear();
      synced = log.lastIndex();
      assertThat(log.durableIndex()).isEqualTo(synced);
    }
    byte[] last = new byte[] {1, 2, 3};
    long index = log.append(7, last);
    log.sync();
    fs.crash();
    try (SegmentedLog reopened = SegmentedLog.open(fs, DIR, config).log()) {
      assertThat(reopened.lastIndex()).isEqualTo(index);
      List<byte[]> tail = new ArrayList<>();
      reopened.replay(index, (i, type, payload) -> tail.add(payload));
      assertThat(tail).hasSize(1);
      assertThat(Arrays.equals(tail.get(0), last)).isTrue();
    }
    return fs;
  }

  /**
   * A refused log names an offset among the unsynced writes of a crash that let one of them reach the
   * disk only in part, at or before that write's end.
   */
  private static void assertRefusalLiesInATornWrite(SimFileSystem fs, WalCorruptionException e) {
    boolean explained = false;
    for (SimFileSystem.Damage damage : fs.lastCrashDamage()) {
      explained |= damage.explains(e.file(), e.offset());
    }
    assertThat(explained).as("refusal %s explained by the crash's damage %s", e.getMessage(), fs.lastCrashDamage())
        .isTrue();
  }

  /** A payload up to the largest size one time in {@code largeOneIn}, else small. */
  private static byte[] randomPayload(SplittableRandom random, WalConfig config, int largeOneIn) {
    int shape = random.nextInt(largeOneIn);
    int length = shape == 0 ? random.nextInt(config.recordBytesMax() + 1) : random.nextInt(64);
    byte[] payload = new byte[length];
    // Zero-filled payloads too: recovery must not mistake a record of zeros for a preallocated tail.
    if (shape != 1) {
      random.nextBytes(payload);
    }
    return payload;
  }
}
