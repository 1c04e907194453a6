package io.synod.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.DurableState;
import io.synod.paxos.Entry;
import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.MarkAwait;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.FaultyFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StorageWorkerTest {
  private static final Configuration CONFIG = Configuration.ofSize(3);
  private static final Path DIR = Path.of("/replica-1");
  private static final Ballot BALLOT = new Ballot(1, 1);

  private static PersistRequest entryAt(long seq, long slot) {
    Entry entry = new Entry(slot, BALLOT, Batch.of(("c" + slot).getBytes(StandardCharsets.UTF_8)));
    return new PersistRequest(seq, seq == 1 ? BALLOT : null, List.of(entry), -1, 0, false);
  }

  /** A request holding nothing but a chosen hint: it needs no sync. */
  private static PersistRequest hintAt(long seq, long chosenUpTo) {
    return new PersistRequest(seq, null, List.of(), chosenUpTo, 0, false);
  }

  /** Syncs of the log's segments, not of the spare the preallocator writes beside them. */
  private static boolean isLogSegment(Path path) {
    return DIR.resolve("wal").equals(path.getParent()) && !path.getFileName().toString().endsWith(".spare");
  }

  /**
   * A listener that queues what it hears as text; {@code persisted(seq)} of a seq in {@code holdAt}
   * keeps the worker inside its batch until {@code release}, so the tasks handed over meanwhile form
   * the next batch.
   */
  private static final class Heard implements StorageWorker.Listener {
    final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final long holdAt;

    Heard(long holdAt) {
      this.holdAt = holdAt;
    }

    @Override
    public void persisted(long seq) {
      heard.add("persisted " + seq);
      if (seq == holdAt) {
        holding.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void snapshotStored(SnapshotHandle handle) {
      heard.add("snapshot " + handle.slot());
    }

    @Override
    public void failed(IOException error) {
      heard.add("failed");
    }

    String next() throws InterruptedException {
      return heard.poll(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBatchOfChosenHintsAloneIsReportedWithoutASync() throws Exception {
    FaultyFileSystem fs = new FaultyFileSystem(new SimFileSystem(new SplittableRandom(3)));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    Heard listener = new Heard(-1);
    StorageWorker worker = new StorageWorker(storage, 16, listener, "test-storage");
    try {
      fs.closeGate(StorageWorkerTest::isLogSegment);
      worker.submit(new StorageWorker.Persist(hintAt(1, 0)));
      assertThat(listener.next()).as("reported while every log sync is held").isEqualTo("persisted 1");
      worker.submit(new StorageWorker.Persist(entryAt(2, 1)));
      assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("an entry is synced").isTrue();
      assertThat(listener.heard).as("not reported before its sync returned").isEmpty();
      fs.openGate();
      assertThat(listener.next()).isEqualTo("persisted 2");
    } finally {
      fs.openGate();
      worker.close();
    }
  }

  @Test
  void aTakenSnapshotIsWrittenBesideThePersistsAndHoldsNoneOfThem() throws Exception {
    FaultyFileSystem fs = new FaultyFileSystem(new SimFileSystem(new SplittableRandom(6)));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    Heard listener = new Heard(-1);
    StorageWorker worker = new StorageWorker(storage, 16, listener, "test-storage");
    try {
      fs.closeGate(path -> path.toString().contains("snapshots"));
      worker.submit(new StorageWorker.Snapshot(new SnapshotHandle(1, CONFIG), new byte[1 << 16], true));
      assertThat(fs.awaitSyncHeld(30, TimeUnit.SECONDS)).as("the snapshot's sync is held").isTrue();
      worker.submit(new StorageWorker.Persist(entryAt(1, 2)));
      assertThat(listener.next()).as("a persist handed over after it").isEqualTo("persisted 1");
      assertThat(listener.heard).as("the snapshot is not reported before its sync returned").isEmpty();
      fs.openGate();
      assertThat(listener.next()).isEqualTo("snapshot 1");
    } finally {
      fs.openGate();
      worker.close();
    }
  }

  @Test
  void snapshotsAreStoredDurablyAndOnlyTakenOnesAreReported() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(4));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    Heard listener = new Heard(1);
    StorageWorker worker = new StorageWorker(storage, 16, listener, "test-storage");
    byte[] data = "state".getBytes(StandardCharsets.UTF_8);
    try {
      worker.submit(new StorageWorker.Persist(entryAt(1, 1)));
      assertThat(listener.holding.await(30, TimeUnit.SECONDS)).isTrue();
      worker.submit(new StorageWorker.Persist(entryAt(2, 2)));
      worker.submit(new StorageWorker.Snapshot(new SnapshotHandle(2, CONFIG), data, true));
      worker.submit(new StorageWorker.Persist(entryAt(3, 3)));
      // Stored, but not reported: the loop did not take it.
      worker.submit(new StorageWorker.Snapshot(new SnapshotHandle(3, CONFIG), data, false));
      listener.release.countDown();
      assertThat(listener.next()).isEqualTo("persisted 1");
      // The batch's one report, and the taken snapshot's from its own thread, in either order.
      assertThat(List.of(listener.next(), listener.next())).containsExactlyInAnyOrder("persisted 3", "snapshot 2");
    } finally {
      listener.release.countDown();
      worker.close();
    }
    assertThat(listener.heard).isEmpty();
    fs.crash();
    DurableState state = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).state();
    assertThat(state.snapshot().slot()).isEqualTo(3);
    assertThat(state.entries()).isEmpty();
  }

  @Test
  void aStorageFailureIsReportedOnceAndLaterTasksAreDropped() throws Exception {
    FaultyFileSystem fs = new FaultyFileSystem(new SimFileSystem(new SplittableRandom(5)));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    Heard listener = new Heard(-1);
    int queueMax = 16;
    StorageWorker worker = new StorageWorker(storage, queueMax, listener, "test-storage");
    try {
      fs.failFileSyncs(true);
      worker.submit(new StorageWorker.Persist(entryAt(1, 1)));
      assertThat(listener.next()).isEqualTo("failed");
      // More than the queue holds: a failed worker drops them instead of blocking the loop.
      for (int seq = 2; seq < 2 + 2 * queueMax; seq++) {
        worker.submit(new StorageWorker.Persist(entryAt(seq, seq)));
      }
      assertThat(worker.tryPersistInline(entryAt(100, 100))).as("no inline write after a failure").isFalse();
    } finally {
      worker.close();
    }
    assertThat(listener.heard).as("nothing after the one failure").isEmpty();
  }

  @Test
  void persistsInlineOnlyWhileNoHandedOverTaskIsUnfinished() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(1));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    StorageWorker worker = new StorageWorker(storage, 16, new StorageWorker.Listener() {
      @Override
      public void persisted(long seq) {
        inListener.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void snapshotStored(SnapshotHandle handle) {}

      @Override
      public void failed(IOException error) {}
    }, "test-storage");
    try {
      assertThat(worker.tryPersistInline(entryAt(1, 1))).as("idle worker: inline").isTrue();
      worker.submit(new StorageWorker.Persist(entryAt(2, 2)));
      assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();
      // The worker is still inside its batch: an inline write could overtake queued work.
      assertThat(worker.tryPersistInline(entryAt(3, 3))).as("busy worker: no inline").isFalse();
      release.countDown();
    } finally {
      release.countDown();
      worker.close();
    }
    fs.crash();
    DurableState state = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).state();
    assertThat(state.entries()).extracting(Entry::slot).containsExactly(1L, 2L);
    assertThat(state.promised()).isEqualTo(BALLOT);
  }

  @Test
  void segmentRollsTakeTheSparePreparedBesideTheStorageThread() throws Exception {
    SimFileSystem fs = new SimFileSystem(new SplittableRandom(2));
    ReplicaStorage storage = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).storage();
    long prepared = Marks.count("wal.spare-prepared");
    long fromSpare = Marks.count("wal.roll-from-spare");
    java.util.concurrent.LinkedBlockingQueue<Long> persisted = new java.util.concurrent.LinkedBlockingQueue<>();
    StorageWorker worker = new StorageWorker(storage, 16, new StorageWorker.Listener() {
      @Override
      public void persisted(long seq) {
        persisted.add(seq);
      }

      @Override
      public void snapshotStored(SnapshotHandle handle) {}

      @Override
      public void failed(IOException error) {}
    }, "test-storage");
    int slots = 0;
    try {
      assertThat(MarkAwait.reached("wal.spare-prepared", prepared + 1)).as("the worker prepares a spare").isTrue();
      // 4 KiB segments: a few dozen entries roll into the next one.
      while (Marks.count("wal.roll-from-spare") == fromSpare && slots < 1_000) {
        slots++;
        PersistRequest request = entryAt(slots, slots);
        // The storage thread may be busy (preparing the next spare): then the request goes through it.
        if (!worker.tryPersistInline(request)) {
          worker.submit(new StorageWorker.Persist(request));
          assertThat(persisted.poll(30, TimeUnit.SECONDS)).as("persisted through the storage thread").isEqualTo(slots);
        }
      }
      assertThat(Marks.count("wal.roll-from-spare")).as("a roll took the spare").isGreaterThan(fromSpare);
    } finally {
      worker.close();
    }
    fs.crash();
    DurableState state = ReplicaStorage.open(fs, DIR, 1, CONFIG, WalConfig.small()).state();
    assertThat(state.entries()).hasSize(slots);
  }
}
