package io.synod.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EnsureTest {
  @Test
  void failingInvariantThrowsWithFormattedMessage() {
    assertThatThrownBy(() -> Ensure.that(false, "slot %d chosen twice", 7))
        .isInstanceOf(Ensure.InvariantViolation.class)
        .hasMessage("slot 7 chosen twice");
    Ensure.that(true, "never thrown");
  }

  @Test
  void badArgumentIsIllegalArgument() {
    assertThatThrownBy(() -> Ensure.argument(false, "window must be positive"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ensure.notNull(null, "batch")).hasMessage("batch must not be null");
  }

  @Test
  void marksCountHits() {
    Marks.hit("test.mark");
    Marks.hit("test.mark");
    assertThat(Marks.count("test.mark")).isGreaterThanOrEqualTo(2);
    assertThat(Marks.snapshot()).containsKey("test.mark");
    assertThat(Marks.count("test.never")).isZero();
  }
}
