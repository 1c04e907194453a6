package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Marks;
import io.synod.wal.fs.FaultyFileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitLogTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 400;
  /** Each thread keeps this many appends in flight before it waits, like pipelined proposals. */
  private static final int WINDOW = 50;

  @TempDir Path tmp;

  /**
   * Sync gates hold only the log's segments: the preallocator syncs its spare on its own schedule,
   * and a test that waits for "the writer's sync" must not be released by that one.
   */
  static boolean isSegment(Path path) {
    return SegmentFile.parse(path.getFileName().toString()) > 0;
  }

  private static byte[] payloadOf(int thread, int seq) {
    return ByteBuffer.allocate(8 + seq % 50).putInt(thread).putInt(seq).array();
  }

  @Test
  void concurrentAppendersShareSyncsAndGetDenseIndexes() throws Exception {
    Path dir = tmp.resolve("wal");
    WalConfig config = WalConfig.defaults().withSegmentBytes(256 << 10).withQueue(4096, 1L << 30);
    config = new WalConfig(config.segmentBytes(), 64 << 10, 128 << 10, 64 << 10, config.segmentsMax(),
        config.queueRecordsMax(), config.queueBytesMax(), config.closeTimeoutNanos(), 2, 1 << 20);
    SegmentedLog log = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log();
    List<Long> durableReports = Collections.synchronizedList(new ArrayList<>());
    GroupCommitLog front = GroupCommitLog.start(log, config, durableReports::add);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    TreeMap<Long, byte[]> byIndex = new TreeMap<>();
    try {
      List<Future<List<long[]>>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          List<long[]> mine = new ArrayList<>();
          List<CompletableFuture<Long>> window = new ArrayList<>();
          for (int seq = 0; seq < PER_THREAD; seq++) {
            window.add(front.append(1, payloadOf(thread, seq)));
            if (window.size() == WINDOW) {
              for (int i = 0; i < window.size(); i++) {
                mine.add(new long[] {window.get(i).get(30, TimeUnit.SECONDS), seq - WINDOW + 1 + i});
              }
              window.clear();
            }
          }
          return mine;
        }));
      }
      for (int t = 0; t < THREADS; t++) {
        for (long[] pair : results.get(t).get(60, TimeUnit.SECONDS)) {
          assertThat(byIndex.put(pair[0], payloadOf(t, (int) pair[1]))).as("index %d given twice", pair[0]).isNull();
        }
      }
    } finally {
      pool.shutdownNow();
      front.close();
    }
    int total = THREADS * PER_THREAD;
    assertThat(byIndex.firstKey()).isEqualTo(1);
    assertThat(byIndex.lastKey()).isEqualTo(total);
    assertThat(byIndex).hasSize(total);
    assertThat(durableReports).isSorted().doesNotHaveDuplicates();
    assertThat(durableReports.get(durableReports.size() - 1)).isEqualTo(total);
    assertThat(front.durableIndex()).isEqualTo(total);
    assertThat(front.syncCount()).as("group commit: fewer syncs than appends").isLessThan(total);
    try (SegmentedLog reopened = SegmentedLog.open(NioFileSystem.INSTANCE, dir, config).log()) {
      assertThat(reopened.lastIndex()).isEqualTo(total);
      reopened.replay(1, (index, type, payload) -> assertThat(payload).isEqualTo(byIndex.get(index)));
    }
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(1));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    WalConfig config = WalConfig.small().withQueue(4, 1L << 20);
    GroupCommitLog front = GroupCommitLog.start(SegmentedLog.open(fs, Path.of("/sim/wal"), config).log(), config,
        DurableListener.NONE);
    try {
      fs.closeGate(GroupCommitLogTest::isSegment);
      CompletableFuture<Long> first = front.append(0, new byte[10]);
      assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the writer reached its sync").isTrue();
      // The writer holds `first` in its sync; four more fill the queue.
      List<CompletableFuture<Long>> queued = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        queued.add(front.append(0, new byte[10]));
      }
      assertThatThrownBy(() -> front.append(0, new byte[10]))
          .isInstanceOf(WalQueueFullException.class).hasMessageContaining("queueRecordsMax=4");
      fs.openGate();
      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
      for (int i = 0; i < 4; i++) {
        assertThat(queued.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2 + i);
      }
      // Room again once the writer took the queued records.
      assertThat(front.append(0, new byte[1]).get(30, TimeUnit.SECONDS)).isEqualTo(6);
    } finally {
      fs.openGate();
      front.close();
    }
  }

  @Test
  void closeMakesEverythingQueuedDurableAndStopsTheWriter() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(2));
    WalConfig config = WalConfig.small();
    Path dir = Path.of("/sim/wal");
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, dir, config).log(), config, DurableListener.NONE);
    List<CompletableFuture<Long>> futures = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      futures.add(front.append(2, TestRecords.payload(i + 1)));
    }
    front.close();
    for (CompletableFuture<Long> f : futures) {
      assertThat(f).isCompleted();
    }
    assertThatThrownBy(() -> front.append(0, new byte[0])).isInstanceOf(IllegalStateException.class);
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(500);
    }
  }

  @Test
  void closeRacingAppendsLeavesNoFuturePending() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(5));
    WalConfig config = WalConfig.small().withQueue(100_000, 1L << 30);
    Path dir = Path.of("/sim/wal");
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, dir, config).log(), config, DurableListener.NONE);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<List<CompletableFuture<Long>>>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      results.add(pool.submit(() -> {
        List<CompletableFuture<Long>> mine = new ArrayList<>();
        try {
          for (int i = 0; i < 100_000; i++) {
            try {
              mine.add(front.append(0, new byte[8]));
            } catch (WalQueueFullException full) {
              Thread.yield();
            }
          }
        } catch (IllegalStateException closed) {
          // Refused after close: expected for the appends that lost the race.
        }
        return mine;
      }));
    }
    // Close once the appenders are certainly running: after some record became durable.
    CompletableFuture<Long> probe = null;
    for (int attempt = 0; probe == null && attempt < 10_000_000; attempt++) {
      try {
        probe = front.append(0, new byte[1]);
      } catch (WalQueueFullException full) {
        Thread.yield();
      }
    }
    assertThat(probe).as("the probe got into the queue").isNotNull();
    probe.get(30, TimeUnit.SECONDS);
    front.close();
    long completed = 0;
    try {
      for (Future<List<CompletableFuture<Long>>> result : results) {
        for (CompletableFuture<Long> f : result.get(60, TimeUnit.SECONDS)) {
          assertThat(f).as("every admitted append completes by close").isCompleted();
          assertThat(f.get()).isPositive();
          completed++;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(completed + 1);
    }
  }

  @Test
  void aFailedSyncFailsEveryPendingAndLaterAppend() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(3));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    WalConfig config = WalConfig.small();
    GroupCommitLog front = GroupCommitLog.start(SegmentedLog.open(fs, Path.of("/sim/wal"), config).log(), config,
        DurableListener.NONE);
    assertThat(front.append(0, new byte[3]).get(30, TimeUnit.SECONDS)).isEqualTo(1);
    fs.failFileSyncs(true);
    CompletableFuture<Long> failing = front.append(0, new byte[3]);
    assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    CompletableFuture<Long> later = front.append(0, new byte[3]);
    assertThatThrownBy(() -> later.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(front::close).isInstanceOf(IOException.class).hasMessageContaining("failed");
    assertThat(front.durableIndex()).isEqualTo(1);
  }

  @Test
  void trimsRunInOrderWithAppends() throws IOException, ExecutionException, InterruptedException, TimeoutException {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(4));
    WalConfig config = WalConfig.small();
    Path dir = Path.of("/sim/wal");
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, dir, config).log(), config, DurableListener.NONE);
    CompletableFuture<Long> last = null;
    for (int i = 0; i < 300; i++) {
      last = front.append(1, TestRecords.payload(i + 1));
    }
    front.trimBefore(250).get(30, TimeUnit.SECONDS);
    assertThat(last.get(30, TimeUnit.SECONDS)).isEqualTo(300);
    front.close();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.firstIndex()).isGreaterThan(200).isLessThanOrEqualTo(250);
      assertThat(log.lastIndex()).isEqualTo(300);
    }
  }

  /** One logical appender of a closed loop: appends its next record from the last one's callback. */
  private static final class LoopAppender implements DurableCallback {
    final List<Long> heard = new ArrayList<>();
    final List<String> violations;
    final CountDownLatch done;
    final int records;
    final AtomicLong listened;
    GroupCommitLog front;

    LoopAppender(int records, AtomicLong listened, List<String> violations, CountDownLatch done) {
      this.records = records;
      this.listened = listened;
      this.violations = violations;
      this.done = done;
    }

    void next() {
      front.append(3, new byte[16], this);
    }

    @Override
    public void completed(long index, IOException failure) {
      if (failure != null) {
        violations.add("failed: " + failure);
      } else if (index > listened.get()) {
        violations.add("index " + index + " reported before the listener heard of it");
      } else if (index > front.durableIndex()) {
        violations.add("index " + index + " reported beyond durableIndex()");
      } else if (!heard.isEmpty() && index <= heard.get(heard.size() - 1)) {
        violations.add("index " + index + " not after " + heard.get(heard.size() - 1));
      }
      heard.add(index);
      if (heard.size() < records) {
        next();
      } else {
        done.countDown();
      }
    }
  }

  @Test
  void callbacksDriveAClosedLoopWithOneSyncPerRound() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(6));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    // Segments large enough that no roll adds a sync of its own.
    WalConfig config = WalConfig.small().withSegmentBytes(1 << 20);
    Path dir = Path.of("/sim/wal");
    int appenders = 8;
    int rounds = 100;
    AtomicLong listened = new AtomicLong();
    List<Long> reports = Collections.synchronizedList(new ArrayList<>());
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(appenders);
    GroupCommitLog front = GroupCommitLog.start(SegmentedLog.open(fs, dir, config).log(), config, upTo -> {
      reports.add(upTo);
      listened.set(upTo);
    });
    List<LoopAppender> loop = new ArrayList<>();
    for (int i = 0; i < appenders; i++) {
      LoopAppender appender = new LoopAppender(rounds, listened, violations, done);
      appender.front = front;
      loop.add(appender);
    }
    try {
      // The first record's sync is held until the other appenders have queued theirs, so from the
      // second sync on every appender has one record in each batch: one sync per round.
      fs.closeGate(GroupCommitLogTest::isSegment);
      loop.get(0).next();
      assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the writer reached its sync").isTrue();
      for (int i = 1; i < appenders; i++) {
        loop.get(i).next();
      }
      fs.openGate();
      assertThat(done.await(30, TimeUnit.SECONDS)).as("every appender finished its rounds").isTrue();
    } finally {
      fs.openGate();
      front.close();
    }
    int total = appenders * rounds;
    assertThat(violations).isEmpty();
    List<Long> all = new ArrayList<>();
    for (LoopAppender appender : loop) {
      assertThat(appender.heard).hasSize(rounds);
      all.addAll(appender.heard);
    }
    Collections.sort(all);
    for (int i = 0; i < total; i++) {
      assertThat(all.get(i)).as("every index heard exactly once").isEqualTo(i + 1L);
    }
    assertThat(front.syncCount()).isEqualTo(rounds + 1L);
    assertThat(reports).hasSize(rounds + 1).isSorted().doesNotHaveDuplicates().endsWith((long) total);
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(total);
    }
  }

  @Test
  void aFailedSyncTellsEveryPendingCallbackOnceAndLaterOnesAtOnce() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(7));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    WalConfig config = WalConfig.small();
    GroupCommitLog front = GroupCommitLog.start(SegmentedLog.open(fs, Path.of("/sim/wal"), config).log(), config,
        DurableListener.NONE);
    List<List<Object>> outcomes = new ArrayList<>();
    try {
      fs.closeGate(GroupCommitLogTest::isSegment);
      for (int i = 0; i < 4; i++) {
        List<Object> mine = Collections.synchronizedList(new ArrayList<>());
        outcomes.add(mine);
        front.append(0, new byte[5], (index, failure) -> mine.add(failure == null ? index : failure));
        if (i == 0) {
          assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the writer reached its sync").isTrue();
        }
      }
      CompletableFuture<Long> future = front.append(0, new byte[5]);
      fs.failFileSyncs(true);
      fs.openGate();
      assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
      // The future was queued last, so every callback ahead of it was already told.
      for (List<Object> mine : outcomes) {
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0)).isInstanceOf(IOException.class);
      }
      Thread appending = Thread.currentThread();
      List<Object> later = new ArrayList<>();
      front.append(0, new byte[5], (index, failure) -> later.add(Thread.currentThread() == appending ? index : "elsewhere"));
      assertThat(later).as("told at once, on the appending thread").containsExactly(-1L);
    } finally {
      fs.openGate();
      assertThatThrownBy(front::close).isInstanceOf(IOException.class);
    }
    assertThat(front.durableIndex()).isZero();
  }

  @Test
  void aThrowingCallbackNeitherStopsTheWriterNorHidesLaterRecords() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(8));
    WalConfig config = WalConfig.small();
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, Path.of("/sim/wal"), config).log(), config, DurableListener.NONE);
    List<Long> heard = Collections.synchronizedList(new ArrayList<>());
    try {
      for (int i = 0; i < 3; i++) {
        front.append(0, new byte[7], (index, failure) -> {
          heard.add(index);
          throw new IllegalStateException("a careless callback");
        });
      }
      assertThat(front.append(0, new byte[7]).get(30, TimeUnit.SECONDS)).isEqualTo(4);
    } finally {
      front.close();
    }
    assertThat(heard).hasSize(3).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void closeTellsEveryQueuedCallbackBeforeItReturns() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(9));
    WalConfig config = WalConfig.small();
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, Path.of("/sim/wal"), config).log(), config, DurableListener.NONE);
    List<Long> heard = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 300; i++) {
      front.append(1, TestRecords.payload(i + 1), (index, failure) -> heard.add(failure == null ? index : -1));
    }
    front.close();
    assertThat(heard).hasSize(300).isSorted().doesNotHaveDuplicates().doesNotContain(-1L);
    assertThatThrownBy(() -> front.append(0, new byte[0], (index, failure) -> heard.add(index)))
        .isInstanceOf(IllegalStateException.class);
  }
  @Test
  void rollsTakeTheSparesThePreallocatorPrepares() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(10));
    WalConfig config = WalConfig.small();
    Path dir = Path.of("/sim/wal");
    GroupCommitLog front =
        GroupCommitLog.start(SegmentedLog.open(sim, dir, config).log(), config, DurableListener.NONE);
    // 200-byte payloads frame to 209 bytes: 19 fit a 4 KiB segment after its header, the 20th rolls
    // (and is the first of the next segment, so from then on every 19th record rolls).
    long index = 0;
    try {
      for (int roll = 1; roll <= 3; roll++) {
        // Waits for an event, not for time: the preallocator has the spare ready.
        assertThat(front.spare().awaitReady(30, TimeUnit.SECONDS)).as("spare %d is prepared", roll).isTrue();
        CompletableFuture<Long> last = null;
        for (int i = 0; i < (roll == 1 ? 20 : 19); i++) {
          last = front.append(1, new byte[200]);
        }
        index = last.get(30, TimeUnit.SECONDS);
        assertThat(front.rollsFromSpare()).isEqualTo(roll);
        assertThat(front.rollsInline()).isZero();
      }
    } finally {
      front.close();
    }
    assertThat(front.preallocatorAlive()).as("close stopped the preallocator").isFalse();
    assertThat(index).isEqualTo(58);
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(58);
      assertThat(log.segmentCount()).isEqualTo(4);
      assertThat(sim.list(dir)).hasSize(4).allSatisfy(path -> assertThat(isSegment(path)).isTrue());
    }
  }

  @Test
  void aRollWaitsForTheSpareBeingWrittenInsteadOfWritingAnother() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(12));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    WalConfig config = WalConfig.small();
    Path dir = Path.of("/sim/wal");
    // The preallocator's one sync of its (4 KiB) spare is held: the spare stays half made.
    fs.closeGate(path -> !isSegment(path));
    GroupCommitLog front = GroupCommitLog.start(SegmentedLog.open(fs, dir, config).log(), config, DurableListener.NONE);
    try {
      assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the preallocator reached its sync").isTrue();
      // 19 records of 200 bytes fill the first segment; the 20th rolls.
      List<CompletableFuture<Long>> firstSegment = new ArrayList<>();
      for (int i = 0; i < 19; i++) {
        firstSegment.add(front.append(1, new byte[200]));
      }
      for (CompletableFuture<Long> future : firstSegment) {
        future.get(30, TimeUnit.SECONDS);
      }
      long marked = Marks.count(SpareSegment.MARK_ROLL_WAITED);
      CompletableFuture<Long> rolling = front.append(1, new byte[200]);
      // Event-driven: the writer announces its wait on the spare by this mark before it waits.
      assertThat(MarkAwait.reached(SpareSegment.MARK_ROLL_WAITED, marked + 1)).as("the roll waits for the spare")
          .isTrue();
      assertThat(rolling).isNotDone();
      fs.openGate();
      assertThat(rolling.get(30, TimeUnit.SECONDS)).isEqualTo(20);
      assertThat(front.rollsWaited()).isEqualTo(1);
      assertThat(front.rollsFromSpare()).isEqualTo(1);
      assertThat(front.rollsInline()).as("no second segment of zeros").isZero();
    } finally {
      fs.openGate();
      front.close();
    }
    sim.crash();
    try (SegmentedLog log = SegmentedLog.open(sim, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(20);
      assertThat(log.segmentCount()).isEqualTo(2);
    }
  }

  @Test
  void closeStopsAWaitingPreallocatorAndAFailedOne() throws Exception {
    SimFileSystem sim = new SimFileSystem(new SplittableRandom(11));
    FaultyFileSystem fs = new FaultyFileSystem(sim);
    WalConfig config = WalConfig.small();
    Path dir = Path.of("/sim/wal");
    GroupCommitLog idle =
        GroupCommitLog.start(SegmentedLog.open(fs, dir, config).log(), config, DurableListener.NONE);
    // With a spare ready the preallocator waits for the next roll; close must wake and stop it.
    assertThat(idle.spare().awaitReady(30, TimeUnit.SECONDS)).isTrue();
    assertThat(idle.preallocatorAlive()).isTrue();
    idle.close();
    assertThat(idle.preallocatorAlive()).isFalse();
    assertThat(idle.spare().isClosed()).isTrue();

    // A preallocator whose spare cannot be synced gives up; rolls preallocate inline and the log works.
    fs.closeGate(path -> !isSegment(path));
    GroupCommitLog failing =
        GroupCommitLog.start(SegmentedLog.open(fs, dir, config).log(), config, DurableListener.NONE);
    assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the preallocator reached its sync").isTrue();
    fs.failFileSyncs(true);
    fs.openGate();
    assertThat(failing.awaitPreallocatorEnd(30, TimeUnit.SECONDS)).as("the preallocator gave up").isTrue();
    fs.failFileSyncs(false);
    assertThat(failing.spare().isReady()).isFalse();
    CompletableFuture<Long> last = null;
    for (int i = 0; i < 20; i++) {
      last = failing.append(1, new byte[200]);
    }
    assertThat(last.get(30, TimeUnit.SECONDS)).isEqualTo(20);
    assertThat(failing.rollsFromSpare()).isZero();
    assertThat(failing.rollsInline()).isEqualTo(1);
    failing.close();
    assertThat(failing.preallocatorAlive()).isFalse();
  }
}
