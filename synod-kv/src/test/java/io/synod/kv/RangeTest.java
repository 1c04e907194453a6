package io.synod.kv;

import static io.synod.kv.Harness.b;
import static io.synod.kv.Harness.keys;
import static io.synod.kv.Harness.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.RangeRequest.SortOrder;
import io.synod.kv.RangeRequest.SortTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Range: key ranges, limit/more/count, sorting, filters, revisions. */
class RangeTest {
  /** foo (v3, mod 5), foo/a (v1, mod 3), foo/b (v1, mod 4), fop (v1, mod 6), a (v1, mod 7). */
  private static Harness sample() {
    Harness h = Harness.inMemory();
    h.put("foo", "z");      // 2
    h.put("foo/a", "y");    // 3
    h.put("foo/b", "x");    // 4
    h.put("foo", "w");      // 5
    h.put("fop", "w");      // 6
    h.put("a", "v");        // 7
    h.put("foo", "u");      // 8
    return h;
  }

  @Test
  void emptyEndIsOneKey() {
    Harness h = sample();
    assertThat(keys(h.range(RangeRequest.key(b("foo"))))).containsExactly("foo");
    assertThat(h.range(RangeRequest.key(b("fo"))).kvs()).isEmpty();
  }

  @Test
  void intervalIsHalfOpen() {
    Harness h = sample();
    assertThat(keys(h.range(RangeRequest.range(b("foo"), b("fop"))))).containsExactly("foo", "foo/a", "foo/b");
    assertThat(keys(h.range(RangeRequest.range(b("foo/a"), b("foo/b"))))).containsExactly("foo/a");
    // An end at or before the start is an empty range.
    assertThat(h.range(RangeRequest.range(b("fop"), b("foo"))).kvs()).isEmpty();
  }

  @Test
  void prefixUsesTheIncrementedLastByte() {
    Harness h = sample();
    assertThat(Bytes.prefixEnd(b("foo/"))).isEqualTo(b("foo0"));
    assertThat(keys(h.range(RangeRequest.prefix(b("foo/"))))).containsExactly("foo/a", "foo/b");
    assertThat(keys(h.range(RangeRequest.prefix(b("foo"))))).containsExactly("foo", "foo/a", "foo/b");
    assertThat(keys(h.range(RangeRequest.prefix(b("f"))))).containsExactly("foo", "foo/a", "foo/b", "fop");
  }

  @Test
  void prefixEndSkipsTrailingFfBytes() {
    assertThat(Bytes.prefixEnd(new byte[] {'a', (byte) 0xff})).isEqualTo(new byte[] {'b'});
    assertThat(Bytes.prefixEnd(new byte[] {(byte) 0xff, (byte) 0xff})).isEqualTo(new byte[] {0});
    assertThat(Bytes.prefixEnd(new byte[] {1, (byte) 0xfe})).isEqualTo(new byte[] {1, (byte) 0xff});
    Harness h = Harness.inMemory();
    h.ok(PutRequest.of(new byte[] {'a', (byte) 0xff, 1}, b("1")), PutResponse.class);
    h.ok(PutRequest.of(new byte[] {'a', (byte) 0xff}, b("2")), PutResponse.class);
    h.ok(PutRequest.of(new byte[] {'b'}, b("3")), PutResponse.class);
    h.ok(PutRequest.of(new byte[] {(byte) 0xff, (byte) 0xff, 0}, b("4")), PutResponse.class);
    assertThat(h.range(RangeRequest.prefix(new byte[] {'a', (byte) 0xff})).kvs()).hasSize(2);
    // An all-0xff prefix has no finite end: "\0" means every key from the prefix on.
    assertThat(h.range(RangeRequest.prefix(new byte[] {(byte) 0xff, (byte) 0xff})).kvs()).hasSize(1);
  }

  @Test
  void zeroEndIsEveryKeyFromKeyAndZeroZeroIsAllKeys() {
    Harness h = sample();
    assertThat(keys(h.range(RangeRequest.fromKey(b("foo/b"))))).containsExactly("foo/b", "fop");
    assertThat(keys(h.range(RangeRequest.all()))).containsExactly("a", "foo", "foo/a", "foo/b", "fop");
    h.ok(PutRequest.of(new byte[] {0}, b("zero")), PutResponse.class);
    h.ok(PutRequest.of(new byte[] {(byte) 0xff}, b("high")), PutResponse.class);
    assertThat(h.range(RangeRequest.all()).kvs()).hasSize(7);
    assertThat(h.range(RangeRequest.all()).kvs().get(0).key()).isEqualTo(new byte[] {0});
  }

  @Test
  void keysSortAsUnsignedBytes() {
    Harness h = Harness.inMemory();
    h.ok(PutRequest.of(new byte[] {(byte) 0x80}, b("high")), PutResponse.class);
    h.ok(PutRequest.of(new byte[] {0x7f}, b("low")), PutResponse.class);
    List<KeyValue> kvs = h.range(RangeRequest.all()).kvs();
    assertThat(s(kvs.get(0).value())).isEqualTo("low");
    assertThat(s(kvs.get(1).value())).isEqualTo("high");
    assertThat(h.range(RangeRequest.range(new byte[] {0x7f}, new byte[] {(byte) 0x80})).kvs()).hasSize(1);
  }

  @Test
  void limitCutsTheResultAndCountIsTheTotal() {
    Harness h = sample();
    RangeResponse limited = h.range(RangeRequest.all().withLimit(2));
    assertThat(keys(limited)).containsExactly("a", "foo");
    assertThat(limited.more()).isTrue();
    assertThat(limited.count()).isEqualTo(5);
    RangeResponse exact = h.range(RangeRequest.all().withLimit(5));
    assertThat(exact.more()).isFalse();
    assertThat(exact.kvs()).hasSize(5);
    RangeResponse unlimited = h.range(RangeRequest.all().withLimit(0));
    assertThat(unlimited.kvs()).hasSize(5);
    assertThat(unlimited.more()).isFalse();
  }

  @Test
  void countOnlyAndKeysOnly() {
    Harness h = sample();
    RangeResponse count = h.range(RangeRequest.prefix(b("foo")).withCountOnly(true));
    assertThat(count.kvs()).isEmpty();
    assertThat(count.count()).isEqualTo(3);
    assertThat(count.more()).isFalse();
    RangeResponse keysOnly = h.range(RangeRequest.key(b("foo")).withKeysOnly(true));
    assertThat(keysOnly.kvs().get(0).value()).isEmpty();
    assertThat(keysOnly.kvs().get(0).version()).isEqualTo(3);
    assertThat(keysOnly.kvs().get(0).modRevision()).isEqualTo(8);
  }

  @Test
  void sortByEachTargetBothWays() {
    Harness h = sample();
    RangeRequest all = RangeRequest.all();
    assertThat(keys(h.range(all.sorted(SortOrder.DESCEND, SortTarget.KEY))))
        .containsExactly("fop", "foo/b", "foo/a", "foo", "a");
    assertThat(keys(h.range(all.sorted(SortOrder.ASCEND, SortTarget.KEY))))
        .containsExactly("a", "foo", "foo/a", "foo/b", "fop");
    assertThat(keys(h.range(all.sorted(SortOrder.ASCEND, SortTarget.MOD))))
        .containsExactly("foo/a", "foo/b", "fop", "a", "foo");
    assertThat(keys(h.range(all.sorted(SortOrder.DESCEND, SortTarget.MOD))))
        .containsExactly("foo", "a", "fop", "foo/b", "foo/a");
    assertThat(keys(h.range(all.sorted(SortOrder.ASCEND, SortTarget.CREATE))))
        .containsExactly("foo", "foo/a", "foo/b", "fop", "a");
    assertThat(keys(h.range(all.sorted(SortOrder.DESCEND, SortTarget.CREATE))))
        .containsExactly("a", "fop", "foo/b", "foo/a", "foo");
    // Values: a=v, foo=u, foo/a=y, foo/b=x, fop=w. Ties keep key order.
    assertThat(keys(h.range(all.sorted(SortOrder.ASCEND, SortTarget.VALUE))))
        .containsExactly("foo", "a", "fop", "foo/b", "foo/a");
    assertThat(keys(h.range(all.sorted(SortOrder.DESCEND, SortTarget.VALUE))))
        .containsExactly("foo/a", "foo/b", "fop", "a", "foo");
    // Versions: foo=3, everything else 1; ties keep key order in both directions.
    assertThat(keys(h.range(all.sorted(SortOrder.DESCEND, SortTarget.VERSION))))
        .containsExactly("foo", "a", "foo/a", "foo/b", "fop");
    assertThat(keys(h.range(all.sorted(SortOrder.ASCEND, SortTarget.VERSION))))
        .containsExactly("a", "foo/a", "foo/b", "fop", "foo");
  }

  @Test
  void orderNoneWithANonKeyTargetSortsAscending() {
    Harness h = sample();
    assertThat(keys(h.range(RangeRequest.all().sorted(SortOrder.NONE, SortTarget.MOD))))
        .containsExactly("foo/a", "foo/b", "fop", "a", "foo");
    assertThat(keys(h.range(RangeRequest.all().sorted(SortOrder.NONE, SortTarget.KEY))))
        .containsExactly("a", "foo", "foo/a", "foo/b", "fop");
  }

  @Test
  void sortHappensBeforeTheLimit() {
    Harness h = sample();
    RangeResponse top = h.range(RangeRequest.all().sorted(SortOrder.DESCEND, SortTarget.MOD).withLimit(2));
    assertThat(keys(top)).containsExactly("foo", "a");
    assertThat(top.more()).isTrue();
    assertThat(top.count()).isEqualTo(5);
  }

  @Test
  void orderNoneWithATargetSortsOnlyTheFirstLimitPlusOneKeysLikeEtcd() {
    Harness h = sample();
    // etcd fetches limit + 1 keys in key order (a, foo, foo/a), then sorts them by mod revision
    // (foo/a 3, a 7, foo 8) and cuts at the limit: fop and foo/b (mod 4, 6) are never considered.
    RangeResponse r = h.range(RangeRequest.all().sorted(SortOrder.NONE, SortTarget.MOD).withLimit(2));
    assertThat(keys(r)).containsExactly("foo/a", "a");
    assertThat(r.more()).isTrue();
  }

  @Test
  void revisionFiltersPruneButDoNotChangeCount() {
    Harness h = sample();
    RangeResponse mod = h.range(RangeRequest.all().withModRevisions(4, 7));
    assertThat(keys(mod)).containsExactly("a", "foo/b", "fop");
    assertThat(mod.count()).isEqualTo(5);
    assertThat(keys(h.range(RangeRequest.all().withModRevisions(7, 0)))).containsExactly("a", "foo");
    assertThat(keys(h.range(RangeRequest.all().withModRevisions(0, 3)))).containsExactly("foo/a");
    assertThat(keys(h.range(RangeRequest.all().withCreateRevisions(3, 4)))).containsExactly("foo/a", "foo/b");
    assertThat(keys(h.range(RangeRequest.all().withCreateRevisions(6, 0)))).containsExactly("a", "fop");
    assertThat(keys(h.range(RangeRequest.all().withCreateRevisions(0, 2)))).containsExactly("foo");
    RangeResponse limited = h.range(RangeRequest.all().withModRevisions(4, 0).withLimit(2));
    assertThat(keys(limited)).containsExactly("a", "foo");
    assertThat(limited.more()).isTrue();
  }

  @Test
  void revisionZeroOrNegativeReadsTheCurrentRevision() {
    Harness h = sample();
    assertThat(h.range(RangeRequest.key(b("foo")).atRevision(0)).kvs().get(0).version()).isEqualTo(3);
    assertThat(h.range(RangeRequest.key(b("foo")).atRevision(-5)).kvs().get(0).version()).isEqualTo(3);
    assertThat(h.range(RangeRequest.all().atRevision(4)).kvs()).hasSize(3);
    assertThat(h.range(RangeRequest.all().atRevision(8)).kvs()).hasSize(5);
  }

  @Test
  void futureRevisionIsAnError() {
    Harness h = sample();
    KvResult result = h.apply(RangeRequest.all().atRevision(9));
    assertThat(result.errorCode()).isEqualTo(KvException.Code.FUTURE_REV);
    assertThat(result.errorMessage()).isEqualTo("etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void emptyKeyIsAnError() {
    Harness h = sample();
    assertThat(h.error(RangeRequest.key(Bytes.EMPTY))).isEqualTo(KvException.Code.EMPTY_KEY);
  }

  @Test
  void localReadsMatchReadsThroughTheLog() throws KvException {
    Harness h = sample();
    RangeRequest request = RangeRequest.prefix(b("foo")).sorted(SortOrder.DESCEND, SortTarget.VALUE).withLimit(2);
    assertThat(h.store.range(request)).isEqualTo(h.range(request));
  }
}
