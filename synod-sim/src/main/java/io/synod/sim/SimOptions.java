package io.synod.sim;

/**
 * Everything that shapes one simulation run besides the seed's random choices.
 *
 * @param mode the preset the run started from, named by its replay command
 * @param seed the only source of randomness of the run
 * @param replicas 3 or 5
 * @param faultNanos how long the fault phase lasts (simulated time)
 * @param livenessNanos how long the liveness phase (faults off, all replicas up and connected) may take
 *     to make progress before the run fails
 * @param clients simulated clients, each with one operation outstanding at a time
 * @param keys size of the key space clients use
 * @param loss probability a message is dropped
 * @param duplication probability a message is delivered twice
 * @param longDelay probability a message is held back long enough to be reordered behind later ones
 * @param partitions whether partitions (minority/majority, isolated leader, bridge) are scheduled
 * @param crashShare the share of fault events that crash a replica (0: none); a crashed replica loses
 *     what it had not persisted and restarts after up to 2 s
 * @param corruptionShare the share of crashes after which the replica's disk is found corrupt, so it
 *     restarts with nothing and must rebuild from its peers (only while no other replica is
 *     rebuilding, so a quorum always keeps a good copy)
 * @param crashInsideStorageShare the share of crashes that fall inside the replica's storage work:
 *     the power fails after its next 1 to 8 file operations, so a multi-step update (a temp file
 *     written, synced, renamed and its directory synced; a log roll; a snapshot) is cut part way
 * @param pageReorderShare the probability that a crash keeps or loses each page of the unsynced
 *     writes on its own (as a disk that reorders unsynced writes does), so that a damaged record can
 *     come before records that survived; recovery may then refuse the log and the replica rebuilds,
 *     so this happens only while every other replica is intact
 * @param snapshotEverySlots each replica snapshots its state machine after this many applied slots
 *     (0: never), which also trims its log and makes lagging replicas install snapshots
 * @param planted bugs switched on in the Paxos core, the node, the storage or the simulator's host
 *     (for the planted-bug tests)
 * @param transferShare the share of fault ticks that ask the leader to hand leadership to another
 *     replica (0 in every preset, so their runs are unchanged; {@code --transfers} sets it)
 */
public record SimOptions(
    Mode mode,
    long seed,
    int replicas,
    long faultNanos,
    long livenessNanos,
    int clients,
    int keys,
    double loss,
    double duplication,
    double longDelay,
    boolean partitions,
    double crashShare,
    double corruptionShare,
    double crashInsideStorageShare,
    double pageReorderShare,
    int snapshotEverySlots,
    Planted planted,
    double transferShare) {

  public static final long MS = 1_000_000L;
  public static final long SECOND = 1_000 * MS;

  /** The presets a run can start from. */
  public enum Mode {
    /** Every fault kind ({@link #allFaults}). */
    ALL_FAULTS,
    /** No faults ({@link #healthy}). */
    HEALTHY,
    /** Every fault kind, weighted towards disks lost and rebuilt ({@link #rebuilds}). */
    REBUILDS,
    /** Every fault kind with read leases on, drifting clocks and process pauses ({@link #readLeases}). */
    READ_LEASES;

    /** This preset's options for one run. */
    public SimOptions options(long seed, int replicas) {
      return switch (this) {
        case ALL_FAULTS -> allFaults(seed, replicas);
        case HEALTHY -> healthy(seed, replicas);
        case REBUILDS -> rebuilds(seed, replicas);
        case READ_LEASES -> readLeases(seed, replicas);
      };
    }
  }

  /** Every fault kind on, for {@code replicas} replicas. */
  public static SimOptions allFaults(long seed, int replicas) {
    return new SimOptions(Mode.ALL_FAULTS, seed, replicas, 8 * SECOND, 30 * SECOND, 4, 4,
        0.05, 0.03, 0.03, true, 0.3, 0.2, 0.5, 0.5, 40, Planted.NONE, 0);
  }

  /** No faults at all: a healthy cluster. */
  public static SimOptions healthy(long seed, int replicas) {
    return new SimOptions(Mode.HEALTHY, seed, replicas, 3 * SECOND, 30 * SECOND, 4, 4,
        0, 0, 0, false, 0, 0, 0, 0, 0, Planted.NONE, 0);
  }

  /**
   * Every fault kind, weighted towards rebuilds: more crashes, most of them (while no replica is
   * rebuilding) followed by a disk found corrupt, aimed at the leader or at the replica wiped least
   * often so far, so that several replicas rebuild over one run, one at a time; a replica whose disk
   * was lost restarts within about 100 ms, and more messages are held back long (one in ten), so
   * that Accepts sent before it crashed can reach its peers after they answered its rebuild; and the
   * crashes that reorder pages of unsynced writes, which can make recovery refuse a log, on every
   * crash that may.
   */
  public static SimOptions rebuilds(long seed, int replicas) {
    return new SimOptions(Mode.REBUILDS, seed, replicas, 10 * SECOND, 30 * SECOND, 4, 4,
        0.05, 0.03, 0.1, true, 0.5, 0.8, 0.5, 1.0, 40, Planted.NONE, 0);
  }

  /**
   * Every fault kind of {@link #allFaults}, with read leases on: reads are answered locally by every
   * replica under its lease, every replica's clock runs at its own rate within the configured drift
   * bound, replicas pause (take no steps while their clocks run on) for up to one and a half lease
   * periods, and a host may be slow to deliver a locally answered read.
   */
  public static SimOptions readLeases(long seed, int replicas) {
    return new SimOptions(Mode.READ_LEASES, seed, replicas, 8 * SECOND, 30 * SECOND, 4, 4,
        0.05, 0.03, 0.03, true, 0.3, 0.2, 0.5, 0.5, 40, Planted.NONE, 0);
  }

  /** Whether replicas hold read leases and answer reads locally. */
  public boolean readLeasesOn() {
    return mode == Mode.READ_LEASES;
  }

  public SimOptions withSeed(long newSeed) {
    return new SimOptions(mode, newSeed, replicas, faultNanos, livenessNanos, clients, keys, loss, duplication,
        longDelay, partitions, crashShare, corruptionShare, crashInsideStorageShare, pageReorderShare,
        snapshotEverySlots, planted, transferShare);
  }

  public SimOptions withPlanted(Planted bugs) {
    return new SimOptions(mode, seed, replicas, faultNanos, livenessNanos, clients, keys, loss, duplication,
        longDelay, partitions, crashShare, corruptionShare, crashInsideStorageShare, pageReorderShare,
        snapshotEverySlots, bugs, transferShare);
  }

  public SimOptions withCrashShare(double share) {
    return new SimOptions(mode, seed, replicas, faultNanos, livenessNanos, clients, keys, loss, duplication,
        longDelay, partitions, share, corruptionShare, crashInsideStorageShare, pageReorderShare,
        snapshotEverySlots, planted, transferShare);
  }

  public SimOptions withFaultNanos(long nanos) {
    return new SimOptions(mode, seed, replicas, nanos, livenessNanos, clients, keys, loss, duplication,
        longDelay, partitions, crashShare, corruptionShare, crashInsideStorageShare, pageReorderShare,
        snapshotEverySlots, planted, transferShare);
  }

  /** With the leader asked to hand leadership over on {@code share} of the fault ticks. */
  public SimOptions withTransferShare(double share) {
    return new SimOptions(mode, seed, replicas, faultNanos, livenessNanos, clients, keys, loss, duplication,
        longDelay, partitions, crashShare, corruptionShare, crashInsideStorageShare, pageReorderShare,
        snapshotEverySlots, planted, share);
  }

  /** The command line that replays this run exactly. */
  public String replayCommand() {
    StringBuilder sb = new StringBuilder("bin/synod sim --seed ").append(seed)
        .append(" --replicas ").append(replicas);
    if (mode == Mode.HEALTHY) {
      sb.append(" --healthy");
    } else if (mode == Mode.REBUILDS) {
      sb.append(" --rebuilds");
    } else if (mode == Mode.READ_LEASES) {
      sb.append(" --read-leases");
    }
    for (String bug : planted.names()) {
      sb.append(" --plant ").append(bug);
    }
    SimOptions preset = mode.options(seed, replicas);
    if (crashShare != preset.crashShare()) {
      sb.append(" --crash-share ").append(crashShare);
    }
    if (transferShare != preset.transferShare()) {
      sb.append(" --transfers ").append(transferShare);
    }
    if (faultNanos != preset.faultNanos()) {
      sb.append(" --fault-ms ").append(faultNanos / MS);
    }
    return sb.toString();
  }
}
