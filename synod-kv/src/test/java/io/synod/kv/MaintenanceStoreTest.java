package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.kv.engine.InMemoryEngine;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** HashKV and Hash determinism, replicated alarms, defragment. */
class MaintenanceStoreTest {
  /** A mixed seeded workload: puts, deletes, transactions and compactions. */
  private static Harness workload(long seed, int ops) {
    Harness h = Harness.inMemory();
    SplittableRandom random = new SplittableRandom(seed);
    RandomRequests requests = new RandomRequests(random, 0.02);
    for (int i = 0; i < ops; i++) {
      KvRequest request = requests.request(h.store.revision());
      if (request instanceof CompactionRequest) {
        request = CompactionRequest.of(Math.max(1, h.store.revision() - 30));
      }
      h.apply(KvCommand.session(1 + random.nextInt(5), i + 1, request));
    }
    return h;
  }

  @Test
  void hashKvIsTheSameForTheSameCommandsAndForAStoreRestoredFromASnapshot() throws KvException {
    Harness a = workload(11, 600);
    Harness b = workload(11, 600);
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(a.slot, a.store.snapshot());
    assertThat(a.store.compactRevision()).as("the workload compacted").isPositive();
    for (long rev = a.store.compactRevision() + 1; rev <= a.store.revision(); rev++) {
      HashKvResult expected = a.store.hashKv(rev);
      assertThat(b.store.hashKv(rev)).as("rev %d", rev).isEqualTo(expected);
      assertThat(restored.hashKv(rev)).as("rev %d restored", rev).isEqualTo(expected);
      assertThat(expected.compactRevision()).isEqualTo(a.store.compactRevision());
      assertThat(expected.revision()).isEqualTo(rev);
    }
    assertThat(a.store.hashKv(0)).isEqualTo(a.store.hashKv(a.store.revision()));
    assertThat(restored.hash()).isEqualTo(a.store.hash());
    assertThat(b.store.hash()).isEqualTo(a.store.hash());
  }

  @Test
  void hashKvChangesWithEveryWriteAndIgnoresWritesAfterItsRevision() throws KvException {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    long at = h.store.revision();
    int before = h.store.hashKv(at).hash();
    h.put("a", "2");
    assertThat(h.store.hashKv(at).hash()).isEqualTo(before);
    assertThat(h.store.hashKv(0).hash()).isNotEqualTo(before);
    int withTwo = h.store.hashKv(0).hash();
    h.delete("a");
    assertThat(h.store.hashKv(0).hash()).isNotEqualTo(withTwo);
    // A different value at the same revision gives a different hash.
    Harness other = Harness.inMemory();
    other.put("a", "x");
    assertThat(other.store.hashKv(at).hash()).isNotEqualTo(before);
  }

  @Test
  void hashKvRefusesCompactedAndFutureRevisions() {
    Harness h = Harness.inMemory();
    for (int i = 0; i < 5; i++) {
      h.put("k", "v" + i);
    }
    h.ok(CompactionRequest.of(4), CompactionResponse.class);
    assertThatThrownBy(() -> h.store.hashKv(4)).isInstanceOfSatisfying(KvException.class,
        e -> assertThat(e.code()).isEqualTo(KvException.Code.COMPACTED));
    assertThatThrownBy(() -> h.store.hashKv(h.store.revision() + 1)).isInstanceOfSatisfying(KvException.class,
        e -> assertThat(e.code()).isEqualTo(KvException.Code.FUTURE_REV));
  }

  @Test
  void noSpaceRefusesWritesThatAddDataUntilItIsDisarmed() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    AlarmResponse raised = h.ok(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 2, AlarmType.NOSPACE), AlarmResponse.class);
    assertThat(raised.alarms()).containsExactly(new AlarmMember(2, AlarmType.NOSPACE));
    long revision = h.store.revision();
    assertThat(h.store.alarms()).containsExactly(new AlarmMember(2, AlarmType.NOSPACE));
    assertThat(h.store.noSpaceAlarm()).isTrue();
    assertThat(h.error(PutRequest.of(b("b"), b("2")))).isEqualTo(KvException.Code.NO_SPACE);
    assertThat(h.error(TxnRequest.when().then(PutRequest.of(b("b"), b("2"))))).isEqualTo(KvException.Code.NO_SPACE);
    assertThat(h.store.revision()).isEqualTo(revision);
    // Reads, deletes, read-only transactions and compaction still work.
    assertThat(h.get("a")).isEqualTo("1");
    h.txn(TxnRequest.when().then(RangeRequest.key(b("a"))));
    h.delete("a");
    h.ok(CompactionRequest.of(h.store.revision()), CompactionResponse.class);
    // Raising it again changes nothing; clearing another member's changes nothing.
    assertThat(h.ok(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 2, AlarmType.NOSPACE), AlarmResponse.class)
        .alarms()).isEmpty();
    assertThat(h.ok(new AlarmRequest(AlarmRequest.Action.DEACTIVATE, 3, AlarmType.NOSPACE), AlarmResponse.class)
        .alarms()).isEmpty();
    assertThat(h.store.noSpaceAlarm()).isTrue();
    AlarmResponse cleared = h.ok(new AlarmRequest(AlarmRequest.Action.DEACTIVATE, 2, AlarmType.NOSPACE), AlarmResponse.class);
    assertThat(cleared.alarms()).containsExactly(new AlarmMember(2, AlarmType.NOSPACE));
    assertThat(h.store.alarms()).isEmpty();
    h.put("b", "2");
    assertThat(h.get("b")).isEqualTo("2");
  }

  @Test
  void alarmsAreReplicatedStateThatSurvivesSnapshotsAndRestarts() {
    Harness h = Harness.inMemory();
    long hashBefore = h.store.stateHash();
    h.apply(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 3, AlarmType.NOSPACE));
    h.apply(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 1, AlarmType.NOSPACE));
    assertThat(h.store.stateHash()).isNotEqualTo(hashBefore);
    List<AlarmMember> expected = List.of(new AlarmMember(1, AlarmType.NOSPACE), new AlarmMember(3, AlarmType.NOSPACE));
    assertThat(h.store.alarms()).isEqualTo(expected);
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(h.slot, h.store.snapshot());
    assertThat(restored.alarms()).isEqualTo(expected);
    MvccStore reopened = MvccStore.open(((InMemoryEngine) h.engine).copy());
    assertThat(reopened.alarms()).isEqualTo(expected);
    assertThat(reopened.stateHash()).isEqualTo(h.store.stateHash());
  }

  @Test
  void alarmNoneIsRefusedAndAlarmsAreNotAllowedInsideATransactionEncoding() {
    Harness h = Harness.inMemory();
    assertThat(h.error(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 1, AlarmType.NONE)))
        .isEqualTo(KvException.Code.INVALID_ARGUMENT);
    assertThat(h.store.alarms()).isEmpty();
  }

  @Test
  void alarmCommandsAndResponsesRoundTrip() throws KvException {
    KvCommand command = KvCommand.of(new AlarmRequest(AlarmRequest.Action.DEACTIVATE, -7, AlarmType.CORRUPT));
    assertThat(KvCodec.decodeCommand(KvCodec.encodeCommand(command))).isEqualTo(command);
    KvResult result = KvResult.ok(new AlarmResponse(new ResponseHeader(9),
        List.of(new AlarmMember(4, AlarmType.NOSPACE), new AlarmMember(5, AlarmType.CORRUPT))));
    assertThat(KvCodec.decodeResult(KvCodec.encodeResult(result))).isEqualTo(result);
  }

  @Test
  void defragmentKeepsEveryEntryAndTheHash() throws KvException {
    Harness h = workload(5, 400);
    long hash = h.store.stateHash();
    HashKvResult kv = h.store.hashKv(0);
    long size = h.store.sizeBytes();
    h.store.defragment();
    assertThat(h.store.stateHash()).isEqualTo(hash);
    assertThat(h.store.hashKv(0)).isEqualTo(kv);
    assertThat(h.store.sizeBytes()).isEqualTo(size);
    h.put("after", "defrag");
    assertThat(h.get("after")).isEqualTo("defrag");
  }
}
