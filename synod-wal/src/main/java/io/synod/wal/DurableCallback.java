package io.synod.wal;

import java.io.IOException;

/**
 * Hears how one append to a {@link GroupCommitLog} ended. Called exactly once per append: on the
 * writer thread, after the sync that made the record durable (and after the {@link DurableListener}
 * heard of that sync) or when the log fails; or at once on the appending thread if the log had failed
 * before the append. One callback object may serve many appends, one after another or at once.
 *
 * <p>Runs on the writer thread, so it must be quick: every record of the next batch waits for it.
 * It may append again (that is how a caller keeps one record outstanding without a thread of its
 * own), but must not close the log. An exception it throws is logged and changes nothing.
 */
@FunctionalInterface
public interface DurableCallback {
  /**
   * Either {@code failure} is null and the record with {@code index} is durable, or the record will
   * never be durable through this log ({@code index} is -1) because the log failed with
   * {@code failure}.
   */
  void completed(long index, IOException failure);
}
