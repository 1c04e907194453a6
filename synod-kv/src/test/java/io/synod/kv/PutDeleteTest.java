package io.synod.kv;

import static io.synod.kv.Harness.b;
import static io.synod.kv.Harness.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Put and delete-range: versions, create revisions, prev_kv, ignore_value and ignore_lease. */
class PutDeleteTest {
  @Test
  void versionCountsWritesSinceCreationAndRestartsAfterDelete() {
    Harness h = Harness.inMemory();
    h.put("k", "1");
    h.put("k", "2");
    h.put("k", "3");
    KeyValue before = h.kv("k");
    assertThat(before.version()).isEqualTo(3);
    assertThat(before.createRevision()).isEqualTo(2);
    assertThat(before.modRevision()).isEqualTo(4);
    h.delete("k");
    assertThat(h.kv("k")).isNull();
    h.put("k", "again");
    KeyValue recreated = h.kv("k");
    assertThat(recreated.version()).isEqualTo(1);
    assertThat(recreated.createRevision()).isEqualTo(6);
    assertThat(recreated.modRevision()).isEqualTo(6);
  }

  @Test
  void prevKvReturnsTheFormerPairOnlyWhenAskedAndPresent() {
    Harness h = Harness.inMemory();
    assertThat(h.ok(PutRequest.of(b("k"), b("1")).withPrevKv(), PutResponse.class).prevKv()).isNull();
    PutResponse second = h.ok(PutRequest.of(b("k"), b("2")).withPrevKv(), PutResponse.class);
    assertThat(second.prevKv()).isEqualTo(new KeyValue(b("k"), 2, 2, 1, b("1"), 0));
    assertThat(h.put("k", "3").prevKv()).isNull();
  }

  @Test
  void leaseIsStoredAndIgnoreLeaseKeepsIt() {
    Harness h = Harness.inMemory();
    h.ok(LeaseRequest.grant(42, 60), LeaseResponse.class);
    h.ok(PutRequest.of(b("k"), b("1")).withLease(42), PutResponse.class);
    assertThat(h.kv("k").lease()).isEqualTo(42);
    h.ok(PutRequest.of(b("k"), b("2")).withIgnoreLease(), PutResponse.class);
    assertThat(h.kv("k").lease()).isEqualTo(42);
    assertThat(h.get("k")).isEqualTo("2");
    h.put("k", "3");
    assertThat(h.kv("k").lease()).isZero();
  }

  @Test
  void ignoreValueKeepsTheValueAndBumpsTheVersion() {
    Harness h = Harness.inMemory();
    h.put("k", "v");
    h.ok(LeaseRequest.grant(7, 60), LeaseResponse.class);
    h.ok(PutRequest.of(b("k"), Bytes.EMPTY).withLease(7).withIgnoreValue(), PutResponse.class);
    KeyValue kv = h.kv("k");
    assertThat(s(kv.value())).isEqualTo("v");
    assertThat(kv.lease()).isEqualTo(7);
    assertThat(kv.version()).isEqualTo(2);
  }

  @Test
  void ignoreFlagsNeedAnExistingKeyAndNoValueOrLease() {
    Harness h = Harness.inMemory();
    assertThat(h.error(PutRequest.of(b("k"), Bytes.EMPTY).withIgnoreValue())).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(h.error(PutRequest.of(b("k"), b("x")).withIgnoreLease())).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    h.put("k", "v");
    h.delete("k");
    assertThat(h.error(PutRequest.of(b("k"), Bytes.EMPTY).withIgnoreValue())).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    h.put("k", "v");
    assertThat(h.error(PutRequest.of(b("k"), b("x")).withIgnoreValue())).isEqualTo(KvException.Code.VALUE_PROVIDED);
    assertThat(h.error(PutRequest.of(b("k"), b("x")).withLease(3).withIgnoreLease()))
        .isEqualTo(KvException.Code.LEASE_PROVIDED);
  }

  @Test
  void errorsCarryEtcdsMessages() {
    Harness h = Harness.inMemory();
    KvResult result = h.apply(PutRequest.of(b("k"), Bytes.EMPTY).withIgnoreValue());
    assertThat(result.errorMessage()).isEqualTo("etcdserver: key not found");
    assertThat(h.apply(PutRequest.of(Bytes.EMPTY, b("v"))).errorMessage()).isEqualTo("etcdserver: key is not provided");
  }

  @Test
  void deleteRangeDeletesEveryKeyInRangeAndReturnsPrevKvsInKeyOrder() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    h.put("b", "2");
    h.put("c", "3");
    h.put("d", "4");
    DeleteRangeResponse deleted = h.ok(DeleteRangeRequest.range(b("b"), b("d")).withPrevKv(), DeleteRangeResponse.class);
    assertThat(deleted.deleted()).isEqualTo(2);
    assertThat(deleted.header().revision()).isEqualTo(6);
    assertThat(deleted.prevKvs()).extracting(kv -> s(kv.key())).containsExactly("b", "c");
    assertThat(deleted.prevKvs().get(1)).isEqualTo(new KeyValue(b("c"), 4, 4, 1, b("3"), 0));
    assertThat(Harness.keys(h.range(RangeRequest.all()))).containsExactly("a", "d");
    DeleteRangeResponse without = h.ok(DeleteRangeRequest.key(b("a")), DeleteRangeResponse.class);
    assertThat(without.prevKvs()).isEmpty();
    assertThat(without.deleted()).isEqualTo(1);
  }

  @Test
  void deleteWithZeroEndDeletesEverythingFromKey() {
    Harness h = Harness.inMemory();
    for (String k : List.of("a", "b", "c")) {
      h.put(k, k);
    }
    h.ok(DeleteRangeRequest.range(b("b"), new byte[] {0}), DeleteRangeResponse.class);
    assertThat(Harness.keys(h.range(RangeRequest.all()))).containsExactly("a");
    assertThat(h.error(DeleteRangeRequest.key(Bytes.EMPTY))).isEqualTo(KvException.Code.EMPTY_KEY);
  }

  @Test
  void historyIsReadableAtEveryRetainedRevision() {
    Harness h = Harness.inMemory();
    h.put("k", "1");
    h.put("k", "2");
    h.delete("k");
    h.put("k", "3");
    assertThat(s(h.range(RangeRequest.key(b("k")).atRevision(2)).kvs().get(0).value())).isEqualTo("1");
    assertThat(s(h.range(RangeRequest.key(b("k")).atRevision(3)).kvs().get(0).value())).isEqualTo("2");
    assertThat(h.range(RangeRequest.key(b("k")).atRevision(4)).kvs()).isEmpty();
    assertThat(h.range(RangeRequest.key(b("k")).atRevision(1)).kvs()).isEmpty();
    RangeResponse atFive = h.range(RangeRequest.key(b("k")).atRevision(5));
    assertThat(atFive.kvs().get(0).version()).isEqualTo(1);
    // The header carries the current revision, not the one read.
    assertThat(h.range(RangeRequest.key(b("k")).atRevision(2)).header().revision()).isEqualTo(5);
  }
}
