package io.synod.wal;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@link SegmentedLog#open} found and repaired.
 *
 * @param directory the log's directory
 * @param segmentCount segments in the log after recovery
 * @param firstIndex index of the oldest record kept (lastIndex + 1 when the log is empty)
 * @param lastIndex index of the newest intact record (firstIndex - 1 when the log is empty)
 * @param bytesScanned segment bytes read to verify the log
 * @param truncation the torn tail that was cut off, if there was one
 */
public record RecoveryReport(
    Path directory,
    int segmentCount,
    long firstIndex,
    long lastIndex,
    long bytesScanned,
    Optional<Truncation> truncation) {

  /** Whether recovery cut off a torn tail (see {@link Truncation}). */
  public boolean tornTailTruncated() {
    return truncation.isPresent();
  }

  /** Why the bytes after the last intact record could not be kept. */
  public enum Kind {
    /** The final record was partly written or fails its checksum; only zeros or garbage follow. */
    TORN_RECORD,
    /**
     * Unsynced writes were lost in the middle (the page cache wrote later pages first): zeros, then
     * more records that were never synced. Keeping them would leave a hole in the log.
     */
    UNSYNCED_GAP,
    /** The newest segment's header never reached the disk and it holds no record: it was deleted. */
    INCOMPLETE_SEGMENT
  }

  /**
   * One cut: the bytes of {@code file} from {@code offset} on were zeroed (or the file deleted).
   *
   * @param bytesDiscarded non-zero bytes overwritten, or the file's size if it was deleted
   */
  public record Truncation(Kind kind, Path file, long offset, long bytesDiscarded) {}
}
