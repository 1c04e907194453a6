package io.synod.node.core;

import io.synod.paxos.Message;

/** What nodes send each other: the Paxos core's messages, and client commands forwarded to the leader. */
public sealed interface NodeMessage {
  int from();

  int to();

  /** A message of the Paxos core. */
  record Paxos(Message message) implements NodeMessage {
    @Override
    public int from() {
      return message.from();
    }

    @Override
    public int to() {
      return message.to();
    }
  }

  /**
   * A client command that reached a follower, for the leader to propose. The command carries its
   * origin, which completes the client's request when it applies the command.
   */
  record Forward(int groupId, int from, int to, byte[] command) implements NodeMessage {}
}
