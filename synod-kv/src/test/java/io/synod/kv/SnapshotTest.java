package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.kv.engine.InMemoryEngine;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Snapshot and restore, state hash determinism, restart from the engine. */
class SnapshotTest {
  private static Harness workload(long seed, int ops) {
    Harness h = Harness.inMemory();
    SplittableRandom random = new SplittableRandom(seed);
    RandomRequests requests = new RandomRequests(random, 0.01);
    for (int i = 0; i < ops; i++) {
      KvRequest request = requests.request(h.store.revision());
      if (request instanceof CompactionRequest) {
        // Compact rarely and not too close to the head, so history stays to compare.
        request = CompactionRequest.of(Math.max(1, h.store.revision() - 20));
      }
      h.apply(KvCommand.session(1 + random.nextInt(5), i + 1, request));
    }
    return h;
  }

  @Test
  void restoreGivesTheSameHashAndTheSameReadsAtEveryRetainedRevision() throws KvException {
    Harness source = workload(3, 800);
    byte[] snapshot = source.store.snapshot();
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(source.slot, snapshot);
    assertThat(restored.appliedSlot()).isEqualTo(source.slot);
    assertThat(restored.revision()).isEqualTo(source.store.revision());
    assertThat(restored.compactRevision()).isEqualTo(source.store.compactRevision());
    assertThat(restored.stateHash()).isEqualTo(source.store.stateHash());
    for (long rev = Math.max(1, source.store.compactRevision()); rev <= source.store.revision(); rev++) {
      RangeRequest all = RangeRequest.all().atRevision(rev);
      assertThat(restored.range(all)).as("rev %d", rev).isEqualTo(source.store.range(all));
    }
    // And both go on identically.
    Harness a = source;
    long slot = source.slot;
    for (int i = 0; i < 50; i++) {
      KvCommand command = KvCommand.of(PutRequest.of(b("after" + (i % 7)), b("v" + i)));
      slot++;
      assertThat(restored.apply(slot, command)).isEqualTo(a.store.apply(slot, command));
      restored.slotApplied(slot);
      a.store.slotApplied(slot);
    }
    assertThat(restored.stateHash()).isEqualTo(a.store.stateHash());
  }

  @Test
  void aSnapshotEncodedInStepsIsTheStateAtItsStartWhateverIsAppliedBetweenSteps() {
    Harness source = workload(41, 600);
    byte[] whole = source.store.snapshot();
    long slotAtStart = source.slot;
    long hashAtStart = source.store.stateHash();
    SnapshotEncoder encoder = source.store.startSnapshot();
    assertThat(encoder.slot()).isEqualTo(slotAtStart);
    SplittableRandom random = new SplittableRandom(42);
    RandomRequests requests = new RandomRequests(random, 0.01);
    byte[] stepped = null;
    int steps = 0;
    for (int i = 0; stepped == null && i < 10_000; i++) {
      stepped = encoder.step(1);
      steps++;
      // Puts, deletes, txns and a compaction that removes history the snapshot still holds.
      KvRequest request = i == 3 ? CompactionRequest.of(source.store.revision()) : requests.request(source.store.revision());
      source.apply(KvCommand.session(1 + random.nextInt(5), 10_000 + i, request));
    }
    assertThat(steps).as("the snapshot took many steps").isGreaterThan(20);
    assertThat(stepped).as("the same bytes as a snapshot taken at once at its start").isEqualTo(whole);
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(slotAtStart, stepped);
    assertThat(restored.stateHash()).isEqualTo(hashAtStart);
    // The engine keeps nothing for it any more: a new one starts.
    assertThat(source.store.startSnapshot().step(Long.MAX_VALUE)).isEqualTo(source.store.snapshot());
  }

  @Test
  void aRestoreAbandonsASnapshotBeingEncoded() {
    Harness source = workload(43, 300);
    Harness target = workload(44, 100);
    SnapshotEncoder encoder = target.store.startSnapshot();
    assertThat(encoder.step(100)).isNull();
    target.store.restore(source.slot, source.store.snapshot());
    assertThatThrownBy(() -> encoder.step(100)).isInstanceOf(io.synod.common.Ensure.InvariantViolation.class);
    assertThat(target.store.stateHash()).isEqualTo(source.store.stateHash());
    assertThat(target.store.startSnapshot().step(Long.MAX_VALUE)).isEqualTo(source.store.snapshot());
  }

  @Test
  void restoreReplacesANonEmptyState() {
    Harness source = workload(5, 200);
    Harness target = workload(6, 100);
    long slot = Math.max(source.slot, target.slot);
    // Re-snapshot the source at a slot the target has not passed.
    source.store.slotApplied(slot + 1);
    target.store.restore(slot + 1, source.store.snapshot());
    assertThat(target.store.stateHash()).isEqualTo(source.store.stateHash());
    assertThat(target.store.appliedSlot()).isEqualTo(slot + 1);
  }

  @Test
  void malformedSnapshotsAreRefusedAndChangeNothing() {
    Harness source = workload(8, 100);
    Harness target = workload(9, 50);
    long hash = target.store.stateHash();
    byte[] snapshot = source.store.snapshot();
    byte[] corrupt = snapshot.clone();
    corrupt[corrupt.length / 2] ^= 1;
    assertThatThrownBy(() -> target.store.restore(source.slot, corrupt))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    assertThatThrownBy(() -> target.store.restore(source.slot, java.util.Arrays.copyOf(snapshot, 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> target.store.restore(source.slot + 1, snapshot))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot");
    assertThat(target.store.stateHash()).isEqualTo(hash);
  }

  @Test
  void sameCommandsGiveTheSameHashAndDifferentOnesDoNot() {
    assertThat(workload(21, 500).store.stateHash()).isEqualTo(workload(21, 500).store.stateHash());
    assertThat(workload(21, 500).store.stateHash()).isNotEqualTo(workload(22, 500).store.stateHash());
    Harness a = workload(23, 100);
    Harness b = workload(23, 100);
    a.put("x", "1");
    b.put("x", "2");
    assertThat(a.store.stateHash()).isNotEqualTo(b.store.stateHash());
  }

  @Test
  void reopeningRebuildsTheSameState() throws KvException {
    Harness h = workload(31, 600);
    MvccStore reopened = MvccStore.open(((InMemoryEngine) h.engine).copy());
    assertThat(reopened.stateHash()).isEqualTo(h.store.stateHash());
    assertThat(reopened.appliedSlot()).isEqualTo(h.slot);
    assertThat(reopened.range(RangeRequest.all())).isEqualTo(h.store.range(RangeRequest.all()));
  }

  @Test
  void aSlotReachesTheEngineOnlyWhenComplete() {
    InMemoryEngine engine = new InMemoryEngine();
    MvccStore store = MvccStore.open(engine);
    store.apply(1, KvCommand.of(PutRequest.of(b("a"), b("1"))));
    store.apply(1, KvCommand.of(PutRequest.of(b("b"), b("1"))));
    assertThat(engine.size()).as("nothing written mid-slot").isZero();
    assertThatThrownBy(store::stateHash).isInstanceOf(IllegalStateException.class);
    // A crash now restarts from slot 0 and replays slot 1 whole.
    assertThat(MvccStore.open(engine.copy()).revision()).isEqualTo(1);
    store.slotApplied(1);
    assertThat(engine.appliedSlot()).isEqualTo(1);
    assertThat(MvccStore.open(engine.copy()).revision()).isEqualTo(3);
    // A slot with no commands is recorded as well; a command of a later slot completes the current one.
    store.slotApplied(2);
    store.apply(3, KvCommand.of(PutRequest.of(b("c"), b("1"))));
    store.apply(4, KvCommand.of(PutRequest.of(b("d"), b("1"))));
    assertThat(engine.appliedSlot()).isEqualTo(3);
    assertThatThrownBy(() -> store.apply(3, KvCommand.of(RangeRequest.all())))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
