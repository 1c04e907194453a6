package io.synod.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LargeHistoryTest {
  private static final long SEED = 20_240_601L;
  /** Far above the few seconds a check takes; only there to turn a hang into a failure. */
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private static List<RecordedOp> generated() {
    return SimulatedClients.generate(SEED, 10_000, 10, 5, 0.035);
  }

  @Test
  void generatorProducesTheIntendedShape() {
    List<RecordedOp> ops = generated();
    long unknown = ops.stream().filter(RecordedOp::unknown).count();
    assertThat(ops).hasSize(10_000);
    assertThat(unknown).isBetween(200L, 500L);
    assertThat(ops.stream().map(op -> op.input().key()).distinct().count()).isEqualTo(10);
    assertThat(ops.stream().map(RecordedOp::client).distinct().count()).isEqualTo(5);
  }

  @Test
  void tenThousandOperationHistoryIsLinearizable() {
    History<KvInput, KvOutput> history = RecordedOp.toHistory(generated());
    CheckResult result = assertTimeoutPreemptively(
        LIMIT, () -> LinearizabilityChecker.check(history, new KvModel()));
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void readOfAValueNeverWrittenIsCaught() {
    List<RecordedOp> ops = new ArrayList<>(generated());
    int victim = middleRead(ops);
    ops.set(victim, ops.get(victim).withOutput(KvOutput.value("never-written")));
    String key = ops.get(victim).input().key();
    History<KvInput, KvOutput> history = RecordedOp.toHistory(ops);

    CheckResult result = assertTimeoutPreemptively(
        LIMIT, () -> LinearizabilityChecker.check(history, new KvModel()));
    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .startsWith("partition " + key + ":")
        .contains("#" + victim + " ")
        .contains("get(" + key + ") -> never-written");
  }

  /** The first completed GET from the middle of the history on. */
  private static int middleRead(List<RecordedOp> ops) {
    for (int i = ops.size() / 2; i < ops.size(); i++) {
      RecordedOp op = ops.get(i);
      if (!op.unknown() && op.input().kind() == KvInput.Kind.GET) {
        return i;
      }
    }
    throw new IllegalStateException("no completed GET in the second half");
  }
}
