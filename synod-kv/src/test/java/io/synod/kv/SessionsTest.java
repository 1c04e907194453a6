package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.common.Marks;
import io.synod.kv.engine.InMemoryEngine;
import org.junit.jupiter.api.Test;

/** Exactly-once: a retried (client, sequence) gets the original reply and is not applied again. */
class SessionsTest {
  @Test
  void aRetriedWriteGetsTheOriginalReplyAndIsNotAppliedTwice() {
    Harness h = Harness.inMemory();
    KvCommand put = KvCommand.session(7, 1, PutRequest.of(b("k"), b("v")).withPrevKv());
    KvResult first = h.apply(put);
    assertThat(h.store.revision()).isEqualTo(2);
    h.put("k", "other");
    Marks.reset();
    KvResult retry = h.apply(put);
    assertThat(retry).isEqualTo(first);
    assertThat(Marks.count("kv.session-duplicate")).isEqualTo(1);
    assertThat(h.store.revision()).isEqualTo(3);
    assertThat(h.get("k")).isEqualTo("other");
  }

  @Test
  void errorsAreRememberedToo() {
    Harness h = Harness.inMemory();
    KvCommand bad = KvCommand.session(7, 1, PutRequest.of(b("k"), Bytes.EMPTY).withIgnoreValue());
    assertThat(h.apply(bad).errorCode()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    h.put("k", "v");
    // Even though the put would succeed now, the retry gets the original answer.
    assertThat(h.apply(bad).errorCode()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(h.kv("k").version()).isEqualTo(1);
  }

  @Test
  void newerSequencesApplyAndOlderOnesAreRefused() {
    Harness h = Harness.inMemory();
    assertThat(h.apply(KvCommand.session(7, 1, PutRequest.of(b("k"), b("1")))).isOk()).isTrue();
    assertThat(h.apply(KvCommand.session(7, 3, PutRequest.of(b("k"), b("3")))).isOk()).isTrue();
    KvResult stale = h.apply(KvCommand.session(7, 2, PutRequest.of(b("k"), b("2"))));
    assertThat(stale.errorCode()).isEqualTo(KvException.Code.SEQUENCE_STALE);
    assertThat(h.get("k")).isEqualTo("3");
    // Other clients are independent.
    assertThat(h.apply(KvCommand.session(8, 1, PutRequest.of(b("j"), b("1")))).isOk()).isTrue();
  }

  @Test
  void rangesBypassTheTable() {
    Harness h = Harness.inMemory();
    h.put("k", "1");
    KvCommand read = KvCommand.session(7, 1, RangeRequest.key(b("k")));
    assertThat(h.apply(read).isOk()).isTrue();
    h.put("k", "2");
    RangeResponse again = (RangeResponse) h.apply(read).response();
    assertThat(Harness.s(again.kvs().get(0).value())).isEqualTo("2");
  }

  @Test
  void leastRecentlyUsedClientIsForgottenFirstAndTheTableSurvivesRestart() {
    Harness h = Harness.inMemory(new KvLimits(128, 1 << 20, 2));
    h.apply(KvCommand.session(1, 1, PutRequest.of(b("a"), b("1"))));
    h.apply(KvCommand.session(2, 1, PutRequest.of(b("b"), b("1"))));
    h.apply(KvCommand.session(1, 2, PutRequest.of(b("a"), b("2"))));
    Marks.reset();
    // Client 3 evicts client 2, whose last use is the oldest.
    h.apply(KvCommand.session(3, 1, PutRequest.of(b("c"), b("1"))));
    assertThat(Marks.count("kv.session-evicted")).isEqualTo(1);
    long revision = h.store.revision();
    // Client 1 is remembered, so its retry is deduplicated...
    h.apply(KvCommand.session(1, 2, PutRequest.of(b("a"), b("2"))));
    assertThat(h.store.revision()).isEqualTo(revision);
    // ...and that holds after a restart from the engine's contents.
    Harness restarted = new Harness(((InMemoryEngine) h.engine).copy(), new KvLimits(128, 1 << 20, 2));
    restarted.apply(KvCommand.session(1, 2, PutRequest.of(b("a"), b("2"))));
    restarted.apply(KvCommand.session(3, 1, PutRequest.of(b("c"), b("1"))));
    assertThat(restarted.store.revision()).isEqualTo(revision);
    assertThat(restarted.store.stateHash()).isEqualTo(h.store.stateHash());
    // Client 2 was forgotten: its retry runs again (the documented cost of the bound).
    restarted.apply(KvCommand.session(2, 1, PutRequest.of(b("b"), b("1"))));
    assertThat(restarted.store.revision()).isEqualTo(revision + 1);
  }
}
