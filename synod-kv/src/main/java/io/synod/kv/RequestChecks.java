package io.synod.kv;

/**
 * The checks etcd makes on a request before it is proposed (its {@code v3rpc/key.go}): empty keys,
 * a value or lease given with ignore_value / ignore_lease, too many ops, duplicate keys in a txn.
 * They depend only on the request and the limits, so the server may run them before proposing and
 * the store runs them again when applying, with the same answer on every replica.
 */
public final class RequestChecks {
  private RequestChecks() {}

  /** Throws the first problem etcd would report for {@code request}, in etcd's order. */
  public static void check(KvRequest request, KvLimits limits) throws KvException {
    if (request instanceof TxnRequest txn) {
      checkTxn(txn, limits.txnOpsMax());
      TxnIntervals.checkBranch(txn.success());
      TxnIntervals.checkBranch(txn.failure());
    } else if (request instanceof RequestOp op) {
      checkOp(op, limits.txnOpsMax());
    }
    // A compaction has nothing to check here: its revision is checked against the store's.
  }

  private static void checkOp(RequestOp op, int opsBudget) throws KvException {
    if (op instanceof RangeRequest r) {
      requireKey(r.key());
    } else if (op instanceof PutRequest p) {
      requireKey(p.key());
      if (p.ignoreValue() && p.value().length != 0) {
        throw new KvException(KvException.Code.VALUE_PROVIDED);
      }
      if (p.ignoreLease() && p.lease() != 0) {
        throw new KvException(KvException.Code.LEASE_PROVIDED);
      }
    } else if (op instanceof DeleteRangeRequest d) {
      requireKey(d.key());
    } else if (op instanceof TxnRequest t) {
      checkTxn(t, opsBudget);
    }
  }

  /**
   * etcd counts a txn's ops as the longest of its compare, success and failure lists; nested txns
   * are checked against what is left of the budget after their parent's count.
   */
  private static void checkTxn(TxnRequest txn, int opsBudget) throws KvException {
    int ops = Math.max(txn.compare().size(), Math.max(txn.success().size(), txn.failure().size()));
    if (ops > opsBudget) {
      throw new KvException(KvException.Code.TOO_MANY_OPS);
    }
    for (Compare c : txn.compare()) {
      requireKey(c.key());
    }
    for (RequestOp op : txn.success()) {
      checkOp(op, opsBudget - ops);
    }
    for (RequestOp op : txn.failure()) {
      checkOp(op, opsBudget - ops);
    }
  }

  private static void requireKey(byte[] key) throws KvException {
    if (key.length == 0) {
      throw new KvException(KvException.Code.EMPTY_KEY);
    }
  }
}
