package io.synod.node.core;

import io.synod.common.Ensure;
import java.nio.ByteBuffer;

/**
 * A node's snapshot: the {@link AppliedCommands} table and the state machine's own snapshot, taken
 * at the same applied slot. The Paxos core stores and ships it as opaque bytes.
 */
final class NodeSnapshot {
  private static final int MAGIC = 0x534e4f44; // "SNOD"

  private NodeSnapshot() {}

  static byte[] encode(AppliedCommands applied, byte[] machine) {
    return encode(applied.encode(), machine);
  }

  /** {@code table} is an {@link AppliedCommands#encode} of the table as of the machine's snapshot. */
  static byte[] encode(byte[] table, byte[] machine) {
    return ByteBuffer.allocate(8 + table.length + machine.length)
        .putInt(MAGIC).putInt(table.length).put(table).put(machine).array();
  }

  /**
   * Restores {@code applied} from {@code snapshot} and returns the state machine's part. Checks the
   * whole frame before changing anything; a malformed snapshot throws IllegalArgumentException.
   */
  static byte[] restore(byte[] snapshot, AppliedCommands applied) {
    Ensure.argument(snapshot.length >= 8, "snapshot too short: " + snapshot.length + " bytes");
    ByteBuffer in = ByteBuffer.wrap(snapshot);
    Ensure.argument(in.getInt() == MAGIC, "not a node snapshot");
    int tableBytes = in.getInt();
    Ensure.argument(tableBytes >= 0 && tableBytes <= in.remaining(), "bad table length " + tableBytes);
    AppliedCommands decoded = AppliedCommands.decode(ByteBuffer.wrap(snapshot, 8, tableBytes).slice());
    byte[] machine = new byte[snapshot.length - 8 - tableBytes];
    System.arraycopy(snapshot, 8 + tableBytes, machine, 0, machine.length);
    applied.replaceWith(decoded);
    return machine;
  }
}
