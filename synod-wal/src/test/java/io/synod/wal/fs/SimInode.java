package io.synod.wal.fs;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.Arrays;
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
   * Counts of what a crash did to this file, and where it left damage before data that survived:
   * {@code damaged} holds, per unsynced write that reached the disk only in part while bytes written
   * after it (later in the same write, or by a later write) did, where the file's unsynced writes
   * began, its start, the first of its bytes that did not reach the disk (and differs from what the
   * disk holds there), and its end.
   */
  record CrashOutcome(int writesLost, int writesTorn, List<long[]> damaged) {}

  /**
   * A power loss: the content becomes the durable content plus a random subset of the pending
   * changes, applied in order, and the result is the new durable content.
   *
   * <p>With {@code pageBytes} zero, each change is kept or lost as a whole, and the last, if it is a
   * kept write, may be torn so that only a prefix of it survives. With {@code pageBytes} above zero
   * the disk reorders at page granularity: every page of every pending write reaches the disk or
   * not independently of the others (a disk writes the pages of one large write, like separate
   * writes, in any order), and a page that does is torn, keeping a prefix, with probability
   * {@code tornShare}. Bytes of a write can then be missing while later bytes survive.
   */
  CrashOutcome crash(RandomGenerator random, int pageBytes, double tornShare) {
    if (pageBytes <= 0) {
      return crashInOrder(random);
    }
    int lost = 0;
    int torn = 0;
    // Per pending write: the ranges of its bytes that did not reach the disk, and whether any did.
    List<List<long[]>> missing = new ArrayList<>();
    List<List<long[]>> kept = new ArrayList<>();
    for (Change change : pending) {
      List<long[]> missed = new ArrayList<>();
      List<long[]> reached = new ArrayList<>();
      missing.add(missed);
      kept.add(reached);
      if (change instanceof Truncate) {
        if (random.nextBoolean()) {
          apply(durable, change, Integer.MAX_VALUE);
        }
        continue;
      }
      Write w = (Write) change;
      int end = w.position() + w.data().length;
      for (int from = w.position(); from < end; ) {
        int to = Math.min(end, (from / pageBytes + 1) * pageBytes);
        int keep = 0;
        if (random.nextBoolean()) {
          keep = random.nextDouble() < tornShare ? random.nextInt(to - from) : to - from;
        }
        if (keep > 0) {
          durable.write(from, Arrays.copyOfRange(w.data(), from - w.position(), from - w.position() + keep), keep);
          reached.add(new long[] {from, from + keep});
        }
        if (from + keep < to) {
          missed.add(new long[] {from + keep, to});
        }
        from = to;
      }
      if (reached.isEmpty()) {
        lost++;
      } else if (!missed.isEmpty()) {
        torn++;
      }
    }
    long unsyncedFrom = Long.MAX_VALUE;
    for (Change change : pending) {
      if (change instanceof Write w) {
        unsyncedFrom = Math.min(unsyncedFrom, w.position());
      }
    }
    List<long[]> damaged = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      if (pending.get(i) instanceof Write w && !kept.get(i).isEmpty() && !missing.get(i).isEmpty()) {
        // What later writes put back over the missing bytes is not missing any more.
        List<long[]> holes = missing.get(i);
        boolean laterSurvived = false;
        for (int later = i + 1; later < pending.size(); later++) {
          holes = subtract(holes, kept.get(later));
          laterSurvived |= !kept.get(later).isEmpty();
        }
        long firstLost = firstDiffering(holes, w);
        long lastKept = kept.get(i).get(kept.get(i).size() - 1)[1];
        if (firstLost >= 0 && (laterSurvived || lastKept > firstLost)) {
          damaged.add(new long[] {unsyncedFrom, w.position(), firstLost, (long) w.position() + w.data().length});
        }
      }
    }
    pending.clear();
    current = durable.copy();
    Ensure.that(damaged.size() <= torn, "only writes that reached the disk in part leave damage");
    return new CrashOutcome(lost, torn, damaged);
  }

  /**
   * The first byte in {@code holes} where the disk now holds something else than {@code w} wrote
   * there, or -1. A write that rewrites bytes unchanged (as the log rewrites the records of the page
   * its previous write ended in) loses nothing where those bytes are missing.
   */
  private long firstDiffering(List<long[]> holes, Write w) {
    for (long[] hole : holes) {
      for (long b = hole[0]; b < hole[1]; b++) {
        byte wanted = w.data()[(int) (b - w.position())];
        if (b >= durable.size() || durable.get((int) b) != wanted) {
          return b;
        }
      }
    }
    return -1;
  }

  /** The ranges of {@code ranges} that none of {@code cuts} covers. */
  private static List<long[]> subtract(List<long[]> ranges, List<long[]> cuts) {
    List<long[]> out = ranges;
    for (long[] cut : cuts) {
      List<long[]> next = new ArrayList<>();
      for (long[] r : out) {
        if (cut[1] <= r[0] || cut[0] >= r[1]) {
          next.add(r);
          continue;
        }
        if (r[0] < cut[0]) {
          next.add(new long[] {r[0], cut[0]});
        }
        if (cut[1] < r[1]) {
          next.add(new long[] {cut[1], r[1]});
        }
      }
      out = next;
    }
    return out;
  }

  /** The crash of the simpler model: whole changes kept or lost, only the last write torn. */
  private CrashOutcome crashInOrder(RandomGenerator random) {
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
    return new CrashOutcome(lost, torn, List.of());
  }

  private static void apply(SimContent content, Change change, int keepBytes) {
    if (change instanceof Write w) {
      content.write(w.position(), w.data(), Math.min(keepBytes, w.data().length));
    } else if (change instanceof Truncate t) {
      content.truncate(t.size());
    }
  }
}
