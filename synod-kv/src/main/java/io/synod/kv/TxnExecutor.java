package io.synod.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link TxnRequest} in etcd's order: evaluate the compares of the txn and of every nested
 * txn on the chosen path against the state before the txn; pre-check that path's puts
 * (ignore_value/ignore_lease need an existing key, a lease must exist) and ranges (revision not compacted, not future);
 * then run the ops in one {@link WriteTxn}. An error at any point leaves no trace.
 */
final class TxnExecutor {
  /** The branch each txn on the executed path takes; {@code nested} follows the nested txns in order. */
  private record Path(boolean succeeded, List<Path> nested) {}

  private TxnExecutor() {}

  static TxnResponse execute(StoreState state, TxnRequest txn) throws KvException {
    Path path = plan(state, txn);
    checkPuts(state, txn, path);
    checkRanges(state, txn, path);
    WriteTxn tx = new WriteTxn(state);
    try {
      List<ResponseOp> responses = run(state, tx, txn, path);
      tx.commit();
      return new TxnResponse(new ResponseHeader(tx.viewRevision()), path.succeeded, responses);
    } finally {
      tx.abort();
    }
  }

  private static Path plan(StoreState state, TxnRequest txn) {
    boolean succeeded = Compares.allHold(state, txn.compare());
    List<Path> nested = new ArrayList<>();
    for (RequestOp op : branch(txn, succeeded)) {
      if (op instanceof TxnRequest t) {
        nested.add(plan(state, t));
      }
    }
    return new Path(succeeded, nested);
  }

  private static List<RequestOp> branch(TxnRequest txn, boolean succeeded) {
    return succeeded ? txn.success() : txn.failure();
  }

  private static void checkPuts(StoreState state, TxnRequest txn, Path path) throws KvException {
    int nested = 0;
    for (RequestOp op : branch(txn, path.succeeded)) {
      if (op instanceof PutRequest p && (p.ignoreValue() || p.ignoreLease())
          && state.index.liveAt(p.key(), state.currentRevision) == null) {
        throw new KvException(KvException.Code.KEY_NOT_FOUND);
      } else if (op instanceof PutRequest p && p.lease() != 0 && state.leases.get(p.lease()) == null) {
        // etcd checks every put of the taken path for its lease before running any op.
        throw new KvException(KvException.Code.LEASE_NOT_FOUND);
      } else if (op instanceof TxnRequest t) {
        checkPuts(state, t, path.nested.get(nested++));
      }
    }
  }

  /**
   * etcd's {@code checkRange}, literally: only revision 0 skips the check, so a negative revision is
   * compared with the compact revision (-2 is COMPACTED even on a store never compacted, whose
   * compact revision is -1) although a range outside a txn reads it as "current".
   */
  private static void checkRanges(StoreState state, TxnRequest txn, Path path) throws KvException {
    int nested = 0;
    for (RequestOp op : branch(txn, path.succeeded)) {
      if (op instanceof RangeRequest r && r.revision() != 0) {
        if (r.revision() > state.currentRevision) {
          throw new KvException(KvException.Code.FUTURE_REV);
        }
        if (r.revision() < state.compactRevision) {
          throw new KvException(KvException.Code.COMPACTED);
        }
      } else if (op instanceof TxnRequest t) {
        checkRanges(state, t, path.nested.get(nested++));
      }
    }
  }

  private static List<ResponseOp> run(StoreState state, WriteTxn tx, TxnRequest txn, Path path)
      throws KvException {
    List<RequestOp> ops = branch(txn, path.succeeded);
    List<ResponseOp> responses = new ArrayList<>(ops.size());
    int nested = 0;
    for (RequestOp op : ops) {
      if (op instanceof RangeRequest r) {
        responses.add(RangeExecutor.execute(state, tx.reads(), r, tx.viewRevision()));
      } else if (op instanceof PutRequest p) {
        responses.add(WriteOps.put(tx, p));
      } else if (op instanceof DeleteRangeRequest d) {
        responses.add(WriteOps.delete(tx, d));
      } else if (op instanceof TxnRequest t) {
        Path inner = path.nested.get(nested++);
        // etcd leaves a nested txn's header unset: revision 0.
        responses.add(new TxnResponse(new ResponseHeader(0), inner.succeeded, run(state, tx, t, inner)));
      }
    }
    return responses;
  }
}
