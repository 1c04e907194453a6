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

  /** Counts of what a crash did to this file. */
  record CrashOutcome(int writesLost, int writesTorn) {}

  /**
   * A power loss: the content becomes the durable content plus a random subset of the pending
   * changes, applied in order; the last pending change, if it is a kept write, may be torn so that
   * only a prefix of it survives. The result is then the new durable content.
   */
  CrashOutcome crash(RandomGenerator random) {
    int lost = 0;
    int torn = 0;
    for (int i = 0; i < pending.size(); i++) {
      Change change = pending.get(i);
      if (!random.nextBoolean()) {
        lost++;
        continue;
      }
      int keepBytes = Integer.MAX_VALUE;
      boolean last = i == pending.size() - 1;
      if (last && change instanceof Write w && w.data().length > 0 && random.nextBoolean()) {
        keepBytes = random.nextInt(w.data().length);
        torn++;
      }
      apply(durable, change, keepBytes);
    }
    pending.clear();
    current = durable.copy();
    return new CrashOutcome(lost, torn);
  }

  private static void apply(SimContent content, Change change, int keepBytes) {
    if (change instanceof Write w) {
      content.write(w.position(), w.data(), Math.min(keepBytes, w.data().length));
    } else if (change instanceof Truncate t) {
      content.truncate(t.size());
    }
  }
}
