package io.synod.lincheck;

/** Fixed-size bitsets as bare {@code long[]}, so memo keys stay small and copying stays cheap. */
final class Bits {
  static final long[] NONE = new long[0];

  private Bits() {}

  static long[] create(int size) {
    return size == 0 ? NONE : new long[(size + 63) >>> 6];
  }

  static boolean get(long[] words, int index) {
    return (words[index >>> 6] & (1L << index)) != 0;
  }

  static void set(long[] words, int index) {
    words[index >>> 6] |= 1L << index;
  }

  static void clear(long[] words, int index) {
    words[index >>> 6] &= ~(1L << index);
  }

  /** A copy of {@code words} with {@code index} also set. */
  static long[] with(long[] words, int index) {
    long[] out = words.clone();
    set(out, index);
    return out;
  }

  /** Writes {@code a | b} into {@code out}; all three have the same length. */
  static void or(long[] a, long[] b, long[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = a[i] | b[i];
    }
  }

  /** Whether every bit of {@code sub} is also set in {@code sup}; both have the same length. */
  static boolean isSubset(long[] sub, long[] sup) {
    for (int i = 0; i < sub.length; i++) {
      if ((sub[i] & ~sup[i]) != 0) {
        return false;
      }
    }
    return true;
  }
}
