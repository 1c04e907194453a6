package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoTest {
  private static long[] bits(int size, int... set) {
    long[] words = Bits.create(size);
    for (int i : set) {
      Bits.set(words, i);
    }
    return words;
  }

  @Test
  void sameConfigurationIsRecordedOnce() {
    Memo memo = new Memo();
    assertThat(memo.add(bits(130, 0, 1, 129), "s", bits(3))).isTrue();
    assertThat(memo.add(bits(130, 0, 1, 129), "s", bits(3))).isFalse();
    assertThat(memo.add(bits(130, 0, 1, 129), "t", bits(3))).isTrue();
    assertThat(memo.add(bits(130, 0, 1), "s", bits(3))).isTrue();
  }

  @Test
  void fullLeadingWordsAndTrailingZerosDoNotConfuseKeys() {
    Memo memo = new Memo();
    int[] firstWord = new int[64];
    for (int i = 0; i < 64; i++) {
      firstWord[i] = i;
    }
    assertThat(memo.add(bits(200, firstWord), "s", Bits.NONE)).isTrue();
    // The same words shifted by one word must be a different key.
    long[] shifted = Bits.create(200);
    shifted[1] = -1L;
    assertThat(memo.add(shifted, "s", Bits.NONE)).isTrue();
    assertThat(memo.add(bits(200, firstWord), "s", Bits.NONE)).isFalse();
  }

  @Test
  void fewerUnknownOperationsDominateMore() {
    Memo memo = new Memo();
    long[] completed = bits(10, 2);
    assertThat(memo.add(completed, "s", bits(5, 1))).isTrue();
    assertThat(memo.add(completed, "s", bits(5, 1, 3))).as("superset is dominated").isFalse();
    assertThat(memo.add(completed, "s", bits(5, 3))).as("incomparable set is new").isTrue();
    assertThat(memo.add(completed, "s", bits(5))).as("empty set is smaller still").isTrue();
    assertThat(memo.add(completed, "s", bits(5, 4))).as("now everything is dominated").isFalse();
  }
}
