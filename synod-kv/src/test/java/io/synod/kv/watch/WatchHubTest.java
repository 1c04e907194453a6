package io.synod.kv.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.Bytes;
import io.synod.kv.CompactionRequest;
import io.synod.kv.DeleteRangeRequest;
import io.synod.kv.KvCommand;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResult;
import io.synod.kv.MvccStore;
import io.synod.kv.PutRequest;
import io.synod.kv.TxnRequest;
import io.synod.kv.WatchEvent;
import io.synod.kv.engine.InMemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WatchHubTest {
  private final MvccStore store = MvccStore.open(new InMemoryEngine());
  private long slot;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private void apply(KvRequest request) {
    slot++;
    KvResult result = store.apply(slot, KvCommand.of(request));
    store.slotApplied(slot);
    assertThat(result.isOk()).as("%s: %s", request, result.errorMessage()).isTrue();
  }

  private void put(String k, String v) {
    apply(PutRequest.of(b(k), b(v)));
  }

  private void delete(String k) {
    apply(DeleteRangeRequest.key(b(k)));
  }

  /** Everything watcher {@code id} has to hand out now, as "PUT k=v@rev" / "DELETE k@rev" lines. */
  private static List<String> drain(WatchHub hub, long id) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      if (!hub.isReady(id)) {
        return out;
      }
      WatchOutput o = hub.take(id);
      if (o == null) {
        continue;
      }
      out.addAll(show(o));
      if (o instanceof WatchOutput.Canceled) {
        return out;
      }
    }
    throw new AssertionError("watcher " + id + " never ran dry");
  }

  private static List<String> show(WatchOutput o) {
    List<String> out = new ArrayList<>();
    if (o instanceof WatchOutput.Events e) {
      for (WatchEvent ev : e.events()) {
        String prev = ev.prevKv() == null ? "" : " prev=" + s(ev.prevKv().value());
        out.add(ev.type() == WatchEvent.Type.PUT
            ? "PUT " + s(ev.kv().key()) + "=" + s(ev.kv().value()) + "@" + ev.revision() + prev
            : "DELETE " + s(ev.kv().key()) + "@" + ev.revision() + prev);
      }
    } else if (o instanceof WatchOutput.Progress p) {
      out.add("progress@" + p.headerRevision());
    } else if (o instanceof WatchOutput.Canceled c) {
      out.add("canceled compact=" + c.compactRevision() + " reason=" + c.reason());
    }
    return out;
  }

  @Test
  void aSyncedWatcherGetsLiveEventsOfItsKeyOnly() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long id = hub.create(WatchSpec.key(b("a"), 0));
    assertThat(hub.ready()).isEmpty();
    put("a", "1");
    put("b", "1");
    delete("a");
    assertThat(hub.ready()).containsExactly(id);
    WatchOutput first = hub.take(id);
    assertThat(((WatchOutput.Events) first).headerRevision()).isEqualTo(4);
    assertThat(show(first)).containsExactly("PUT a=1@2", "DELETE a@4");
    assertThat(hub.ready()).isEmpty();
    assertThat(hub.take(id)).isNull();
  }

  @Test
  void aPrefixWatcherWithPrevKvAndFilters() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long all = hub.create(WatchSpec.prefix(b("p/"), 0).withPrevKv());
    long noPut = hub.create(WatchSpec.prefix(b("p/"), 0).withFilters(true, false));
    long noDelete = hub.create(WatchSpec.prefix(b("p/"), 0).withFilters(false, true));
    put("p/1", "a");
    put("p/1", "b");
    put("q", "x");
    delete("p/1");
    assertThat(drain(hub, all)).containsExactly("PUT p/1=a@2", "PUT p/1=b@3 prev=a", "DELETE p/1@5 prev=b");
    assertThat(drain(hub, noPut)).containsExactly("DELETE p/1@5");
    assertThat(drain(hub, noDelete)).containsExactly("PUT p/1=a@2", "PUT p/1=b@3");
  }

  @Test
  void anUnsyncedWatcherCatchesUpFromHistoryInChunksThenGetsLiveEvents() {
    for (int i = 0; i < 10; i++) {
      put("k", "v" + i);
    }
    WatchConfig config = new WatchConfig(10, 100, 1 << 20, 3, 100, 1_000_000_000L, 4096).validate();
    WatchHub hub = new WatchHub(store, config);
    long id = hub.create(WatchSpec.key(b("k"), 4).withPrevKv());
    WatchOutput first = hub.take(id);
    assertThat(show(first)).containsExactly("PUT k=v2@4 prev=v1", "PUT k=v3@5 prev=v2", "PUT k=v4@6 prev=v3");
    assertThat(((WatchOutput.Events) first).headerRevision()).isEqualTo(6);
    assertThat(hub.caughtUp(id)).isFalse();
    put("k", "live");
    List<String> rest = drain(hub, id);
    assertThat(rest).containsExactly("PUT k=v5@7 prev=v4", "PUT k=v6@8 prev=v5", "PUT k=v7@9 prev=v6",
        "PUT k=v8@10 prev=v7", "PUT k=v9@11 prev=v8", "PUT k=live@12 prev=v9");
    assertThat(hub.caughtUp(id)).isTrue();
    put("k", "after");
    assertThat(drain(hub, id)).containsExactly("PUT k=after@13 prev=live");
  }

  @Test
  void aWatcherFromACompactedRevisionIsCancelledWithTheCompactRevision() {
    put("k", "1");
    put("k", "2");
    put("k", "3");
    apply(CompactionRequest.of(3));
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long id = hub.create(WatchSpec.key(b("k"), 2));
    assertThat(id).isPositive();
    WatchOutput out = hub.take(id);
    assertThat(out).isEqualTo(new WatchOutput.Canceled(id, 3, null, 4));
    assertThat(hub.contains(id)).isFalse();
    long fromFour = hub.create(WatchSpec.key(b("k"), 4));
    assertThat(drain(hub, fromFour)).containsExactly("PUT k=3@4");
  }

  @Test
  void aWatcherThatFallsBehindCompactionWhileCatchingUpIsCancelled() {
    for (int i = 0; i < 6; i++) {
      put("k", "v" + i);
    }
    WatchHub hub = new WatchHub(store, new WatchConfig(10, 100, 1 << 20, 2, 100, 1_000_000_000L, 4096).validate());
    long id = hub.create(WatchSpec.key(b("k"), 2));
    assertThat(show(hub.take(id))).containsExactly("PUT k=v0@2", "PUT k=v1@3");
    apply(CompactionRequest.of(6));
    assertThat(show(hub.take(id))).containsExactly("canceled compact=6 reason=null");
  }

  @Test
  void aFutureStartRevisionWaitsForIt() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long id = hub.create(WatchSpec.key(b("k"), 4));
    put("k", "1");
    put("k", "2");
    assertThat(hub.ready()).isEmpty();
    put("k", "3");
    assertThat(drain(hub, id)).containsExactly("PUT k=3@4");
  }

  @Test
  void aSlowWatcherIsCancelledWithAReasonAndOthersAreNotHeldBack() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS.withBuffer(5, 1 << 20));
    long slow = hub.create(WatchSpec.prefix(b(""), 0));
    long fast = hub.create(WatchSpec.prefix(b(""), 0));
    List<String> fastSeen = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      put("k" + i, "v");
      fastSeen.addAll(drain(hub, fast));
    }
    assertThat(fastSeen).hasSize(10);
    WatchOutput out = hub.take(slow);
    assertThat(out).isInstanceOf(WatchOutput.Canceled.class);
    assertThat(((WatchOutput.Canceled) out).reason()).contains("too slow").contains("5 events");
    assertThat(((WatchOutput.Canceled) out).compactRevision()).isZero();
    assertThat(hub.size()).isEqualTo(1);
  }

  @Test
  void aBigValueOverflowsTheByteBound() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS.withBuffer(100, 1000));
    long id = hub.create(WatchSpec.key(b("k"), 0));
    put("k", "x".repeat(2000));
    assertThat(hub.take(id)).isInstanceOf(WatchOutput.Canceled.class);
  }

  @Test
  void cancelByIdStopsDeliveryAndTheWatcherCapRefusesCreates() {
    WatchHub hub = new WatchHub(store, new WatchConfig(2, 100, 1 << 20, 10, 100, 1_000_000_000L, 4096).validate());
    long a = hub.create(WatchSpec.key(b("k"), 0));
    long b = hub.create(WatchSpec.key(b("k"), 0));
    assertThat(hub.create(WatchSpec.key(b("k"), 0))).isZero();
    put("k", "1");
    assertThat(hub.cancel(a)).isTrue();
    assertThat(hub.cancel(a)).isFalse();
    assertThat(hub.ready()).containsExactly(b);
    assertThat(hub.take(a)).isNull();
    assertThat(hub.create(WatchSpec.key(b("k"), 0))).isPositive();
  }

  @Test
  void progressNotificationsComeAfterAQuietInterval() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS.withProgressIntervalNanos(1000));
    long id = hub.create(WatchSpec.key(b("k"), 0).withProgressNotify());
    long quiet = hub.create(WatchSpec.key(b("zz"), 0));
    hub.tick(500);
    assertThat(hub.ready()).isEmpty();
    put("other", "1");
    hub.tick(1000);
    assertThat(hub.ready()).containsExactly(id);
    assertThat(hub.take(id)).isEqualTo(new WatchOutput.Progress(id, 2));
    assertThat(hub.ready()).isEmpty();
    put("k", "1");
    hub.tick(1999);
    assertThat(drain(hub, id)).containsExactly("PUT k=1@3");
    hub.tick(2500);
    assertThat(hub.ready()).isEmpty();
    hub.tick(2999);
    assertThat(hub.ready()).containsExactly(id);
    assertThat(hub.take(quiet)).isNull();
  }

  @Test
  void aRestoreUnsyncsWatchersWhichThenReadWhatTheyMissedFromHistory() {
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long id = hub.create(WatchSpec.prefix(b(""), 0));
    put("a", "1");
    MvccStore other = MvccStore.open(new InMemoryEngine());
    long otherSlot = 0;
    for (int i = 0; i < 4; i++) {
      otherSlot++;
      other.apply(otherSlot, KvCommand.of(PutRequest.of(b("x" + i), b("v"))));
      other.slotApplied(otherSlot);
    }
    store.restore(otherSlot, other.snapshot());
    slot = otherSlot;
    put("y", "1");
    assertThat(drain(hub, id)).containsExactly("PUT a=1@2", "PUT x1=v@3", "PUT x2=v@4", "PUT x3=v@5", "PUT y=1@6");
  }

  @Test
  void manyRevisionsGoOutInResponsesThatNeverSplitARevision() {
    WatchHub hub = new WatchHub(store, new WatchConfig(10, 100, 1 << 20, 10, 3, 1_000_000_000L, 4096).validate());
    long id = hub.create(WatchSpec.prefix(b(""), 0));
    put("a", "1");
    put("b", "1");
    apply(TxnRequest.when().then(PutRequest.of(b("c"), b("1")), PutRequest.of(b("d"), b("1"))));
    put("e", "1");
    assertThat(show(hub.take(id))).containsExactly("PUT a=1@2", "PUT b=1@3", "PUT c=1@4", "PUT d=1@4");
    assertThat(show(hub.take(id))).containsExactly("PUT e=1@5");
  }

  @Test
  void responsesAndHistoryChunksStopAtTheByteBound() {
    WatchHub hub = new WatchHub(store, new WatchConfig(10, 100, 1 << 20, 100, 100, 1_000_000_000L, 2048).validate());
    long live = hub.create(WatchSpec.prefix(b(""), 0));
    for (int i = 0; i < 5; i++) {
      put("k" + i, "x".repeat(1000));
    }
    assertThat(((WatchOutput.Events) hub.take(live)).events()).hasSize(2);
    long history = hub.create(WatchSpec.prefix(b(""), 2));
    assertThat(((WatchOutput.Events) hub.take(history)).events()).hasSize(2);
    assertThat(drain(hub, history)).hasSize(3);
  }

  @Test
  void fragmentsSplitByBytesWithAtLeastOneEventEach() {
    List<WatchEvent> events = new ArrayList<>();
    WatchHub hub = new WatchHub(store, WatchConfig.DEFAULTS);
    long id = hub.create(WatchSpec.prefix(b(""), 0));
    for (int i = 0; i < 5; i++) {
      put("k" + i, "x".repeat(1000));
    }
    events.addAll(((WatchOutput.Events) hub.take(id)).events());
    List<List<WatchEvent>> parts = WatchHub.fragments(events, 2100);
    assertThat(parts).extracting(List::size).containsExactly(2, 2, 1);
    assertThat(WatchHub.fragments(events, 100)).hasSize(5);
    assertThat(WatchHub.fragments(events, 1 << 20)).hasSize(1);
    assertThat(WatchHub.fragments(List.of(), 100)).containsExactly(List.of());
  }

  /** Random writes, creates at random revisions and random takes: every watcher sees its changes once, in order. */
  @Test
  void everyWatcherSeesEveryChangeOfItsRangeOnceInOrder() {
    for (long seed = 0; seed < 30; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      MvccStore s = MvccStore.open(new InMemoryEngine());
      WatchHub hub = new WatchHub(s, new WatchConfig(100, 1000, 1 << 20, 1 + random.nextInt(5), 1 + random.nextInt(5),
          1_000_000_000L, 4096).validate());
      List<WatchEvent> all = new ArrayList<>();
      record W(long id, WatchSpec spec, long from, List<WatchEvent> seen) {}
      List<W> ws = new ArrayList<>();
      long sl = 0;
      for (int step = 0; step < 300; step++) {
        int what = random.nextInt(10);
        if (what < 5) {
          sl++;
          String k = "k" + random.nextInt(6);
          KvRequest req = random.nextInt(4) == 0 ? DeleteRangeRequest.key(b(k)) : PutRequest.of(b(k), b("v" + step));
          s.apply(sl, KvCommand.of(req));
          s.slotApplied(sl);
        } else if (what < 6 && ws.size() < 20) {
          WatchSpec spec = random.nextBoolean() ? WatchSpec.key(b("k" + random.nextInt(6)), 0)
              : WatchSpec.prefix(b("k"), 0);
          long start = random.nextInt(3) == 0 ? 0 : 2 + random.nextInt((int) s.revision() + 2);
          spec = new WatchSpec(spec.key(), spec.rangeEnd(), start, false, false, false, false);
          ws.add(new W(hub.create(spec), spec, start == 0 ? s.revision() + 1 : start, new ArrayList<>()));
        } else if (!ws.isEmpty()) {
          W w = ws.get(random.nextInt(ws.size()));
          WatchOutput o = hub.take(w.id());
          if (o instanceof WatchOutput.Events e) {
            w.seen().addAll(e.events());
          }
        }
      }
      all.addAll(s.history(2, Integer.MAX_VALUE, false).events());
      for (W w : ws) {
        for (int i = 0; i < 1000 && hub.isReady(w.id()); i++) {
          if (hub.take(w.id()) instanceof WatchOutput.Events e) {
            w.seen().addAll(e.events());
          }
        }
        assertThat(hub.isReady(w.id())).isFalse();
        List<WatchEvent> expected = new ArrayList<>();
        for (WatchEvent e : all) {
          if (w.spec().contains(e.kv().key()) && e.revision() >= w.from()) {
            expected.add(e);
          }
        }
        assertThat(w.seen()).as("seed %d watcher %d", seed, w.id()).isEqualTo(expected);
      }
    }
  }

  @Test
  void bytesOfPrefixEndAreUsedForPrefixes() {
    assertThat(WatchSpec.prefix(b("a"), 0).rangeEnd()).isEqualTo(Bytes.prefixEnd(b("a")));
    assertThat(WatchSpec.prefix(b("a"), 0).contains(b("ab"))).isTrue();
    assertThat(WatchSpec.prefix(b("a"), 0).contains(b("b"))).isFalse();
    assertThat(new WatchSpec(b("a"), new byte[] {0}, 0, false, false, false, false).contains(b("zzz"))).isTrue();
  }
}
