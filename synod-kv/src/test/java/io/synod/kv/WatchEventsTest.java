package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store reports each committed slot's changes as watch events and reads them back from history. */
class WatchEventsTest {
  private static final class Recorder implements MvccStore.EventListener {
    final List<WatchEvent> events = new ArrayList<>();
    int restores;

    @Override
    public void applied(List<WatchEvent> slotEvents) {
      events.addAll(slotEvents);
    }

    @Override
    public void restored() {
      restores++;
    }
  }

  @Test
  void putsDeletesAndTxnsReportTheirChangesWithPreviousValues() {
    Harness h = Harness.inMemory();
    Recorder r = new Recorder();
    h.store.setEventListener(r);
    h.put("a", "1");
    h.put("a", "2");
    h.delete("a");
    h.delete("missing");
    h.txn(TxnRequest.when().then(PutRequest.of(b("x"), b("1")), PutRequest.of(b("y"), b("2"))));
    assertThat(r.events).hasSize(5);
    assertThat(r.events.get(0)).isEqualTo(new WatchEvent(WatchEvent.Type.PUT, new KeyValue(b("a"), 2, 2, 1, b("1"), 0), null));
    assertThat(r.events.get(1).prevKv()).isEqualTo(new KeyValue(b("a"), 2, 2, 1, b("1"), 0));
    WatchEvent delete = r.events.get(2);
    assertThat(delete.type()).isEqualTo(WatchEvent.Type.DELETE);
    assertThat(delete.kv()).isEqualTo(new KeyValue(b("a"), 0, 4, 0, new byte[0], 0));
    assertThat(delete.prevKv().modRevision()).isEqualTo(3);
    assertThat(r.events.get(3).revision()).isEqualTo(5);
    assertThat(r.events.get(4).revision()).isEqualTo(5);
  }

  @Test
  void aFailedRequestOrAReadReportsNothing() {
    Harness h = Harness.inMemory();
    Recorder r = new Recorder();
    h.store.setEventListener(r);
    h.error(PutRequest.of(b("k"), b("v")).withIgnoreValue());
    h.get("k");
    assertThat(r.events).isEmpty();
  }

  @Test
  void historyReadsTheSameEventsBackInChunksThatNeverSplitARevision() {
    Harness h = Harness.inMemory();
    Recorder r = new Recorder();
    h.store.setEventListener(r);
    h.put("a", "1");
    h.txn(TxnRequest.when().then(PutRequest.of(b("b"), b("1")), PutRequest.of(b("c"), b("1")), PutRequest.of(b("d"), b("1"))));
    h.put("a", "2");
    h.delete("b");
    HistoryChunk all = h.store.history(2, 100, true);
    assertThat(all.events()).isEqualTo(r.events);
    assertThat(all.throughRevision()).isEqualTo(5);
    HistoryChunk first = h.store.history(2, 2, false);
    assertThat(first.events()).hasSize(4);
    assertThat(first.throughRevision()).isEqualTo(3);
    HistoryChunk second = h.store.history(4, 1, false);
    assertThat(second.events()).extracting(WatchEvent::revision).containsExactly(4L);
    assertThat(second.throughRevision()).isEqualTo(4);
    assertThat(h.store.history(6, 10, false).events()).isEmpty();
    assertThat(h.store.history(6, 10, false).throughRevision()).isEqualTo(5);
  }

  @Test
  void historyChunksAreBoundedInBytesToo() {
    Harness h = Harness.inMemory();
    h.put("a", "x".repeat(1000));
    h.put("b", "x".repeat(1000));
    h.put("c", "x".repeat(1000));
    HistoryChunk first = h.store.history(2, 100, 1500, false);
    assertThat(first.events()).extracting(WatchEvent::revision).containsExactly(2L, 3L);
    assertThat(first.throughRevision()).isEqualTo(3);
  }

  @Test
  void historyBelowTheCompactRevisionIsRefused() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    h.put("a", "2");
    h.ok(CompactionRequest.of(3), CompactionResponse.class);
    assertThatThrownBy(() -> h.store.history(3, 10, false)).isInstanceOf(IllegalArgumentException.class);
    assertThat(h.store.history(4, 10, false).events()).isEmpty();
  }

  @Test
  void aRestoreIsReported() {
    Harness h = Harness.inMemory();
    h.put("a", "1");
    byte[] snapshot = h.store.snapshot();
    Harness other = Harness.inMemory();
    Recorder r = new Recorder();
    other.store.setEventListener(r);
    other.store.restore(h.store.appliedSlot(), snapshot);
    assertThat(r.restores).isEqualTo(1);
    assertThat(r.events).isEmpty();
  }
}
