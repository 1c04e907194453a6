package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.Objects;

/**
 * etcd's {@code RangeRequest}: read the keys in [{@code key}, {@code rangeEnd}) as of
 * {@code revision}.
 *
 * <ul>
 *   <li>{@code rangeEnd} empty: the single key {@code key}; {@code rangeEnd} = "\0": every key ≥
 *       {@code key} (so key = rangeEnd = "\0" is every key); otherwise the half-open interval in
 *       unsigned byte order ({@link Bytes#prefixEnd} gives the end for a prefix).
 *   <li>{@code revision} ≤ 0 reads the current revision.
 *   <li>{@code limit} 0 means no limit; {@code count} in the response is the number of keys in the
 *       range before the limit and before the min/max revision filters are applied.
 *   <li>{@code sortOrder} NONE with a target other than KEY sorts ascending (etcd does); results are
 *       sorted before the limit is applied. Ties keep key order.
 *   <li>min/max mod/create revision: 0 means no filter.
 * </ul>
 *
 * <p>Build with the static factories and the {@code with...} methods rather than the canonical
 * constructor. Arrays are not copied.
 */
public record RangeRequest(
    byte[] key,
    byte[] rangeEnd,
    long limit,
    long revision,
    SortOrder sortOrder,
    SortTarget sortTarget,
    boolean keysOnly,
    boolean countOnly,
    long minModRevision,
    long maxModRevision,
    long minCreateRevision,
    long maxCreateRevision)
    implements RequestOp {

  /** etcd's {@code RangeRequest.SortOrder}. */
  public enum SortOrder { NONE, ASCEND, DESCEND }

  /** etcd's {@code RangeRequest.SortTarget}. */
  public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

  public RangeRequest {
    Ensure.notNull(key, "key");
    rangeEnd = Bytes.orEmpty(rangeEnd);
    Ensure.notNull(sortOrder, "sortOrder");
    Ensure.notNull(sortTarget, "sortTarget");
  }

  /** The single key {@code key}. */
  public static RangeRequest key(byte[] key) {
    return range(key, Bytes.EMPTY);
  }

  /** The keys in [{@code key}, {@code rangeEnd}) with etcd's meaning of an empty or "\0" end. */
  public static RangeRequest range(byte[] key, byte[] rangeEnd) {
    return new RangeRequest(key, rangeEnd, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, 0, 0, 0, 0);
  }

  /** Every key that starts with {@code prefix}. */
  public static RangeRequest prefix(byte[] prefix) {
    return range(prefix, Bytes.prefixEnd(prefix));
  }

  /** Every key ≥ {@code key}. */
  public static RangeRequest fromKey(byte[] key) {
    return range(key, new byte[] {0});
  }

  /** Every key. */
  public static RangeRequest all() {
    return range(new byte[] {0}, new byte[] {0});
  }

  public RangeRequest withLimit(long newLimit) {
    return new RangeRequest(key, rangeEnd, newLimit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  public RangeRequest atRevision(long newRevision) {
    return new RangeRequest(key, rangeEnd, limit, newRevision, sortOrder, sortTarget, keysOnly, countOnly,
        minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  public RangeRequest sorted(SortOrder order, SortTarget target) {
    return new RangeRequest(key, rangeEnd, limit, revision, order, target, keysOnly, countOnly,
        minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  public RangeRequest withKeysOnly(boolean newKeysOnly) {
    return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, newKeysOnly, countOnly,
        minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  public RangeRequest withCountOnly(boolean newCountOnly) {
    return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, newCountOnly,
        minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  /** Keeps only keys whose mod revision is in [min, max]; 0 leaves that side open. */
  public RangeRequest withModRevisions(long min, long max) {
    return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        min, max, minCreateRevision, maxCreateRevision);
  }

  /** Keeps only keys whose create revision is in [min, max]; 0 leaves that side open. */
  public RangeRequest withCreateRevisions(long min, long max) {
    return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, keysOnly, countOnly,
        minModRevision, maxModRevision, min, max);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RangeRequest r
        && Arrays.equals(key, r.key)
        && Arrays.equals(rangeEnd, r.rangeEnd)
        && limit == r.limit
        && revision == r.revision
        && sortOrder == r.sortOrder
        && sortTarget == r.sortTarget
        && keysOnly == r.keysOnly
        && countOnly == r.countOnly
        && minModRevision == r.minModRevision
        && maxModRevision == r.maxModRevision
        && minCreateRevision == r.minCreateRevision
        && maxCreateRevision == r.maxCreateRevision;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(rangeEnd), limit, revision, sortOrder, sortTarget,
        keysOnly, countOnly, minModRevision, maxModRevision, minCreateRevision, maxCreateRevision);
  }

  @Override
  public String toString() {
    return "Range[" + Bytes.show(key) + ".." + Bytes.show(rangeEnd) + " limit=" + limit + " rev=" + revision
        + " sort=" + sortOrder + "/" + sortTarget + (keysOnly ? " keysOnly" : "") + (countOnly ? " countOnly" : "")
        + " mod=[" + minModRevision + "," + maxModRevision + "] create=[" + minCreateRevision + ","
        + maxCreateRevision + "]]";
  }
}
