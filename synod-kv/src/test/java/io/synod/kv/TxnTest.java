package io.synod.kv;

import static io.synod.kv.Harness.b;
import static io.synod.kv.Harness.keys;
import static io.synod.kv.Harness.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.Compare.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Transactions: compares, branches, nesting, op visibility, duplicate keys, the ops limit. */
class TxnTest {
  /** k: create 2, mod 3, version 2, value "v2", lease 9. */
  private static Harness withK() {
    Harness h = Harness.inMemory();
    h.put("k", "v1");
    h.ok(LeaseRequest.grant(9, 60), LeaseResponse.class);
    h.ok(PutRequest.of(b("k"), b("v2")).withLease(9), PutResponse.class);
    return h;
  }

  private static boolean holds(Harness h, Compare c) {
    return h.txn(TxnRequest.when(c)).succeeded();
  }

  @Test
  void numericTargetsWithEveryResult() {
    Harness h = withK();
    for (Compare.Target target : List.of(Compare.Target.VERSION, Compare.Target.CREATE, Compare.Target.MOD,
        Compare.Target.LEASE)) {
      long actual = switch (target) {
        case VERSION -> 2;
        case CREATE -> 2;
        case MOD -> 3;
        case LEASE -> 9;
        default -> throw new AssertionError();
      };
      for (long operand : new long[] {actual - 1, actual, actual + 1}) {
        int cmp = Long.compare(actual, operand);
        for (Result result : Result.values()) {
          boolean expected = switch (result) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
          };
          Compare c = new Compare(result, target, b("k"), Bytes.EMPTY, operand, Bytes.EMPTY);
          assertThat(holds(h, c)).as("%s", c).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void valueComparesUnsignedBytes() {
    Harness h = withK();
    assertThat(holds(h, Compare.value(b("k"), Result.EQUAL, b("v2")))).isTrue();
    assertThat(holds(h, Compare.value(b("k"), Result.NOT_EQUAL, b("v2")))).isFalse();
    assertThat(holds(h, Compare.value(b("k"), Result.GREATER, b("v1")))).isTrue();
    assertThat(holds(h, Compare.value(b("k"), Result.LESS, b("v3")))).isTrue();
    assertThat(holds(h, Compare.value(b("k"), Result.LESS, b("v2\0")))).isTrue();
    assertThat(holds(h, Compare.value(b("k"), Result.LESS, new byte[] {(byte) 0x80}))).isTrue();
    assertThat(holds(h, Compare.value(b("k"), Result.GREATER, Bytes.EMPTY))).isTrue();
  }

  @Test
  void missingKeyComparesAsZeroButValueComparesFail() {
    Harness h = withK();
    assertThat(holds(h, Compare.createRevision(b("nope"), Result.EQUAL, 0))).isTrue();
    assertThat(holds(h, Compare.version(b("nope"), Result.EQUAL, 0))).isTrue();
    assertThat(holds(h, Compare.modRevision(b("nope"), Result.LESS, 1))).isTrue();
    assertThat(holds(h, Compare.lease(b("nope"), Result.EQUAL, 0))).isTrue();
    assertThat(holds(h, Compare.createRevision(b("k"), Result.EQUAL, 0))).isFalse();
    // etcd: a value compare on a missing key is false whatever the operator.
    assertThat(holds(h, Compare.value(b("nope"), Result.EQUAL, Bytes.EMPTY))).isFalse();
    assertThat(holds(h, Compare.value(b("nope"), Result.NOT_EQUAL, b("x")))).isFalse();
    h.delete("k");
    assertThat(holds(h, Compare.version(b("k"), Result.EQUAL, 0))).isTrue();
  }

  @Test
  void compareWithRangeEndMustHoldForEveryKeyInRange() {
    Harness h = Harness.inMemory();
    h.put("p/a", "1");
    h.put("p/b", "1");
    h.put("p/c", "2");
    Compare valueOne = Compare.value(b("p/"), Result.EQUAL, b("1"));
    assertThat(holds(h, valueOne.withRangeEnd(Bytes.prefixEnd(b("p/"))))).isFalse();
    assertThat(holds(h, valueOne.withRangeEnd(b("p/c")))).isTrue();
    assertThat(holds(h, Compare.modRevision(b("p/"), Result.LESS, 5).withRangeEnd(b("p0")))).isTrue();
    assertThat(holds(h, Compare.modRevision(b("p/"), Result.LESS, 4).withRangeEnd(b("p0")))).isFalse();
    // A range with no keys compares the zero key-value.
    assertThat(holds(h, Compare.version(b("q/"), Result.EQUAL, 0).withRangeEnd(b("q0")))).isTrue();
    assertThat(holds(h, Compare.value(b("q/"), Result.EQUAL, Bytes.EMPTY).withRangeEnd(b("q0")))).isFalse();
    assertThat(holds(h, Compare.version(b("p/b"), Result.EQUAL, 1).withRangeEnd(new byte[] {0}))).isTrue();
  }

  @Test
  void allComparesMustHoldForSuccess() {
    Harness h = withK();
    TxnRequest txn = TxnRequest.when(
            Compare.version(b("k"), Result.EQUAL, 2), Compare.value(b("k"), Result.EQUAL, b("other")))
        .then(PutRequest.of(b("yes"), b("1")))
        .orElse(PutRequest.of(b("no"), b("1")), RangeRequest.key(b("k")));
    TxnResponse response = h.txn(txn);
    assertThat(response.succeeded()).isFalse();
    assertThat(response.responses()).hasSize(2);
    assertThat(response.responses().get(0)).isInstanceOf(PutResponse.class);
    assertThat(h.get("no")).isEqualTo("1");
    assertThat(h.get("yes")).isNull();
    assertThat(h.txn(TxnRequest.when()).succeeded()).as("no compares: success").isTrue();
  }

  @Test
  void opsSeeEarlierWritesOfTheSameTxnWithEtcdsHeaderRevisions() {
    Harness h = withK();
    h.put("j", "j1");
    TxnResponse response = h.txn(TxnRequest.when().then(
        RangeRequest.key(b("k")),
        PutRequest.of(b("k"), b("v3")),
        RangeRequest.key(b("k")),
        RangeRequest.key(b("k")).atRevision(3),
        DeleteRangeRequest.key(b("missing")),
        DeleteRangeRequest.key(b("j")).withPrevKv(),
        RangeRequest.all().withCountOnly(true)));
    assertThat(response.header().revision()).isEqualTo(5);
    List<ResponseOp> ops = response.responses();
    RangeResponse before = (RangeResponse) ops.get(0);
    assertThat(before.header().revision()).isEqualTo(4);
    assertThat(s(before.kvs().get(0).value())).isEqualTo("v2");
    assertThat(((PutResponse) ops.get(1)).header().revision()).isEqualTo(5);
    RangeResponse after = (RangeResponse) ops.get(2);
    assertThat(after.header().revision()).isEqualTo(5);
    assertThat(after.kvs().get(0)).isEqualTo(new KeyValue(b("k"), 2, 5, 3, b("v3"), 0));
    assertThat(s(((RangeResponse) ops.get(3)).kvs().get(0).value())).isEqualTo("v2");
    // Deleting nothing after a write still reports the txn's revision (etcd).
    assertThat(((DeleteRangeResponse) ops.get(4)).header().revision()).isEqualTo(5);
    DeleteRangeResponse deleted = (DeleteRangeResponse) ops.get(5);
    assertThat(deleted.prevKvs()).containsExactly(new KeyValue(b("j"), 4, 4, 1, b("j1"), 0));
    assertThat(((RangeResponse) ops.get(6)).count()).isEqualTo(1);
    assertThat(h.kv("j")).isNull();
    assertThat(h.get("k")).isEqualTo("v3");
    assertThat(h.store.revision()).isEqualTo(5);
  }

  @Test
  void deleteThenRecreateInOneTxnStartsANewGeneration() {
    Harness h = withK();
    // Allowed because etcd's duplicate check ignores a delete whose end is "\0".
    TxnResponse response = h.txn(TxnRequest.when().then(
        DeleteRangeRequest.range(b("k"), new byte[] {0}), PutRequest.of(b("k"), b("new"))));
    assertThat(response.succeeded()).isTrue();
    KeyValue kv = h.kv("k");
    assertThat(kv.version()).isEqualTo(1);
    assertThat(kv.createRevision()).isEqualTo(4);
  }

  @Test
  void nestedTxnsRunOnTheChosenPathWithComparesAgainstTheStateBeforeTheTxn() {
    Harness h = withK();
    TxnRequest inner = TxnRequest.when(Compare.version(b("k"), Result.EQUAL, 2))
        .then(PutRequest.of(b("inner-then"), b("1")))
        .orElse(PutRequest.of(b("inner-else"), b("1")));
    // The outer txn first rewrites k (version 3), but the nested compare still sees version 2.
    TxnResponse response = h.txn(TxnRequest.when(Compare.value(b("k"), Result.EQUAL, b("v2")))
        .then(PutRequest.of(b("k"), b("v3")), inner)
        .orElse(PutRequest.of(b("outer-else"), b("1"))));
    assertThat(response.succeeded()).isTrue();
    TxnResponse nested = (TxnResponse) response.responses().get(1);
    assertThat(nested.succeeded()).isTrue();
    assertThat(nested.header().revision()).as("etcd leaves nested headers unset").isZero();
    assertThat(((PutResponse) nested.responses().get(0)).header().revision()).isEqualTo(4);
    assertThat(h.get("inner-then")).isEqualTo("1");
    assertThat(h.get("inner-else")).isNull();
    assertThat(h.get("outer-else")).isNull();
    assertThat(h.kv("inner-then").modRevision()).isEqualTo(4);
    assertThat(h.store.revision()).isEqualTo(4);
  }

  @Test
  void putWithIgnoreValueOnMissingKeyFailsTheWholeTxnBeforeAnyWrite() {
    Harness h = withK();
    KvResult result = h.apply(TxnRequest.when().then(
        PutRequest.of(b("first"), b("1")), PutRequest.of(b("missing"), Bytes.EMPTY).withIgnoreValue()));
    assertThat(result.errorCode()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(h.get("first")).isNull();
    assertThat(h.store.revision()).isEqualTo(3);
  }

  @Test
  void rangeAtBadRevisionInsideTxnFailsTheWholeTxn() {
    Harness h = withK();
    assertThat(h.error(TxnRequest.when().then(PutRequest.of(b("x"), b("1")), RangeRequest.all().atRevision(4))))
        .isEqualTo(KvException.Code.FUTURE_REV);
    assertThat(h.get("x")).isNull();
    h.ok(CompactionRequest.of(3), CompactionResponse.class);
    assertThat(h.error(TxnRequest.when().then(PutRequest.of(b("x"), b("1")), RangeRequest.all().atRevision(2))))
        .isEqualTo(KvException.Code.COMPACTED);
    // etcd checks a txn's range revision literally: a negative one is below the compact revision.
    assertThat(h.error(TxnRequest.when().then(RangeRequest.all().atRevision(-1))))
        .isEqualTo(KvException.Code.COMPACTED);
    assertThat(h.get("x")).isNull();
    // The check only covers the branch that runs.
    assertThat(h.txn(TxnRequest.when().then(RangeRequest.key(b("k"))).orElse(RangeRequest.all().atRevision(99)))
        .succeeded()).isTrue();
  }

  @Test
  void putCheckErrorsComeBeforeRangeCheckErrors() {
    Harness h = withK();
    assertThat(h.error(TxnRequest.when().then(
        RangeRequest.all().atRevision(99), PutRequest.of(b("missing"), Bytes.EMPTY).withIgnoreLease())))
        .isEqualTo(KvException.Code.KEY_NOT_FOUND);
  }

  @Test
  void duplicatePutsInOneBranchAreRefused() {
    Harness h = withK();
    KvResult result = h.apply(TxnRequest.when().then(PutRequest.of(b("a"), b("1")), PutRequest.of(b("a"), b("2"))));
    assertThat(result.errorCode()).isEqualTo(KvException.Code.DUPLICATE_KEY);
    assertThat(result.errorMessage()).isEqualTo("etcdserver: duplicate key given in txn request");
    // The same key in the two branches is fine.
    assertThat(h.apply(TxnRequest.when().then(PutRequest.of(b("a"), b("1"))).orElse(PutRequest.of(b("a"), b("2"))))
        .isOk()).isTrue();
  }

  @Test
  void putCoveredByADeleteOfTheSameBranchIsRefused() {
    Harness h = withK();
    assertThat(h.error(TxnRequest.when().then(DeleteRangeRequest.key(b("a")), PutRequest.of(b("a"), b("1")))))
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    assertThat(h.error(TxnRequest.when().then(PutRequest.of(b("b"), b("1")), DeleteRangeRequest.range(b("a"), b("c")))))
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    // Half-open: the end key is not covered; a delete's "\0" end covers nothing in etcd's check.
    assertThat(h.apply(TxnRequest.when().then(DeleteRangeRequest.range(b("a"), b("c")), PutRequest.of(b("c"), b("1"))))
        .isOk()).isTrue();
    assertThat(h.apply(TxnRequest.when().then(DeleteRangeRequest.range(b("a"), new byte[] {0}),
        PutRequest.of(b("b"), b("1")))).isOk()).isTrue();
    // Two deletes may overlap.
    assertThat(h.apply(TxnRequest.when().then(DeleteRangeRequest.key(b("b")), DeleteRangeRequest.range(b("a"), b("z"))))
        .isOk()).isTrue();
  }

  @Test
  void duplicateCheckLooksIntoNestedTxns() {
    Harness h = withK();
    TxnRequest nestedPut = TxnRequest.when().then(PutRequest.of(b("a"), b("1")));
    assertThat(h.error(TxnRequest.when().then(nestedPut, PutRequest.of(b("a"), b("2")))))
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    assertThat(h.error(TxnRequest.when().then(nestedPut, nestedPut))).isEqualTo(KvException.Code.DUPLICATE_KEY);
    assertThat(h.error(TxnRequest.when().then(DeleteRangeRequest.key(b("a")), nestedPut)))
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    TxnRequest nestedDelete = TxnRequest.when().orElse(DeleteRangeRequest.range(b("a"), b("b")));
    assertThat(h.error(TxnRequest.when().then(nestedDelete, PutRequest.of(b("a"), b("2")))))
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    // A nested txn may put one key in both of its branches.
    TxnRequest bothBranches = TxnRequest.when().then(PutRequest.of(b("a"), b("1"))).orElse(PutRequest.of(b("a"), b("2")));
    assertThat(h.apply(TxnRequest.when().then(bothBranches)).isOk()).isTrue();
    // etcd quirk kept: a nested put before a sibling nested delete of the same key is not caught.
    assertThat(h.apply(TxnRequest.when().then(nestedPut, TxnRequest.when().then(DeleteRangeRequest.key(b("a")))))
        .isOk()).isTrue();
  }

  @Test
  void tooManyOpsCountsTheLongestListAndNestedBudgets() {
    Harness h = Harness.inMemory(new KvLimits(4, 1 << 20, 100));
    assertThat(h.apply(TxnRequest.when().then(puts("a", 4))).isOk()).isTrue();
    KvResult tooMany = h.apply(TxnRequest.when().then(puts("b", 5)));
    assertThat(tooMany.errorCode()).isEqualTo(KvException.Code.TOO_MANY_OPS);
    assertThat(tooMany.errorMessage()).isEqualTo("etcdserver: too many operations in txn request");
    List<Compare> compares = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      compares.add(Compare.version(b("k" + i), Result.EQUAL, 0));
    }
    assertThat(h.error(TxnRequest.when(compares))).isEqualTo(KvException.Code.TOO_MANY_OPS);
    // Two ops at the top leave a budget of 2 for a nested txn: 2 fit, 3 do not.
    TxnRequest nestedTwo = TxnRequest.when().then(puts("c", 2));
    assertThat(h.apply(TxnRequest.when().then(nestedTwo, RangeRequest.key(b("x")))).isOk()).isTrue();
    TxnRequest nestedThree = TxnRequest.when().then(puts("d", 3));
    assertThat(h.error(TxnRequest.when().then(nestedThree, RangeRequest.key(b("x")))))
        .isEqualTo(KvException.Code.TOO_MANY_OPS);
    assertThat(h.store.revision()).isEqualTo(3);
  }

  @Test
  void emptyKeysInsideTxnsAreRefused() {
    Harness h = withK();
    assertThat(h.error(TxnRequest.when(Compare.version(Bytes.EMPTY, Result.EQUAL, 0))))
        .isEqualTo(KvException.Code.EMPTY_KEY);
    assertThat(h.error(TxnRequest.when().orElse(TxnRequest.when().then(RangeRequest.key(Bytes.EMPTY)))))
        .isEqualTo(KvException.Code.EMPTY_KEY);
  }

  @Test
  void compareAndSwapLoop() {
    Harness h = Harness.inMemory();
    h.put("counter", "0");
    for (int i = 0; i < 10; i++) {
      KeyValue current = h.kv("counter");
      int next = Integer.parseInt(s(current.value())) + 1;
      TxnResponse r = h.txn(TxnRequest.when(Compare.modRevision(b("counter"), Result.EQUAL, current.modRevision()))
          .then(PutRequest.of(b("counter"), b(Integer.toString(next)))));
      assertThat(r.succeeded()).isTrue();
    }
    assertThat(h.get("counter")).isEqualTo("10");
    assertThat(keys(h.range(RangeRequest.all()))).containsExactly("counter");
  }

  private static RequestOp[] puts(String prefix, int n) {
    RequestOp[] ops = new RequestOp[n];
    for (int i = 0; i < n; i++) {
      ops[i] = PutRequest.of(b(prefix + i), b("v"));
    }
    return ops;
  }
}
