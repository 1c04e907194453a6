package io.synod.wal;

import io.synod.common.Ensure;

/**
 * Every limit of the write-ahead log, the group-commit front and the snapshot store, in one place.
 * {@link #validate()} checks each limit and the relations between them.
 *
 * @param segmentBytes size of a segment file, preallocated with zeros before records go into it (ahead
 *     of time by {@link GroupCommitLog}'s preallocator, else when the segment is created)
 * @param writeBufferBytes appends are gathered in a buffer of this size and written to the file when
 *     it is full or on sync; a record larger than the buffer is written on its own
 * @param readBufferBytes recovery and replay read segments in chunks of this size
 * @param recordBytesMax largest payload of one record
 * @param segmentsMax segments the log may hold; an append that would need one more fails until the
 *     log is trimmed, so a log nobody trims fills a bounded amount of disk (these segments and one
 *     spare)
 * @param queueRecordsMax appends waiting in the group-commit queue
 * @param queueBytesMax payload bytes waiting in the group-commit queue
 * @param closeTimeoutNanos how long closing the group-commit front waits for its writer thread
 * @param snapshotsRetained snapshots kept on disk, newest first; older ones are deleted
 * @param snapshotBytesMax largest snapshot (metadata plus data) the store writes or reads
 */
public record WalConfig(
    int segmentBytes,
    int writeBufferBytes,
    int readBufferBytes,
    int recordBytesMax,
    int segmentsMax,
    int queueRecordsMax,
    long queueBytesMax,
    long closeTimeoutNanos,
    int snapshotsRetained,
    int snapshotBytesMax) {

  /** Segment sizes are kept below 1 GiB so every offset inside a segment fits an int. */
  public static final int SEGMENT_BYTES_LIMIT = 1 << 30;

  /** Production defaults: 64 MiB segments, 1 MiB write buffer, records up to 4 MiB. */
  public static WalConfig defaults() {
    return new WalConfig(
        64 << 20, 1 << 20, 8 << 20, 4 << 20, 100_000,
        65_536, 256L << 20, 10_000_000_000L, 2, 1 << 30);
  }

  /** Small segments and buffers, so tests roll segments and refill buffers often. */
  public static WalConfig small() {
    return new WalConfig(
        4096, 512, 1024, 600, 10_000,
        1024, 1L << 20, 10_000_000_000L, 2, 1 << 20);
  }

  public WalConfig withSegmentBytes(int bytes) {
    return new WalConfig(bytes, writeBufferBytes, readBufferBytes, recordBytesMax, segmentsMax,
        queueRecordsMax, queueBytesMax, closeTimeoutNanos, snapshotsRetained, snapshotBytesMax);
  }

  public WalConfig withSegmentsMax(int segments) {
    return new WalConfig(segmentBytes, writeBufferBytes, readBufferBytes, recordBytesMax, segments,
        queueRecordsMax, queueBytesMax, closeTimeoutNanos, snapshotsRetained, snapshotBytesMax);
  }

  public WalConfig withQueue(int records, long bytes) {
    return new WalConfig(segmentBytes, writeBufferBytes, readBufferBytes, recordBytesMax, segmentsMax,
        records, bytes, closeTimeoutNanos, snapshotsRetained, snapshotBytesMax);
  }

  public WalConfig withSnapshotsRetained(int snapshots) {
    return new WalConfig(segmentBytes, writeBufferBytes, readBufferBytes, recordBytesMax, segmentsMax,
        queueRecordsMax, queueBytesMax, closeTimeoutNanos, snapshots, snapshotBytesMax);
  }

  /** Throws {@link IllegalArgumentException} naming the first limit that is out of range. */
  public WalConfig validate() {
    Ensure.argument(segmentBytes <= SEGMENT_BYTES_LIMIT, "segmentBytes must be at most 1 GiB");
    Ensure.argument(recordBytesMax >= 0, "recordBytesMax must not be negative");
    // One record of the largest size must fit in a fresh segment, or the log could never hold it.
    Ensure.argument((long) SegmentHeader.BYTES + Frame.HEADER_BYTES + recordBytesMax <= segmentBytes,
        "segmentBytes must hold the segment header and one record of recordBytesMax");
    Ensure.argument(writeBufferBytes >= Frame.HEADER_BYTES, "writeBufferBytes must hold a frame header");
    Ensure.argument(writeBufferBytes <= segmentBytes, "writeBufferBytes must not exceed segmentBytes");
    // Recovery and replay decode a frame only when it lies wholly inside the read buffer.
    Ensure.argument((long) readBufferBytes >= Frame.HEADER_BYTES + recordBytesMax,
        "readBufferBytes must hold a frame of recordBytesMax");
    Ensure.argument(readBufferBytes >= SegmentHeader.BYTES, "readBufferBytes must hold a segment header");
    Ensure.argument(segmentsMax >= 2, "segmentsMax must allow an old and an active segment");
    Ensure.argument(queueRecordsMax >= 1, "queueRecordsMax must be positive");
    Ensure.argument(queueBytesMax >= recordBytesMax, "queueBytesMax must admit one record of recordBytesMax");
    Ensure.argument(closeTimeoutNanos > 0, "closeTimeoutNanos must be positive");
    Ensure.argument(snapshotsRetained >= 1, "snapshotsRetained must be at least 1");
    Ensure.argument(snapshotBytesMax >= 0, "snapshotBytesMax must not be negative");
    Ensure.argument(snapshotBytesMax <= Integer.MAX_VALUE - 64, "snapshotBytesMax must fit a Java array");
    return this;
  }
}
