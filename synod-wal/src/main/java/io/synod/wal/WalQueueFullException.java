package io.synod.wal;

/**
 * {@link GroupCommitLog#append} (or any {@link GroupCommitWriter#offer}) refused a record because the
 * queue already holds {@link WalConfig#queueRecordsMax()} records or {@link WalConfig#queueBytesMax()}
 * bytes. Nothing was queued; the caller sheds load (a server answers RESOURCE_EXHAUSTED) or retries
 * later.
 */
public final class WalQueueFullException extends RuntimeException {
  public WalQueueFullException(String message) {
    super(message);
  }
}
