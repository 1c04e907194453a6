package io.synod.kv;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.List;

/**
 * The revisions at which one key changed, oldest first: puts, and tombstones where it was deleted.
 * A tombstone ends a generation; the next put starts a new one. Invariants: revisions strictly
 * increase, the first entry is a put, and no tombstone follows a tombstone (deleting an absent key
 * writes nothing). Compaction keeps these true.
 */
final class KeyHistory {
  private final byte[] key;
  private long[] mains = new long[2];
  private long[] subs = new long[2];
  private boolean[] tombstones = new boolean[2];
  private int size;

  KeyHistory(byte[] key) {
    this.key = key;
  }

  /** The key whose history this is (the index's own copy). */
  byte[] key() {
    return key;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  boolean lastIsTombstone() {
    return size > 0 && tombstones[size - 1];
  }

  void append(Revision rev, boolean tombstone) {
    if (size == 0) {
      Ensure.that(!tombstone, "a key's history starts with a put");
    } else {
      Ensure.that(rev.compareTo(revisionAt(size - 1)) > 0, "a key's revisions increase");
      Ensure.that(!(tombstone && tombstones[size - 1]), "no tombstone follows a tombstone");
    }
    if (size == mains.length) {
      int grown = size * 2;
      mains = Arrays.copyOf(mains, grown);
      subs = Arrays.copyOf(subs, grown);
      tombstones = Arrays.copyOf(tombstones, grown);
    }
    mains[size] = rev.main();
    subs[size] = rev.sub();
    tombstones[size] = tombstone;
    size++;
  }

  /** Undoes the last {@link #append} (a failed transaction rolls back). */
  void removeLast() {
    Ensure.that(size > 0, "nothing to remove");
    size--;
  }

  /** The revision of the put that holds the key's value as of {@code rev}, or null if absent then. */
  Revision liveAt(long rev) {
    int i = floor(rev);
    if (i < 0 || tombstones[i]) {
      return null;
    }
    return revisionAt(i);
  }

  /**
   * Drops history that no read at ≥ {@code rev} can see: every entry before the newest one at or
   * below {@code rev}, and that entry too if it is a tombstone. Adds the dropped revisions to
   * {@code removed}.
   */
  void compact(long rev, List<Revision> removed) {
    int keep = floor(rev);
    if (keep < 0) {
      return;
    }
    if (tombstones[keep]) {
      keep++;
    }
    for (int i = 0; i < keep; i++) {
      removed.add(revisionAt(i));
    }
    int left = size - keep;
    System.arraycopy(mains, keep, mains, 0, left);
    System.arraycopy(subs, keep, subs, 0, left);
    System.arraycopy(tombstones, keep, tombstones, 0, left);
    size = left;
    Ensure.that(size == 0 || !tombstones[0], "compaction leaves a put first");
  }

  private Revision revisionAt(int i) {
    return new Revision(mains[i], subs[i]);
  }

  /** Index of the last entry whose main revision is ≤ {@code rev}, or -1. */
  private int floor(long rev) {
    int lo = 0;
    int hi = size - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (mains[mid] <= rev) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
