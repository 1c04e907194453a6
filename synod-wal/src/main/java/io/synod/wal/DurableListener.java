package io.synod.wal;

/**
 * Told by {@link GroupCommitLog} how far the log is durable. Called on the log's writer thread
 * after each sync, before the futures of that sync's records complete, with a strictly increasing
 * {@code upToIndex}. Must be quick and must not close the log. An exception it throws is logged and
 * changes nothing: the records are durable regardless.
 */
@FunctionalInterface
public interface DurableListener {
  /** Every record with index ≤ {@code upToIndex} is durable. */
  void durable(long upToIndex);

  /** A listener that ignores the news, for callers that use the futures only. */
  DurableListener NONE = upToIndex -> { };
}
