package io.synod.wal;

/**
 * A state-machine snapshot as stored by {@link SnapshotStore}.
 *
 * @param slot the last slot the snapshot reflects
 * @param metadata the snapshot handle's bytes (slot, configuration, ...), opaque here
 * @param data the state machine's bytes
 */
public record Snapshot(long slot, byte[] metadata, byte[] data) {}
