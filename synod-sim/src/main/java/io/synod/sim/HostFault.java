package io.synod.sim;

/**
 * Named fault points in the simulator's own host ({@link SimNode}, {@link SimStorage}), which plays
 * what the server's runtime does around the node: opening the disk at a start and the storage
 * thread's group commit. Deliberate bugs that only the planted-bug tests switch on, to show that the
 * simulator's checks catch them.
 */
public enum HostFault {
  /** A restarted replica is started with its recovered promise reset to zero: it forgot it. */
  FORGET_PROMISE,
  /**
   * Group commit decides whether a batch needs an fsync by its last request alone: a batch that
   * ends with a request carrying only a chosen hint is reported persisted without a sync, though an
   * earlier request in it (a promise, entries) needed one.
   */
  SYNC_BY_LAST_REQUEST,
  /**
   * The replicas' watch hubs are built with synod-kv's test-only {@code WatchHub.withPlantedSkip}: a
   * watch created at an earlier revision (a client resuming) starts one revision late and misses the
   * changes of the revision it resumes from.
   */
  WATCH_SKIPS_RESUME_REVISION
}
