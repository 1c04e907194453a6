package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property checks over many seeded random histories. Each trial's seed is in the failure message,
 * so a failure reproduces by running that seed alone.
 */
class RandomizedPropertiesTest {
  private static final int TRIES = 2_000;
  private static final double[] CORRUPTION = {0, 0.15, 0.4, 1};

  @Test
  void smallHistoriesFromTrueExecutionsAreLinearizable() {
    for (int seed = 0; seed < TRIES; seed++) {
      Random rnd = new Random(seed);
      List<RecordedOp> ops = TrueExecution.generate(rnd, rnd.nextInt(9), 1, 0.2);
      assertVerdict(seed, ops, Verdict.LINEARIZABLE);
    }
  }

  @Test
  void largerHistoriesWithManyUnknownOutcomesAreLinearizable() {
    for (int seed = 0; seed < TRIES / 4; seed++) {
      Random rnd = new Random(seed);
      int count = 10 + rnd.nextInt(31);
      List<RecordedOp> ops = TrueExecution.generate(rnd, count, 1 + rnd.nextInt(3), 0.3);
      assertVerdict(seed, ops, Verdict.LINEARIZABLE);
    }
  }

  @Test
  void agreesWithBruteForceOnArbitrarySmallHistories() {
    agreeWithBruteForce(TRIES, 8, 0.2);
  }

  @Test
  void agreesWithBruteForceWhenMostOutcomesAreUnknown() {
    agreeWithBruteForce(TRIES, 8, 0.5);
  }

  @Test
  void agreesWithBruteForceOnSomewhatLargerHistories() {
    agreeWithBruteForce(TRIES / 4, 10, 0.3);
  }

  /**
   * Generates real executions, corrupts a random share of their outputs (none, some, or all), and
   * checks that the checker's verdict matches the brute-force oracle's.
   */
  private static void agreeWithBruteForce(int tries, int maxOps, double unknownRate) {
    int linearizable = 0;
    for (int seed = 0; seed < tries; seed++) {
      Random rnd = new Random(seed);
      int count = rnd.nextInt(maxOps + 1);
      int keys = 1 + rnd.nextInt(2);
      List<RecordedOp> ops = new ArrayList<>(TrueExecution.generate(rnd, count, keys, unknownRate));
      double p = CORRUPTION[rnd.nextInt(CORRUPTION.length)];
      for (int i = 0; i < ops.size(); i++) {
        if (!ops.get(i).unknown() && rnd.nextDouble() < p) {
          ops.set(i, ops.get(i).withOutput(TrueExecution.randomOutput(rnd, ops.get(i).input())));
        }
      }
      boolean expected = BruteForceChecker.linearizable(ops);
      linearizable += expected ? 1 : 0;
      assertVerdict(seed, ops, expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
    }
    // Both verdicts must be common, or the agreement says little.
    assertThat(linearizable).isBetween(tries / 5, tries * 4 / 5);
  }

  private static void assertVerdict(int seed, List<RecordedOp> ops, Verdict expected) {
    CheckResult result = LinearizabilityChecker.check(RecordedOp.toHistory(ops), new KvModel());
    assertThat(result.verdict())
        .as(() -> "seed " + seed + ", history:\n  "
            + String.join("\n  ", ops.stream().map(RecordedOp::toString).toList())
            + "\n" + result.explanation())
        .isEqualTo(expected);
  }
}
