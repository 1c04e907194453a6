package io.synod.kv.watch;

import io.synod.common.Ensure;
import io.synod.kv.Bytes;

/**
 * What a watcher asks for, with etcd's {@code WatchCreateRequest} meaning: the key range (an empty
 * {@code rangeEnd} is the key alone, {@code "\0"} every key from {@code key} on, otherwise
 * [key, rangeEnd)), the first revision it wants (0: the next one), whether events carry the
 * previous key-value, which event types it filters out, and whether it wants progress notifications.
 */
public record WatchSpec(
    byte[] key,
    byte[] rangeEnd,
    long startRevision,
    boolean prevKv,
    boolean noPut,
    boolean noDelete,
    boolean progressNotify) {

  public WatchSpec {
    Ensure.notNull(key, "key");
    rangeEnd = rangeEnd == null ? new byte[0] : rangeEnd;
    Ensure.argument(startRevision >= 0, "startRevision must not be negative");
  }

  public static WatchSpec key(byte[] key, long startRevision) {
    return new WatchSpec(key, null, startRevision, false, false, false, false);
  }

  public static WatchSpec prefix(byte[] prefix, long startRevision) {
    return new WatchSpec(prefix, Bytes.prefixEnd(prefix), startRevision, false, false, false, false);
  }

  public WatchSpec withPrevKv() {
    return new WatchSpec(key, rangeEnd, startRevision, true, noPut, noDelete, progressNotify);
  }

  public WatchSpec withFilters(boolean noPut, boolean noDelete) {
    return new WatchSpec(key, rangeEnd, startRevision, prevKv, noPut, noDelete, progressNotify);
  }

  public WatchSpec withProgressNotify() {
    return new WatchSpec(key, rangeEnd, startRevision, prevKv, noPut, noDelete, true);
  }

  /** Whether {@code k} lies in the watched range (etcd's reading of key and range end). */
  public boolean contains(byte[] k) {
    if (rangeEnd.length == 0) {
      return Bytes.compare(k, key) == 0;
    }
    if (Bytes.compare(k, key) < 0) {
      return false;
    }
    boolean open = rangeEnd.length == 1 && rangeEnd[0] == 0;
    return open || Bytes.compare(k, rangeEnd) < 0;
  }
}
