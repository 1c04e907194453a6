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
import io.synod.wal.fs.SimFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
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
    StorageWorker worker = new StorageWorker(storage, 16, new StorageWorker.Listener() {
      @Override
      public void persisted(long seq) {}

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
        assertThat(worker.tryPersistInline(entryAt(slots, slots))).isTrue();
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
