package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Revision numbering: which requests take a revision, and what each header reports. */
class RevisionTest {
  @Test
  void newStoreIsAtRevisionOneAndTheFirstWriteGetsTwo() {
    Harness h = Harness.inMemory();
    assertThat(h.store.revision()).isEqualTo(1);
    assertThat(h.range(RangeRequest.key(b("a"))).header().revision()).isEqualTo(1);
    PutResponse put = h.put("a", "1");
    assertThat(put.header().revision()).isEqualTo(2);
    assertThat(h.store.revision()).isEqualTo(2);
    assertThat(h.kv("a").modRevision()).isEqualTo(2);
    assertThat(h.kv("a").createRevision()).isEqualTo(2);
  }

  @Test
  void eachWriteTakesTheNextRevision() {
    Harness h = Harness.inMemory();
    for (int i = 0; i < 5; i++) {
      assertThat(h.put("k" + i, "v").header().revision()).isEqualTo(2 + i);
    }
    assertThat(h.delete("k0").header().revision()).isEqualTo(7);
  }

  @Test
  void deleteOfNothingDoesNotTakeARevision() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    DeleteRangeResponse none = h.delete("zzz");
    assertThat(none.deleted()).isZero();
    assertThat(none.header().revision()).isEqualTo(2);
    assertThat(h.store.revision()).isEqualTo(2);
  }

  @Test
  void readOnlyTxnAndTxnWhoseBranchWritesNothingDoNotTakeARevision() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    TxnResponse readOnly = h.txn(TxnRequest.when().then(RangeRequest.key(b("a"))));
    assertThat(readOnly.header().revision()).isEqualTo(2);
    // The failure branch writes, but the success branch (taken) only deletes a missing key.
    TxnResponse noWrite = h.txn(TxnRequest.when()
        .then(DeleteRangeRequest.key(b("missing")))
        .orElse(PutRequest.of(b("a"), b("2"))));
    assertThat(noWrite.succeeded()).isTrue();
    assertThat(noWrite.header().revision()).isEqualTo(2);
    assertThat(h.store.revision()).isEqualTo(2);
  }

  @Test
  void aTxnTakesOneRevisionForAllItsWrites() {
    Harness h = Harness.inMemory();
    TxnResponse txn = h.txn(TxnRequest.when().then(
        PutRequest.of(b("a"), b("1")), PutRequest.of(b("b"), b("2")), PutRequest.of(b("c"), b("3"))));
    assertThat(txn.header().revision()).isEqualTo(2);
    assertThat(h.kv("a").modRevision()).isEqualTo(2);
    assertThat(h.kv("c").modRevision()).isEqualTo(2);
    assertThat(h.put("d", "4").header().revision()).isEqualTo(3);
  }

  @Test
  void failedRequestsDoNotTakeARevision() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    assertThat(h.error(PutRequest.of(b("missing"), Bytes.EMPTY).withIgnoreValue()))
        .isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(h.error(PutRequest.of(Bytes.EMPTY, b("x")))).isEqualTo(KvException.Code.EMPTY_KEY);
    assertThat(h.store.revision()).isEqualTo(2);
  }

  @Test
  void compactionReportsTheCurrentRevision() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    h.put("a", "2");
    assertThat(h.ok(CompactionRequest.of(2), CompactionResponse.class).header().revision()).isEqualTo(3);
    assertThat(h.store.revision()).isEqualTo(3);
  }
}
