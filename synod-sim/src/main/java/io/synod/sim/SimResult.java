package io.synod.sim;

/**
 * The outcome of one simulation run.
 *
 * @param options what ran (with {@link SimOptions#replayCommand()} to replay it)
 * @param violation null if every check passed, else what broke
 * @param traceHash a digest of every event processed, in order: equal for equal seeds
 * @param stats a one-line summary (events, slots, operations, faults)
 * @param replicasRebuilt how many distinct replicas started on a wiped disk, to rebuild from peers
 */
public record SimResult(SimOptions options, String violation, long traceHash, String stats, int replicasRebuilt) {
  public boolean ok() {
    return violation == null;
  }

  /** A failure report ending with the command that replays this run. */
  public String report() {
    return (ok() ? "ok" : "VIOLATION: " + violation) + "\n  " + stats + "\n  replay: " + options.replayCommand();
  }
}
