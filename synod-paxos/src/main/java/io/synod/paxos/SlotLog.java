package io.synod.paxos;

import io.synod.common.Ensure;

/**
 * The in-memory log of accepted entries from {@link #start()} upward, with a chosen flag per slot.
 * A ring buffer indexed by slot: get, put and mark are O(1); trimming the front is O(trimmed).
 * Slots between entries may be empty (an Accept was lost).
 */
final class SlotLog {
  private Entry[] entries = new Entry[64];
  private boolean[] chosen = new boolean[64];
  private long start;
  private long end; // one past the highest slot ever stored (or start)

  SlotLog(long start) {
    Ensure.argument(start >= 1, "log starts at slot 1 or later");
    this.start = start;
    this.end = start;
  }

  /** The first slot this log may hold; lower slots are covered by a snapshot. */
  long start() {
    return start;
  }

  /** One past the highest slot stored. */
  long end() {
    return end;
  }

  Entry get(long slot) {
    if (slot < start || slot >= end) {
      return null;
    }
    return entries[index(slot)];
  }

  boolean isChosen(long slot) {
    return slot >= start && slot < end && chosen[index(slot)];
  }

  /** Stores {@code entry}, replacing what was at its slot; the chosen flag is kept. */
  void put(Entry entry) {
    long slot = entry.slot();
    Ensure.that(slot >= start, "entry below the log start");
    ensureCapacity(slot);
    if (slot >= end) {
      for (long s = end; s < slot; s++) {
        entries[index(s)] = null;
        chosen[index(s)] = false;
      }
      entries[index(slot)] = entry;
      chosen[index(slot)] = false;
      end = slot + 1;
    } else {
      entries[index(slot)] = entry;
    }
  }

  void markChosen(long slot) {
    Ensure.that(get(slot) != null, "only a slot holding an entry can be marked chosen");
    chosen[index(slot)] = true;
  }

  /** Forgets every slot below {@code newStart}. */
  void trimBelow(long newStart) {
    if (newStart <= start) {
      return;
    }
    for (long s = start; s < Math.min(newStart, end); s++) {
      entries[index(s)] = null;
      chosen[index(s)] = false;
    }
    start = newStart;
    end = Math.max(end, newStart);
  }

  private int index(long slot) {
    return (int) (slot & (entries.length - 1));
  }

  private void ensureCapacity(long slot) {
    long needed = slot - start + 1;
    if (needed <= entries.length) {
      return;
    }
    Ensure.that(needed < (1 << 30), "log window too large");
    int capacity = entries.length;
    while (capacity < needed) {
      capacity <<= 1;
    }
    Entry[] grownEntries = new Entry[capacity];
    boolean[] grownChosen = new boolean[capacity];
    for (long s = start; s < end; s++) {
      int from = index(s);
      int to = (int) (s & (capacity - 1));
      grownEntries[to] = entries[from];
      grownChosen[to] = chosen[from];
    }
    entries = grownEntries;
    chosen = grownChosen;
  }
}
