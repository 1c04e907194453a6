package io.synod.paxos;

/**
 * How the parts of a {@link Replica} send messages. Implemented by the replica itself; nothing here
 * blocks or does I/O: a message for a peer goes to the outbox of the next {@link Ready}.
 *
 * <p>A message addressed to this replica is handled at once, inside the call: the caller must expect
 * the replica's state (its role included) to have changed when {@link #route} returns.
 */
interface Router {
  /** Sends now: to a peer through the outbox, to this replica by handling it at once. */
  void route(Message message);

  /**
   * Sends once everything the message vouches for (a promise, an accepted entry) is durable: at once
   * if it already is, else when {@link Replica#persisted(long)} covers the open persist request.
   */
  void routeAfterPersist(Message message);
}
