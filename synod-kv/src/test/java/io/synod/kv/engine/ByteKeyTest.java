package io.synod.kv.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteKeyTest {
  @Test
  void equalContentsAreEqualKeysAndDifferentOnesAreNot() {
    assertThat(new ByteKey(new byte[] {1, 2, 3})).isEqualTo(new ByteKey(new byte[] {1, 2, 3}))
        .hasSameHashCodeAs(new ByteKey(new byte[] {1, 2, 3}));
    assertThat(new ByteKey(new byte[] {1, 2, 3})).isNotEqualTo(new ByteKey(new byte[] {1, 2, 4}));
    assertThat(new ByteKey(new byte[0])).isNotEqualTo(new ByteKey(new byte[] {0}));
  }

  /** The store's revision keys: a tag byte, then main and sub revisions as big-endian longs. */
  @Test
  void sequentialRevisionKeysHardlyCollide() {
    Set<Integer> hashes = new HashSet<>();
    int keys = 200_000;
    for (long main = 1; main <= keys; main++) {
      byte[] key = new byte[17];
      key[0] = 2;
      for (int i = 0; i < 8; i++) {
        key[1 + i] = (byte) (main >>> (56 - 8 * i));
      }
      hashes.add(ByteKey.hash(key));
    }
    // Arrays.hashCode gives about 8 keys per value here; a good hash almost none.
    assertThat(hashes.size()).isGreaterThan(keys * 99 / 100);
  }
}
