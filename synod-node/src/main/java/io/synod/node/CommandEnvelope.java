package io.synod.node;

import java.nio.ByteBuffer;

/**
 * A client command as logged: the node it entered through, that node's request id, and the payload
 * for the state machine. Every replica applies every command; only the origin completes the
 * client's request, so a command forwarded to the leader needs no reply message.
 */
record CommandEnvelope(int origin, long requestId, byte[] payload) {
  static final int HEADER_BYTES = 4 + 8;

  byte[] encode() {
    return ByteBuffer.allocate(HEADER_BYTES + payload.length).putInt(origin).putLong(requestId).put(payload).array();
  }

  /** Decodes a logged command; null if it is too short to be one (never produced by a node). */
  static CommandEnvelope decode(byte[] bytes) {
    if (bytes.length < HEADER_BYTES) {
      return null;
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    int origin = in.getInt();
    long requestId = in.getLong();
    byte[] payload = new byte[in.remaining()];
    in.get(payload);
    return new CommandEnvelope(origin, requestId, payload);
  }
}
