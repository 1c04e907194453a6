package io.synod.kv;

import static io.synod.kv.Harness.b;
import static io.synod.kv.Harness.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import org.junit.jupiter.api.Test;

/** Compaction: which revisions stay readable, what is dropped, which requests are refused. */
class CompactionTest {
  /** a: 2 "1", 3 "2", deleted 4; b: 5 "x"; a again: 6 "3". Current revision 6. */
  private static Harness history() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    h.put("a", "2");
    h.delete("a");
    h.put("b", "x");
    h.put("a", "3");
    return h;
  }

  @Test
  void readsBelowTheCompactRevisionFailAndReadsAtOrAboveAreUnchanged() {
    Harness h = history();
    RangeResponse[] before = new RangeResponse[7];
    for (int rev = 4; rev <= 6; rev++) {
      before[rev] = h.range(RangeRequest.all().atRevision(rev));
    }
    h.ok(CompactionRequest.of(4), CompactionResponse.class);
    assertThat(h.store.compactRevision()).isEqualTo(4);
    for (int rev = 1; rev < 4; rev++) {
      KvResult result = h.apply(RangeRequest.all().atRevision(rev));
      assertThat(result.errorCode()).as("rev %d", rev).isEqualTo(KvException.Code.COMPACTED);
      assertThat(result.errorMessage()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
    }
    for (int rev = 4; rev <= 6; rev++) {
      assertThat(h.range(RangeRequest.all().atRevision(rev))).as("rev %d", rev).isEqualTo(before[rev]);
    }
  }

  @Test
  void compactionKeepsTheNewestVersionAtOrBelowTheRevision() {
    Harness h = history();
    h.ok(CompactionRequest.of(3), CompactionResponse.class);
    RangeResponse atThree = h.range(RangeRequest.key(b("a")).atRevision(3));
    assertThat(s(atThree.kvs().get(0).value())).isEqualTo("2");
    assertThat(atThree.kvs().get(0).version()).isEqualTo(2);
    assertThat(atThree.kvs().get(0).createRevision()).isEqualTo(2);
  }

  @Test
  void aKeyWhoseNewestVersionIsATombstoneIsRemovedEntirely() {
    Harness h = Harness.inMemory();
    h.put("gone", "1");
    h.delete("gone");
    h.put("other", "1");
    Marks.reset();
    h.ok(CompactionRequest.of(4), CompactionResponse.class);
    assertThat(Marks.count("kv.compaction-dropped-history")).isEqualTo(1);
    assertThat(h.store.stateHash()).isEqualTo(rebuiltHash(h));
    // Nothing of "gone" is left: only "other" is indexed, and its single record stays.
    assertThat(h.range(RangeRequest.all().atRevision(4)).kvs()).hasSize(1);
    // Left in the engine: current and compact revision, and the one change of "other".
    assertThat(((io.synod.kv.engine.InMemoryEngine) h.engine).size()).isEqualTo(3);
  }

  @Test
  void compactRevisionMustGrowAndNotPassTheCurrentRevision() {
    Harness h = history();
    assertThat(h.error(CompactionRequest.of(7))).isEqualTo(KvException.Code.FUTURE_REV);
    h.ok(CompactionRequest.of(3), CompactionResponse.class);
    assertThat(h.error(CompactionRequest.of(3))).isEqualTo(KvException.Code.COMPACTED);
    assertThat(h.error(CompactionRequest.of(2))).isEqualTo(KvException.Code.COMPACTED);
    h.ok(CompactionRequest.of(6), CompactionResponse.class);
    assertThat(h.range(RangeRequest.all()).kvs()).hasSize(2);
    assertThat(h.kv("a").version()).isEqualTo(1);
    assertThat(h.kv("a").createRevision()).isEqualTo(6);
  }

  @Test
  void compactingAtTheCurrentRevisionKeepsCurrentState() {
    Harness h = history();
    RangeResponse now = h.range(RangeRequest.all());
    h.ok(CompactionRequest.of(6), CompactionResponse.class);
    assertThat(h.range(RangeRequest.all())).isEqualTo(now);
    h.put("c", "new");
    assertThat(h.kv("c").modRevision()).isEqualTo(7);
  }

  @Test
  void aNewStoreAcceptsCompactionAtZeroOrOneLikeEtcd() {
    Harness h = Harness.inMemory();
    assertThat(h.store.compactRevision()).isEqualTo(-1);
    h.ok(CompactionRequest.of(1), CompactionResponse.class);
    assertThat(h.error(CompactionRequest.of(1))).isEqualTo(KvException.Code.COMPACTED);
    assertThat(h.range(RangeRequest.all().atRevision(1)).kvs()).isEmpty();
  }

  @Test
  void physicalFlagIsAcceptedAndCompactionIsDoneOnReturn() {
    Harness h = history();
    h.ok(new CompactionRequest(5, true), CompactionResponse.class);
    assertThat(h.error(RangeRequest.all().atRevision(4))).isEqualTo(KvException.Code.COMPACTED);
  }

  private static long rebuiltHash(Harness h) {
    io.synod.kv.engine.InMemoryEngine copy = ((io.synod.kv.engine.InMemoryEngine) h.engine).copy();
    return MvccStore.open(copy).stateHash();
  }
}
