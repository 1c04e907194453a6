package io.synod.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately naive reference for {@link MvccStore}: it keeps a full copy of the key space for
 * every revision ({@code states.get(r)} is the state as of revision r), answers reads by scanning a
 * whole copy, and runs a transaction on a fresh copy that it keeps or throws away. Slow and obviously
 * right is the point; the property test holds the real store to it.
 *
 * <p>{@code plantedBug} switches on a known mistake (a re-created key continues its old version
 * count instead of restarting at 1) so a test can show the property test catches it.
 */
final class ModelStore {
  private final List<TreeMap<byte[], KeyValue>> states = new ArrayList<>();
  private final KvLimits limits;
  private final boolean plantedBug;
  /** For the planted bug only: the last version each key ever had. */
  private final TreeMap<byte[], Long> lastVersionEver = new TreeMap<>(Bytes.UNSIGNED);
  private long compactRevision = -1;

  ModelStore(KvLimits limits, boolean plantedBug) {
    this.limits = limits;
    this.plantedBug = plantedBug;
    states.add(null);
    states.add(new TreeMap<>(Bytes.UNSIGNED));
  }

  long revision() {
    return states.size() - 1;
  }

  long compactRevision() {
    return compactRevision;
  }

  /** Keys present at the current revision. */
  long keyCount() {
    return at(revision()).size();
  }

  private TreeMap<byte[], KeyValue> at(long rev) {
    return states.get((int) rev);
  }

  /** Exactly-once: client → (sequence, reply), least recently used first. */
  private final java.util.LinkedHashMap<Long, Object[]> sessions = new java.util.LinkedHashMap<>();

  KvResult apply(KvCommand command) {
    if (!command.hasSession() || command.request() instanceof RangeRequest) {
      return apply(command.request());
    }
    Object[] last = sessions.get(command.clientId());
    if (last != null && (long) last[0] == command.sequence()) {
      return (KvResult) last[1];
    }
    if (last != null && (long) last[0] > command.sequence()) {
      return KvResult.error(new KvException(KvException.Code.SEQUENCE_STALE));
    }
    KvResult result = apply(command.request());
    sessions.remove(command.clientId());
    sessions.put(command.clientId(), new Object[] {command.sequence(), result});
    while (sessions.size() > limits.sessionsMax()) {
      sessions.remove(sessions.keySet().iterator().next());
    }
    return result;
  }

  KvResult apply(KvRequest request) {
    try {
      check(request);
      return KvResult.ok(execute(request));
    } catch (KvException e) {
      return KvResult.error(e);
    }
  }

  // ---- validation (etcd's request checks) ----

  private void check(KvRequest request) throws KvException {
    if (request instanceof TxnRequest t) {
      checkOp(t, limits.txnOpsMax());
      duplicates(t.success());
      duplicates(t.failure());
    } else if (request instanceof RequestOp op) {
      checkOp(op, limits.txnOpsMax());
    }
  }

  private static void checkOp(RequestOp op, int budget) throws KvException {
    if (op instanceof RangeRequest r && r.key().length == 0
        || op instanceof DeleteRangeRequest d && d.key().length == 0
        || op instanceof PutRequest p && p.key().length == 0) {
      throw new KvException(KvException.Code.EMPTY_KEY);
    }
    if (op instanceof PutRequest p) {
      if (p.ignoreValue() && p.value().length > 0) {
        throw new KvException(KvException.Code.VALUE_PROVIDED);
      }
      if (p.ignoreLease() && p.lease() != 0) {
        throw new KvException(KvException.Code.LEASE_PROVIDED);
      }
    }
    if (op instanceof TxnRequest t) {
      int n = Math.max(t.compare().size(), Math.max(t.success().size(), t.failure().size()));
      if (n > budget) {
        throw new KvException(KvException.Code.TOO_MANY_OPS);
      }
      for (Compare c : t.compare()) {
        if (c.key().length == 0) {
          throw new KvException(KvException.Code.EMPTY_KEY);
        }
      }
      for (RequestOp inner : t.success()) {
        checkOp(inner, budget - n);
      }
      for (RequestOp inner : t.failure()) {
        checkOp(inner, budget - n);
      }
    }
  }

  /** Returns the branch's puts and deletes (nested included); throws on a duplicate (etcd's rule). */
  private static List<List<RequestOp>> duplicates(List<RequestOp> ops) throws KvException {
    List<RequestOp> deletes = new ArrayList<>();
    List<RequestOp> puts = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op instanceof DeleteRangeRequest) {
        deletes.add(op);
      }
    }
    for (RequestOp op : ops) {
      if (op instanceof TxnRequest t) {
        List<List<RequestOp>> then = duplicates(t.success());
        List<List<RequestOp>> orElse = duplicates(t.failure());
        for (RequestOp p : then.get(0)) {
          if (containsKey(puts, key(p)) || covered(deletes, key(p))) {
            throw new KvException(KvException.Code.DUPLICATE_KEY);
          }
          puts.add(p);
        }
        for (RequestOp p : orElse.get(0)) {
          boolean known = containsKey(puts, key(p));
          if ((known && !containsKey(then.get(0), key(p))) || covered(deletes, key(p))) {
            throw new KvException(KvException.Code.DUPLICATE_KEY);
          }
          // etcd keeps the puts in a set: a key both branches put counts once.
          if (!known) {
            puts.add(p);
          }
        }
        deletes.addAll(then.get(1));
        deletes.addAll(orElse.get(1));
      }
    }
    for (RequestOp op : ops) {
      if (op instanceof PutRequest p) {
        if (containsKey(puts, p.key()) || covered(deletes, p.key())) {
          throw new KvException(KvException.Code.DUPLICATE_KEY);
        }
        puts.add(p);
      }
    }
    return List.of(puts, deletes);
  }

  private static byte[] key(RequestOp op) {
    return ((PutRequest) op).key();
  }

  private static boolean containsKey(List<RequestOp> puts, byte[] key) {
    for (RequestOp p : puts) {
      if (java.util.Arrays.equals(key(p), key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean covered(List<RequestOp> deletes, byte[] key) {
    for (RequestOp op : deletes) {
      DeleteRangeRequest d = (DeleteRangeRequest) op;
      boolean hit = d.rangeEnd().length == 0
          ? java.util.Arrays.equals(d.key(), key)
          : Bytes.compare(d.key(), key) <= 0 && Bytes.compare(key, d.rangeEnd()) < 0;
      if (hit) {
        return true;
      }
    }
    return false;
  }

  // ---- execution ----

  private KvResponse execute(KvRequest request) throws KvException {
    long begin = revision();
    if (request instanceof RangeRequest r) {
      return range(r, at(begin), begin);
    }
    if (request instanceof CompactionRequest c) {
      if (c.revision() <= compactRevision) {
        throw new KvException(KvException.Code.COMPACTED);
      }
      if (c.revision() > begin) {
        throw new KvException(KvException.Code.FUTURE_REV);
      }
      compactRevision = c.revision();
      return new CompactionResponse(new ResponseHeader(begin));
    }
    TxnRequest txn = request instanceof TxnRequest t ? t : TxnRequest.when().then((RequestOp) request);
    preCheck(txn, at(begin));
    Work work = new Work(new TreeMap<>(at(begin)), begin);
    List<ResponseOp> responses = run(txn, work);
    if (work.changed) {
      states.add(work.state);
    }
    if (request instanceof TxnRequest) {
      return new TxnResponse(new ResponseHeader(work.view()), holds(txn.compare(), at(begin)), responses);
    }
    return responses.get(0);
  }

  /** The copy a write transaction works on. */
  private static final class Work {
    final TreeMap<byte[], KeyValue> state;
    final long begin;
    boolean changed;

    Work(TreeMap<byte[], KeyValue> state, long begin) {
      this.state = state;
      this.begin = begin;
    }

    long view() {
      return changed ? begin + 1 : begin;
    }
  }

  /** etcd checks the executed path's puts, then its ranges, against the state before the txn. */
  private void preCheck(TxnRequest txn, TreeMap<byte[], KeyValue> before) throws KvException {
    List<RequestOp> path = new ArrayList<>();
    flattenPath(txn, before, path);
    for (RequestOp op : path) {
      if (op instanceof PutRequest p && (p.ignoreValue() || p.ignoreLease()) && !before.containsKey(p.key())) {
        throw new KvException(KvException.Code.KEY_NOT_FOUND);
      }
    }
    for (RequestOp op : path) {
      if (op instanceof RangeRequest r && r.revision() != 0) {
        if (r.revision() > revision()) {
          throw new KvException(KvException.Code.FUTURE_REV);
        }
        if (r.revision() < compactRevision) {
          throw new KvException(KvException.Code.COMPACTED);
        }
      }
    }
  }

  private void flattenPath(TxnRequest txn, TreeMap<byte[], KeyValue> before, List<RequestOp> out) {
    for (RequestOp op : holds(txn.compare(), before) ? txn.success() : txn.failure()) {
      if (op instanceof TxnRequest t) {
        flattenPath(t, before, out);
      } else {
        out.add(op);
      }
    }
  }

  private List<ResponseOp> run(TxnRequest txn, Work work) throws KvException {
    List<ResponseOp> out = new ArrayList<>();
    boolean ok = holds(txn.compare(), at(work.begin));
    for (RequestOp op : ok ? txn.success() : txn.failure()) {
      if (op instanceof RangeRequest r) {
        out.add(range(r, work.state, work.view()));
      } else if (op instanceof PutRequest p) {
        out.add(put(p, work));
      } else if (op instanceof DeleteRangeRequest d) {
        List<KeyValue> gone = new ArrayList<>();
        for (KeyValue kv : new ArrayList<>(work.state.values())) {
          if (inRange(kv.key(), d.key(), d.rangeEnd())) {
            gone.add(kv);
            work.state.remove(kv.key());
            work.changed = true;
          }
        }
        out.add(new DeleteRangeResponse(new ResponseHeader(work.view()), gone.size(), d.prevKv() ? gone : List.of()));
      } else {
        TxnRequest t = (TxnRequest) op;
        boolean innerOk = holds(t.compare(), at(work.begin));
        out.add(new TxnResponse(new ResponseHeader(0), innerOk, run(t, work)));
      }
    }
    return out;
  }

  private PutResponse put(PutRequest p, Work work) throws KvException {
    KeyValue prev = work.state.get(p.key());
    if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
      throw new KvException(KvException.Code.KEY_NOT_FOUND);
    }
    long rev = work.begin + 1;
    long version = prev == null ? 1 : prev.version() + 1;
    if (plantedBug && prev == null && lastVersionEver.containsKey(p.key())) {
      version = lastVersionEver.get(p.key()) + 1;
    }
    lastVersionEver.put(p.key(), version);
    KeyValue kv = new KeyValue(p.key(), prev == null ? rev : prev.createRevision(), rev, version,
        p.ignoreValue() ? prev.value() : p.value(), p.ignoreLease() ? prev.lease() : p.lease());
    work.state.put(p.key(), kv);
    work.changed = true;
    return new PutResponse(new ResponseHeader(rev), p.prevKv() ? prev : null);
  }

  private RangeResponse range(RangeRequest r, TreeMap<byte[], KeyValue> view, long viewRevision) throws KvException {
    long rev = r.revision();
    if (rev > viewRevision) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    if (rev <= 0) {
      rev = viewRevision;
    }
    if (rev < compactRevision) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    TreeMap<byte[], KeyValue> state = rev == viewRevision ? view : at(rev);
    List<KeyValue> all = new ArrayList<>();
    for (Map.Entry<byte[], KeyValue> e : state.entrySet()) {
      if (inRange(e.getKey(), r.key(), r.rangeEnd())) {
        all.add(e.getValue());
      }
    }
    ResponseHeader header = new ResponseHeader(viewRevision);
    if (r.countOnly()) {
      return new RangeResponse(header, List.of(), false, all.size());
    }
    boolean filtered = r.minModRevision() != 0 || r.maxModRevision() != 0 || r.minCreateRevision() != 0
        || r.maxCreateRevision() != 0;
    boolean keyOrder = r.sortOrder() == RangeRequest.SortOrder.NONE
        || (r.sortOrder() == RangeRequest.SortOrder.ASCEND && r.sortTarget() == RangeRequest.SortTarget.KEY);
    List<KeyValue> kvs = new ArrayList<>(all);
    if (r.limit() > 0 && keyOrder && !filtered && kvs.size() > r.limit() + 1) {
      kvs = new ArrayList<>(kvs.subList(0, (int) r.limit() + 1));
    }
    kvs.removeIf(kv -> (r.maxModRevision() != 0 && kv.modRevision() > r.maxModRevision())
        || (r.minModRevision() != 0 && kv.modRevision() < r.minModRevision())
        || (r.maxCreateRevision() != 0 && kv.createRevision() > r.maxCreateRevision())
        || (r.minCreateRevision() != 0 && kv.createRevision() < r.minCreateRevision()));
    if (r.sortOrder() != RangeRequest.SortOrder.NONE || r.sortTarget() != RangeRequest.SortTarget.KEY) {
      java.util.Comparator<KeyValue> by = switch (r.sortTarget()) {
        case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
        case VERSION -> (a, b) -> Long.compare(a.version(), b.version());
        case CREATE -> (a, b) -> Long.compare(a.createRevision(), b.createRevision());
        case MOD -> (a, b) -> Long.compare(a.modRevision(), b.modRevision());
        case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
      };
      kvs.sort(r.sortOrder() == RangeRequest.SortOrder.DESCEND ? by.reversed() : by);
    }
    boolean more = r.limit() > 0 && kvs.size() > r.limit();
    if (more) {
      kvs = kvs.subList(0, (int) r.limit());
    }
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(r.keysOnly() ? new KeyValue(kv.key(), kv.createRevision(), kv.modRevision(), kv.version(), Bytes.EMPTY, kv.lease()) : kv);
    }
    return new RangeResponse(header, out, more, all.size());
  }

  private static boolean inRange(byte[] k, byte[] key, byte[] end) {
    if (end.length == 0) {
      return java.util.Arrays.equals(k, key);
    }
    if (end.length == 1 && end[0] == 0) {
      return Bytes.compare(k, key) >= 0;
    }
    return Bytes.compare(k, key) >= 0 && Bytes.compare(k, end) < 0;
  }

  private static boolean holds(List<Compare> compares, TreeMap<byte[], KeyValue> state) {
    for (Compare c : compares) {
      List<KeyValue> matches = new ArrayList<>();
      for (KeyValue kv : state.values()) {
        if (inRange(kv.key(), c.key(), c.rangeEnd())) {
          matches.add(kv);
        }
      }
      if (matches.isEmpty()) {
        if (c.target() == Compare.Target.VALUE) {
          return false;
        }
        matches.add(new KeyValue(c.key(), 0, 0, 0, Bytes.EMPTY, 0));
      }
      for (KeyValue kv : matches) {
        long actual = switch (c.target()) {
          case VERSION -> Long.compare(kv.version(), c.number());
          case CREATE -> Long.compare(kv.createRevision(), c.number());
          case MOD -> Long.compare(kv.modRevision(), c.number());
          case LEASE -> Long.compare(kv.lease(), c.number());
          case VALUE -> Bytes.compare(kv.value(), c.value());
        };
        boolean ok = switch (c.result()) {
          case EQUAL -> actual == 0;
          case NOT_EQUAL -> actual != 0;
          case GREATER -> actual > 0;
          case LESS -> actual < 0;
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /** Every key as of {@code rev}, for whole-state comparisons. */
  RangeResponse all(long rev) throws KvException {
    return range(RangeRequest.all().atRevision(rev), at(revision()), revision());
  }
}
