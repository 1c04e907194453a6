package io.synod.node;

import io.synod.node.core.NodeMessage;

/**
 * Carries messages between nodes. {@link #send} never blocks and may drop a message (the protocol
 * retransmits); delivery calls the receiving node's {@link Node#receive}.
 */
public interface Transport {
  /** Queues {@code message} for node {@code message.to()}; called from the node's loop thread. */
  void send(NodeMessage message);
}
