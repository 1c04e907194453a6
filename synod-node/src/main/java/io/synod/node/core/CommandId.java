package io.synod.node.core;

import io.synod.common.Ensure;
import java.nio.ByteBuffer;

/**
 * The header every logged client command carries, ahead of the state machine's bytes: which node the
 * command entered through ({@code origin}; the negated node id for the node's own internal commands,
 * which the state machine asked for from {@link StateMachine#tick}, so that they count in an id
 * space of their own), that node's {@code incarnation} (strictly larger after
 * every restart), the node's {@code requestId} (strictly increasing within an incarnation) and a
 * {@code floor}: no request of that incarnation below it was still waiting at the origin when the
 * command was sent, so no copy of such a request is ever sent again.
 *
 * <p>The header is read in place from the logged bytes (no copy): the state machine then decodes the
 * rest once, at {@link #BYTES}.
 */
record CommandId(int origin, long incarnation, long requestId, long floor) {
  static final byte VERSION = 1;
  static final int BYTES = 1 + 4 + 8 + 8 + 8;

  CommandId {
    Ensure.argument(origin != 0, "origin 0 is no node");
    Ensure.argument(incarnation >= 1, "incarnations start at 1");
    Ensure.argument(floor <= requestId, "the floor cannot pass the request itself");
  }

  /** The logged form: this header followed by {@code payload}. */
  byte[] encode(byte[] payload) {
    byte[] out = new byte[BYTES + payload.length];
    out[0] = VERSION;
    putInt(out, 1, origin);
    putLong(out, 5, incarnation);
    putLong(out, 13, requestId);
    putLong(out, 21, floor);
    System.arraycopy(payload, 0, out, BYTES, payload.length);
    return out;
  }

  /**
   * Reads the header of a logged command; null if the bytes are not one (too short, or an unknown
   * version: never produced by a node, so the command is skipped on every replica alike).
   */
  static CommandId parse(byte[] logged) {
    if (logged.length < BYTES || logged[0] != VERSION) {
      return null;
    }
    int origin = getInt(logged, 1);
    long incarnation = getLong(logged, 5);
    long requestId = getLong(logged, 13);
    long floor = getLong(logged, 21);
    if (origin == 0 || incarnation < 1 || floor > requestId) {
      return null;
    }
    return new CommandId(origin, incarnation, requestId, floor);
  }

  private static void putInt(byte[] b, int at, int v) {
    ByteBuffer.wrap(b).putInt(at, v);
  }

  private static void putLong(byte[] b, int at, long v) {
    ByteBuffer.wrap(b).putLong(at, v);
  }

  private static int getInt(byte[] b, int at) {
    return ByteBuffer.wrap(b).getInt(at);
  }

  private static long getLong(byte[] b, int at) {
    return ByteBuffer.wrap(b).getLong(at);
  }
}
