package io.synod.kv;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs a {@link RangeRequest} the way etcd's apply does: resolve the revision, collect the keys
 * present then (their number is {@code count}), fetch the values, filter by mod/create revision,
 * sort, cut at the limit.
 *
 * <p>One etcd quirk is kept on purpose: with sort order NONE (or KEY ASCEND) and no filters, etcd
 * fetches only limit + 1 keys in key order before sorting, so "NONE + target VERSION + limit" sorts
 * the first keys by version rather than picking the lowest versions overall.
 */
final class RangeExecutor {
  private RangeExecutor() {}

  static RangeResponse execute(StoreState state, Overlay source, RangeRequest r, long viewRevision)
      throws KvException {
    long rev = r.revision();
    if (rev > viewRevision) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    if (rev <= 0) {
      rev = viewRevision;
    }
    if (rev < state.compactRevision) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    List<KeyIndex.Hit> hits = state.index.liveIn(KeyRange.of(r.key(), r.rangeEnd()), rev);
    ResponseHeader header = new ResponseHeader(viewRevision);
    if (r.countOnly()) {
      return new RangeResponse(header, List.of(), false, hits.size());
    }
    int fetch = hits.size();
    if (r.limit() > 0 && r.limit() < hits.size() && fetchesInKeyOrder(r) && !hasFilters(r)) {
      fetch = (int) r.limit() + 1;
    }
    List<KeyValue> kvs = new ArrayList<>(fetch);
    for (int i = 0; i < fetch; i++) {
      KeyValue kv = state.keyValue(source, hits.get(i));
      if (passesFilters(r, kv)) {
        kvs.add(kv);
      }
    }
    Comparator<KeyValue> order = sortOrder(r);
    if (order != null) {
      // List.sort is stable, so ties keep key order.
      kvs.sort(order);
    }
    boolean more = false;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      kvs = kvs.subList(0, (int) r.limit());
      more = true;
    }
    if (r.keysOnly()) {
      List<KeyValue> keys = new ArrayList<>(kvs.size());
      for (KeyValue kv : kvs) {
        keys.add(kv.withoutValue());
      }
      kvs = keys;
    }
    Ensure.that(kvs.size() <= hits.size(), "a range returns at most the keys it counted");
    Ensure.that(r.limit() <= 0 || kvs.size() <= r.limit(), "a range returns at most limit keys");
    return new RangeResponse(header, kvs, more, hits.size());
  }

  /** etcd's {@code IsDefaultOrdering} on the request as sent. */
  private static boolean fetchesInKeyOrder(RangeRequest r) {
    return r.sortOrder() == RangeRequest.SortOrder.NONE
        || (r.sortTarget() == RangeRequest.SortTarget.KEY && r.sortOrder() == RangeRequest.SortOrder.ASCEND);
  }

  private static boolean hasFilters(RangeRequest r) {
    return r.minModRevision() != 0 || r.maxModRevision() != 0 || r.minCreateRevision() != 0
        || r.maxCreateRevision() != 0;
  }

  private static boolean passesFilters(RangeRequest r, KeyValue kv) {
    if (r.maxModRevision() != 0 && kv.modRevision() > r.maxModRevision()) {
      return false;
    }
    if (r.minModRevision() != 0 && kv.modRevision() < r.minModRevision()) {
      return false;
    }
    if (r.maxCreateRevision() != 0 && kv.createRevision() > r.maxCreateRevision()) {
      return false;
    }
    return r.minCreateRevision() == 0 || kv.createRevision() >= r.minCreateRevision();
  }

  /** The comparator to sort with, or null when the key order the index gives is the answer. */
  private static Comparator<KeyValue> sortOrder(RangeRequest r) {
    RangeRequest.SortOrder order = r.sortOrder();
    if (order == RangeRequest.SortOrder.NONE && r.sortTarget() != RangeRequest.SortTarget.KEY) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order == RangeRequest.SortOrder.NONE
        || (order == RangeRequest.SortOrder.ASCEND && r.sortTarget() == RangeRequest.SortTarget.KEY)) {
      return null;
    }
    Comparator<KeyValue> ascending = switch (r.sortTarget()) {
      case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
    };
    return order == RangeRequest.SortOrder.DESCEND ? ascending.reversed() : ascending;
  }
}
