package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every limit and timeout of one replica, in one place. {@link #validate()} checks the relations
 * between them.
 *
 * @param groupId the group this replica belongs to; messages of other groups are ignored
 * @param configuration the voting members
 * @param electionTimeoutNanos a follower that heard no leader for a random time in
 *     [electionTimeoutNanos, 2·electionTimeoutNanos) starts an election; an acceptor that heard a leader
 *     less than electionTimeoutNanos ago refuses to promise a higher ballot to anyone else
 * @param heartbeatNanos how often the leader proves it is alive and spreads its commit index
 * @param retransmitNanos how often unanswered accepts and catch-up requests are resent
 * @param inflightSlotsMax slots the leader may have proposed beyond its chosen prefix (the pipeline)
 * @param batchCommandsMax commands per slot
 * @param batchBytesMax command bytes per slot (a single larger command still gets a slot of its own)
 * @param pendingCommandsMax proposals queued at the leader waiting for a slot
 * @param catchUpSlotsMax chosen entries per catch-up reply
 * @param acceptSlotsMax slots per Accept message
 * @param retainSlots chosen slots kept below a snapshot, so slightly-behind peers catch up from the log
 * @param readLeases the read-lease settings (docs/READ-LEASES.md)
 * @param faults planted bugs for the simulator's checks; empty in production
 */
public record PaxosConfig(
    int groupId,
    Configuration configuration,
    long electionTimeoutNanos,
    long heartbeatNanos,
    long retransmitNanos,
    int inflightSlotsMax,
    int batchCommandsMax,
    int batchBytesMax,
    int pendingCommandsMax,
    int catchUpSlotsMax,
    int acceptSlotsMax,
    long retainSlots,
    ReadLeaseConfig readLeases,
    Set<Fault> faults) {

  public PaxosConfig {
    faults = faults.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(faults));
  }

  /** Defaults for a group of {@code members} replicas. */
  public static PaxosConfig defaults(int groupId, Configuration configuration) {
    return new PaxosConfig(
        groupId, configuration,
        1_000_000_000L, 100_000_000L, 200_000_000L,
        64, 1024, 1 << 20, 100_000, 256, 64, 1_000, ReadLeaseConfig.off(), Set.of());
  }

  public PaxosConfig withFaults(Set<Fault> planted) {
    return new PaxosConfig(groupId, configuration, electionTimeoutNanos, heartbeatNanos, retransmitNanos,
        inflightSlotsMax, batchCommandsMax, batchBytesMax, pendingCommandsMax, catchUpSlotsMax,
        acceptSlotsMax, retainSlots, readLeases, planted);
  }

  public PaxosConfig withTimeouts(long electionNanos, long heartbeatIntervalNanos, long retransmitIntervalNanos) {
    return new PaxosConfig(groupId, configuration, electionNanos, heartbeatIntervalNanos,
        retransmitIntervalNanos, inflightSlotsMax, batchCommandsMax, batchBytesMax, pendingCommandsMax,
        catchUpSlotsMax, acceptSlotsMax, retainSlots, readLeases, faults);
  }

  public PaxosConfig withBatching(int inflightSlots, int commandsPerSlot, int pendingCommands) {
    return new PaxosConfig(groupId, configuration, electionTimeoutNanos, heartbeatNanos, retransmitNanos,
        inflightSlots, commandsPerSlot, batchBytesMax, pendingCommands, catchUpSlotsMax, acceptSlotsMax,
        retainSlots, readLeases, faults);
  }

  public PaxosConfig withRetainSlots(long retain) {
    return new PaxosConfig(groupId, configuration, electionTimeoutNanos, heartbeatNanos, retransmitNanos,
        inflightSlotsMax, batchCommandsMax, batchBytesMax, pendingCommandsMax, catchUpSlotsMax,
        acceptSlotsMax, retain, readLeases, faults);
  }

  public PaxosConfig withReadLeases(ReadLeaseConfig leases) {
    return new PaxosConfig(groupId, configuration, electionTimeoutNanos, heartbeatNanos, retransmitNanos,
        inflightSlotsMax, batchCommandsMax, batchBytesMax, pendingCommandsMax, catchUpSlotsMax,
        acceptSlotsMax, retainSlots, leases, faults);
  }

  /** The votes that make a quorum, honouring the planted {@link Fault#QUORUM_TOO_SMALL}. */
  public int quorum() {
    return faults.contains(Fault.QUORUM_TOO_SMALL)
        ? Math.max(1, configuration.size() / 2)
        : configuration.quorum();
  }

  /** Throws IllegalArgumentException naming the first broken relation. */
  public PaxosConfig validate() {
    Ensure.notNull(configuration, "configuration");
    Ensure.argument(heartbeatNanos > 0, "heartbeatNanos must be positive");
    Ensure.argument(retransmitNanos > 0, "retransmitNanos must be positive");
    Ensure.argument(electionTimeoutNanos >= 3 * heartbeatNanos,
        "electionTimeoutNanos must be at least 3 heartbeats, or healthy leaders get deposed");
    Ensure.argument(inflightSlotsMax >= 1, "inflightSlotsMax must be at least 1");
    Ensure.argument(batchCommandsMax >= 1, "batchCommandsMax must be at least 1");
    Ensure.argument(batchBytesMax >= 1, "batchBytesMax must be at least 1");
    Ensure.argument(pendingCommandsMax >= batchCommandsMax, "pendingCommandsMax must hold at least one batch");
    Ensure.argument(catchUpSlotsMax >= 1, "catchUpSlotsMax must be at least 1");
    Ensure.argument(acceptSlotsMax >= 1, "acceptSlotsMax must be at least 1");
    Ensure.argument(retainSlots >= 0, "retainSlots must not be negative");
    Ensure.notNull(readLeases, "readLeases");
    if (readLeases.enabled()) {
      readLeases.validate(heartbeatNanos);
    }
    return this;
  }
}
