package io.synod.wal.fs;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One simulated file, independent of the names pointing at it: its durable content (as of its last
 * sync), its current content, and the writes and truncations since that sync, in order, which a
 * crash may partly lose.
 */
final class SimInode {
  /** A change to the content not yet made durable by a sync. */
  sealed interface Change permits Write, Truncate {}

  record Write(int position, byte[] data) implements Change {}

  record Truncate(int size) implements Change {}

  /** Orders inodes deterministically wherever a set of them is iterated. */
  final long id;
  private SimContent durable = new SimContent();
  private SimContent current = new SimContent();
  private final List<Change> pending = new ArrayList<>();

  SimInode(long id) {
    this.id = id;
  }

  SimContent current() {
    return current;
  }

  int pendingChanges() {
    return pending.size();
  }

  void write(int position, byte[] data) {
    current.write(position, data, data.length);
    pending.add(new Write(position, data));
  }

  void truncate(int size) {
    if (size < current.size()) {
      current.truncate(size);
      pending.add(new Truncate(size));
    }
  }

  /** Makes every pending change durable. */
  void sync() {
    for (Change change : pending) {
      apply(durable, change, Integer.MAX_VALUE);
    }
    pending.clear();
    Ensure.that(durable.size() == current.size(), "a synced file has the size it is seen with");
  }

  /**
   * Disk corruption: flips one bit in every version of the byte at {@code offset}, including pending
   * writes that cover it, so that a later sync cannot undo the damage.
   */
  void flipBit(int offset, int bit) {
    Ensure.that(offset < current.size(), "offset %d is beyond the file", offset);
    byte mask = (byte) (1 << bit);
    current.set(offset, (byte) (current.get(offset) ^ mask));
    if (offset < durable.size()) {
      durable.set(offset, (byte) (durable.get(offset) ^ mask));
    }
    for (Change change : pending) {
      if (change instanceof Write w && offset >= w.position() && offset < w.position() + w.data().length) {
        w.data()[offset - w.position()] ^= mask;
      }
    }
  }

  /**
   * Counts of what a crash did to this file, and where it left damage that a later write followed:
   * {@code damaged} holds, per torn write that a later kept write followed, its start, the offset
   * where what reached the disk ends, and its end.
   */
  record CrashOutcome(int writesLost, int writesTorn, List<long[]> damaged) {}

  /**
   * A power loss: the content becomes the durable content plus a random subset of the pending
   * changes, applied in order; the last pending change, if it is a kept write, may be torn so that
   * only a prefix of it survives. With {@code tornEarlierShare} above zero an earlier kept write may
   * be torn as well, with that probability, while later writes survive: a disk that reorders
   * unsynced writes can leave a prefix of one and all of the next. The result is then the new
   * durable content.
   */
  CrashOutcome crash(RandomGenerator random, double tornEarlierShare) {
    int lost = 0;
    int torn = 0;
    List<long[]> tornRanges = new ArrayList<>();
    List<long[]> damaged = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      Change change = pending.get(i);
      if (!random.nextBoolean()) {
        lost++;
        continue;
      }
      if (change instanceof Write && !tornRanges.isEmpty()) {
        // A write kept after a torn one: the torn bytes now lie before data that survived.
        damaged.addAll(tornRanges);
        tornRanges.clear();
      }
      int keepBytes = Integer.MAX_VALUE;
      boolean last = i == pending.size() - 1;
      if (change instanceof Write w && w.data().length > 0) {
        // Only consult the random source for an earlier write when the outcome is switched on, so
        // that file systems without it replay the crashes they always did.
        boolean tear = last
            ? random.nextBoolean()
            : tornEarlierShare > 0 && random.nextDouble() < tornEarlierShare;
        if (tear) {
          keepBytes = random.nextInt(w.data().length);
          torn++;
          tornRanges.add(new long[] {w.position(), (long) w.position() + keepBytes, (long) w.position() + w.data().length});
        }
      }
      apply(durable, change, keepBytes);
    }
    pending.clear();
    current = durable.copy();
    Ensure.that(damaged.size() <= torn, "only torn writes leave damage");
    return new CrashOutcome(lost, torn, damaged);
  }

  private static void apply(SimContent content, Change change, int keepBytes) {
    if (change instanceof Write w) {
      content.write(w.position(), w.data(), Math.min(keepBytes, w.data().length));
    } else if (change instanceof Truncate t) {
      content.truncate(t.size());
    }
  }
}
