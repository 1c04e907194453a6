package io.synod.sim;

import java.nio.ByteBuffer;

/**
 * The identity of a logged client command, read from the header {@code NodeCore} puts in front of
 * every command it logs (its {@code CommandId}, which is not public): a version byte (1), the origin
 * replica (int), the origin's incarnation (long), the request id (long) and a floor (long), all
 * big-endian, 29 bytes. The simulator reads it itself so that the checks do not trust the node's own
 * parsing: they see which requests the state machine was really handed.
 *
 * @param origin the replica the request entered through
 * @param incarnation that replica's incarnation when it took the request
 * @param requestId the request's id within that incarnation
 */
record SimCommandId(int origin, long incarnation, long requestId) {
  static final int HEADER_BYTES = 1 + 4 + 8 + 8 + 8;
  private static final byte VERSION = 1;

  /**
   * Reads the header of the logged command whose state-machine part starts at {@code payloadOffset}
   * in {@code logged}: the node hands the state machine the logged bytes with an offset past the
   * header, so the header sits just before it.
   */
  static SimCommandId beforePayload(byte[] logged, int payloadOffset) {
    int at = payloadOffset - HEADER_BYTES;
    if (at < 0 || logged[at] != VERSION) {
      throw new SimViolation("the state machine was handed a command without a command header");
    }
    return new SimCommandId(getInt(logged, at + 1), getLong(logged, at + 5), getLong(logged, at + 13));
  }

  /** Reads the header at the start of a logged command; null if it has none. */
  static SimCommandId of(byte[] logged) {
    if (logged.length < HEADER_BYTES || logged[0] != VERSION) {
      return null;
    }
    return new SimCommandId(getInt(logged, 1), getLong(logged, 5), getLong(logged, 13));
  }

  private static int getInt(byte[] b, int at) {
    return ByteBuffer.wrap(b).getInt(at);
  }

  private static long getLong(byte[] b, int at) {
    return ByteBuffer.wrap(b).getLong(at);
  }

  @Override
  public String toString() {
    return "request " + requestId + " of replica " + origin + " (incarnation " + incarnation + ")";
  }
}
