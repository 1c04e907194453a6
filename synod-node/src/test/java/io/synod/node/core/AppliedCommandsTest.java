package io.synod.node.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.node.core.AppliedCommands.Verdict;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AppliedCommandsTest {
  @Test
  void eachIdIsAppliedOnceAndWhatTheOriginGaveUpOnNever() {
    AppliedCommands table = new AppliedCommands();
    assertThat(table.admit(new CommandId(1, 5, 10, 10))).isEqualTo(Verdict.APPLY);
    assertThat(table.admit(new CommandId(1, 5, 10, 10))).isEqualTo(Verdict.DUPLICATE);
    assertThat(table.admit(new CommandId(1, 5, 12, 12))).isEqualTo(Verdict.APPLY);
    // 11 was below the floor request 12 carried: its origin gave up on it.
    assertThat(table.admit(new CommandId(1, 5, 11, 11))).isEqualTo(Verdict.EXPIRED);
    assertThat(table.admit(new CommandId(1, 5, 10, 10))).isEqualTo(Verdict.EXPIRED);
    // A restarted origin: its earlier incarnation is over.
    assertThat(table.admit(new CommandId(1, 6, 1, 1))).isEqualTo(Verdict.APPLY);
    assertThat(table.admit(new CommandId(1, 5, 13, 13))).isEqualTo(Verdict.OLD_INCARNATION);
    // Other origins are independent.
    assertThat(table.admit(new CommandId(2, 5, 10, 1))).isEqualTo(Verdict.APPLY);
  }

  @Test
  void anIdAtOrAboveTheFloorIsRememberedUntilTheFloorPassesIt() {
    AppliedCommands table = new AppliedCommands();
    assertThat(table.admit(new CommandId(3, 1, 7, 1))).isEqualTo(Verdict.APPLY);
    assertThat(table.admit(new CommandId(3, 1, 9, 5))).isEqualTo(Verdict.APPLY);
    // 7 was applied and is still at or above the floor (5): a copy is a duplicate.
    assertThat(table.admit(new CommandId(3, 1, 7, 1))).isEqualTo(Verdict.DUPLICATE);
    assertThat(table.size()).isEqualTo(2);
    assertThat(table.admit(new CommandId(3, 1, 20, 20))).isEqualTo(Verdict.APPLY);
    assertThat(table.size()).isEqualTo(1);
  }

  /** Against a naive model that remembers everything: the table never applies an id twice. */
  @Test
  void neverAppliesAnIdTwiceAgainstANaiveModel() {
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      AppliedCommands table = new AppliedCommands();
      Set<String> applied = new HashSet<>();
      long[] floor = new long[4];
      for (int step = 0; step < 300; step++) {
        int origin = 1 + random.nextInt(3);
        long id = 1 + random.nextInt(60);
        long carried = Math.min(id, floor[origin] + random.nextInt(3));
        floor[origin] = Math.max(floor[origin], carried);
        Verdict verdict = table.admit(new CommandId(origin, 1, id, carried));
        if (verdict == Verdict.APPLY) {
          assertThat(applied.add(origin + ":" + id)).as("seed %d: %d:%d applied twice", seed, origin, id).isTrue();
        } else if (verdict == Verdict.DUPLICATE) {
          assertThat(applied).contains(origin + ":" + id);
        } else {
          assertThat(verdict).isEqualTo(Verdict.EXPIRED);
          assertThat(id).isLessThan(floor[origin]);
        }
      }
      AppliedCommands copy = AppliedCommands.decode(ByteBuffer.wrap(table.encode()));
      assertThat(copy.encode()).isEqualTo(table.encode());
    }
  }

  @Test
  void aMalformedTableIsRefused() {
    AppliedCommands table = new AppliedCommands();
    table.admit(new CommandId(1, 1, 5, 1));
    byte[] bytes = table.encode();
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> AppliedCommands.decode(ByteBuffer.wrap(truncated)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
