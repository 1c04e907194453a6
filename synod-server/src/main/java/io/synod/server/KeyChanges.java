package io.synod.server;

import io.synod.kv.KeyValue;

/**
 * Changes to keys as this member applies them, for the services built on the KV (locks and
 * elections wait for keys to go, and observe a leader key). Backed by the member's watches.
 */
interface KeyChanges {
  /** Hears one watch's changes. Calls come one at a time, in revision order, and must not block. */
  interface Listener {
    /** The key's new state at {@code kv.modRevision()}, or its deletion then. */
    void changed(KeyValue kv, boolean deleted);

    /** The watch cannot go on (its start revision was compacted, it fell too far behind, the member stops). */
    void ended(Throwable reason);
  }

  /** A running watch; {@link #close} stops it (no calls after close returns, bar one in progress). */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Watches the keys in [{@code key}, {@code rangeEnd}) ({@code rangeEnd} empty: {@code key} alone)
   * from {@code fromRevision} on, replaying applied history first.
   */
  Watch watch(byte[] key, byte[] rangeEnd, long fromRevision, Listener listener);
}
