package io.synod.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * etcd's rule against writing one key twice in a transaction branch: a branch may not put a key
 * twice, nor put a key that one of its deletes covers, counting the writes of nested transactions;
 * the success and failure branches of a nested txn may put the same key (only one of them runs).
 *
 * <p>This follows etcd's {@code checkIntervals} exactly, quirks included, because clients see which
 * requests are refused: a delete's interval is taken literally, so a delete with range end "\0"
 * ("every key ≥ key") covers no put; deletes never conflict with deletes; a nested txn's puts are
 * checked against the deletes of this level and of nested txns seen before it, and this level's puts
 * against all of them.
 */
final class TxnIntervals {
  /** The puts and deletes of one branch, nested ones included. */
  private record Writes(TreeSet<byte[]> puts, List<DeleteRangeRequest> deletes) {}

  private TxnIntervals() {}

  static void checkBranch(List<RequestOp> ops) throws KvException {
    collect(ops);
  }

  private static Writes collect(List<RequestOp> ops) throws KvException {
    List<DeleteRangeRequest> deletes = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op instanceof DeleteRangeRequest d) {
        deletes.add(d);
      }
    }
    TreeSet<byte[]> puts = new TreeSet<>(Bytes.UNSIGNED);
    for (RequestOp op : ops) {
      if (!(op instanceof TxnRequest t)) {
        continue;
      }
      Writes then = collect(t.success());
      Writes orElse = collect(t.failure());
      for (byte[] key : then.puts) {
        if (puts.contains(key) || covered(deletes, key)) {
          throw duplicate();
        }
        puts.add(key);
      }
      for (byte[] key : orElse.puts) {
        // Both branches of one txn may put the same key; they never both run.
        if (puts.contains(key) && !then.puts.contains(key)) {
          throw duplicate();
        }
        if (covered(deletes, key)) {
          throw duplicate();
        }
        puts.add(key);
      }
      deletes.addAll(then.deletes);
      deletes.addAll(orElse.deletes);
    }
    for (RequestOp op : ops) {
      if (op instanceof PutRequest p) {
        if (puts.contains(p.key()) || covered(deletes, p.key())) {
          throw duplicate();
        }
        puts.add(p.key());
      }
    }
    return new Writes(puts, deletes);
  }

  /** Whether a delete's literal interval contains {@code key} (see the class comment for "\0"). */
  private static boolean covered(List<DeleteRangeRequest> deletes, byte[] key) {
    for (DeleteRangeRequest d : deletes) {
      if (d.rangeEnd().length == 0) {
        if (Bytes.compare(d.key(), key) == 0) {
          return true;
        }
      } else if (Bytes.compare(d.key(), key) <= 0 && Bytes.compare(key, d.rangeEnd()) < 0) {
        return true;
      }
    }
    return false;
  }

  private static KvException duplicate() {
    return new KvException(KvException.Code.DUPLICATE_KEY);
  }
}
