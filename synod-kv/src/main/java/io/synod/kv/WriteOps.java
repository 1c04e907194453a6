package io.synod.kv;

import java.util.ArrayList;
import java.util.List;

/** Put and delete-range inside a {@link WriteTxn}, with etcd's response fields. */
final class WriteOps {
  private WriteOps() {}

  static PutResponse put(WriteTxn tx, PutRequest p) throws KvException {
    KeyValue prev = tx.current(p.key());
    if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
      throw new KvException(KvException.Code.KEY_NOT_FOUND);
    }
    byte[] value = p.ignoreValue() ? prev.value() : p.value();
    long lease = p.ignoreLease() ? prev.lease() : p.lease();
    if (lease != 0 && tx.leaseMissing(lease)) {
      throw new KvException(KvException.Code.LEASE_NOT_FOUND);
    }
    tx.put(p.key(), value, lease, prev);
    return new PutResponse(new ResponseHeader(tx.writeRevision()), p.prevKv() ? prev : null);
  }

  static DeleteRangeResponse delete(WriteTxn tx, DeleteRangeRequest d) {
    List<KeyIndex.Hit> hits = tx.currentIn(KeyRange.of(d.key(), d.rangeEnd()));
    List<KeyValue> prevKvs = new ArrayList<>(d.prevKv() ? hits.size() : 0);
    for (KeyIndex.Hit hit : hits) {
      if (d.prevKv()) {
        prevKvs.add(tx.current(hit.key()));
      }
      tx.delete(hit.key());
    }
    // etcd: the new revision if this or an earlier op of the txn changed something, else the old.
    return new DeleteRangeResponse(new ResponseHeader(tx.viewRevision()), hits.size(), prevKvs);
  }
}
