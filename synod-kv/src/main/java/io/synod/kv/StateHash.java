package io.synod.kv;

/**
 * A 64-bit streaming hash for comparing replica states. Not cryptographic: it only has to make an
 * accidental divergence visible. Each word goes through the SplitMix64 finalizer before it is folded
 * in, so single-bit differences spread over the whole result.
 */
final class StateHash {
  private long h = 0x5EED_5EED_5EED_5EEDL;
  private long words;

  StateHash update(long v) {
    h = Long.rotateLeft(h ^ mix(v + words), 27) * 0x9E37_79B9_7F4A_7C15L + 0x632B_E59B_D9B4_E019L;
    words++;
    return this;
  }

  /** The length, then the bytes eight at a time, so ("ab","c") and ("a","bc") differ. */
  StateHash update(byte[] bytes) {
    update(bytes.length);
    int i = 0;
    for (; i + 8 <= bytes.length; i += 8) {
      long w = 0;
      for (int j = 0; j < 8; j++) {
        w = (w << 8) | (bytes[i + j] & 0xff);
      }
      update(w);
    }
    if (i < bytes.length) {
      long w = 0;
      for (; i < bytes.length; i++) {
        w = (w << 8) | (bytes[i] & 0xff);
      }
      update(w);
    }
    return this;
  }

  long finish() {
    return mix(h ^ words);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }

  /** The hash of one byte array, as a checksum. */
  static long of(byte[] bytes, int length) {
    StateHash hash = new StateHash();
    hash.update(java.util.Arrays.copyOf(bytes, length));
    return hash.finish();
  }
}
