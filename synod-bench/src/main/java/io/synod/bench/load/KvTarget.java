package io.synod.bench.load;

import java.time.Duration;

/**
 * A cluster under load, reached through one client library. Operations are asynchronous: each one
 * reports to its {@link Done} exactly once, with {@code null} on success, usually on a library thread.
 */
interface KvTarget extends AutoCloseable {
  /** Receives the outcome of one operation. */
  @FunctionalInterface
  interface Done {
    void completed(Throwable error);
  }

  /** Writes one of the run's values to key {@code key}; {@code client} picks the connection. */
  void put(int client, int key, Done done);

  /** Reads key {@code key}, which must exist; {@code client} picks the connection. */
  void get(int client, int key, boolean linearizable, Done done);

  /** How many connections (channels or sessions) clients are spread over. */
  int connections();

  /**
   * Makes keys {@code 0..keys-1} exist with a value, within {@code bound}; throws if any could not be
   * written.
   */
  void prepare(int keys, Duration bound) throws Exception;

  /**
   * Grants {@code leases} leases of {@code ttlSeconds} each within {@code bound}, for
   * {@link #keepAlive}; throws if any could not be granted or the target has no leases.
   */
  default void prepareLeases(int leases, long ttlSeconds, Duration bound) throws Exception {
    throw new UnsupportedOperationException("this target has no leases");
  }

  /** Keeps lease number {@code lease} (of {@link #prepareLeases}) alive; {@code client} picks the connection. */
  default void keepAlive(int client, int lease, Done done) {
    done.completed(new UnsupportedOperationException("this target has no leases"));
  }

  @Override
  void close();
}
