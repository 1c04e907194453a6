package io.synod.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CampaignTest {
  private static String run(int expectedExit, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int exit = Campaign.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(exit).isEqualTo(expectedExit);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void replaysOneSeed() {
    String out = run(0, "--seed", "5", "--replicas", "3");
    assertThat(out).startsWith("ok").contains("seed=5 replicas=3").contains("replay: bin/synod sim --seed 5");
  }

  @Test
  void campaignReportsSeedsPerSecond() {
    String out = run(0, "--seeds", "4", "--first", "10");
    assertThat(out).contains("4 seeds in").contains("seeds/s), 0 failing");
  }

  @Test
  void rebuildModeReplaysWithItsFlag() {
    String out = run(0, "--seed", "4", "--replicas", "3", "--rebuilds");
    assertThat(out).startsWith("ok").contains("replay: bin/synod sim --seed 4 --replicas 3 --rebuilds");
  }

  @Test
  void plantedBugMakesTheCampaignFailWithReplayCommand() {
    String out = run(1, "--seeds", "6", "--plant", "QUORUM_TOO_SMALL");
    assertThat(out).contains("VIOLATION").contains("--plant QUORUM_TOO_SMALL");
  }

  @Test
  void plantedNodeBugIsReplayedWithItsFlag() {
    String out = run(1, "--seed", "1", "--replicas", "3", "--plant", "APPLY_DUPLICATES");
    assertThat(out).contains("VIOLATION").contains("replay: bin/synod sim --seed 1 --replicas 3 --plant APPLY_DUPLICATES");
  }

  @Test
  void plantedStorageBugIsReplayedWithItsFlag() {
    String out = run(1, "--seed", "2", "--replicas", "5", "--plant", "NON_ATOMIC_ACCEPTOR_STATE");
    assertThat(out).contains("VIOLATION").contains("--plant NON_ATOMIC_ACCEPTOR_STATE");
  }

  @Test
  void unknownPlantedBugIsRejected() {
    assertThat(run(2, "--plant", "NO_SUCH_BUG")).contains("unknown planted bug: NO_SUCH_BUG").contains("COUNT_STALE_ACCEPTED");
  }

  @Test
  void badArgumentIsRejected() {
    assertThat(run(2, "--bogus")).contains("unknown argument: --bogus");
  }

  @Test
  void badNumbersAndMissingValuesGetOneLineNamingTheOptionAndTheUsage() {
    assertThat(run(2, "--seeds", "abc")).isEqualTo("synod sim: --seeds needs a whole number, not 'abc'\n"
        + Campaign.USAGE + "\n");
    assertThat(run(2, "--seeds", "0")).startsWith("synod sim: --seeds must be at least 1, not 0\n");
    assertThat(run(2, "--crash-share", "2")).startsWith("synod sim: --crash-share must be between 0 and 1, not 2\n");
    assertThat(run(2, "--seed")).startsWith("synod sim: --seed needs a value\n");
  }
}
