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
    return update(bytes, bytes.length);
  }

  /** As {@link #update(byte[])} of the first {@code length} bytes, without copying them. */
  StateHash update(byte[] bytes, int length) {
    update(length);
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      update((long) BIG_ENDIAN_LONG.get(bytes, i));
    }
    if (i < length) {
      long w = 0;
      for (; i < length; i++) {
        w = (w << 8) | (bytes[i] & 0xff);
      }
      update(w);
    }
    return this;
  }

  private static final java.lang.invoke.VarHandle BIG_ENDIAN_LONG =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

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
    return new StateHash().update(bytes, length).finish();
  }
}
