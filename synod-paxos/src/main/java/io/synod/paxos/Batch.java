package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.Arrays;
import java.util.List;

/**
 * The value of one slot: an ordered batch of opaque client commands. The empty batch is the no-op a
 * new leader uses to fill gaps. Batches are immutable; equality compares the command bytes, which is
 * what "the same value" means for the one-value-per-slot invariant.
 */
public final class Batch {
  public static final Batch NOOP = new Batch(new byte[0][]);

  private final byte[][] commands;
  private final int byteSize;
  private int hash;

  private Batch(byte[][] commands) {
    this.commands = commands;
    int size = 0;
    for (byte[] command : commands) {
      size += command.length;
    }
    this.byteSize = size;
  }

  /** A batch holding {@code commands} in order; the list and arrays must not be changed afterwards. */
  public static Batch of(List<byte[]> commands) {
    Ensure.notNull(commands, "commands");
    if (commands.isEmpty()) {
      return NOOP;
    }
    byte[][] copy = commands.toArray(new byte[0][]);
    for (byte[] command : copy) {
      Ensure.notNull(command, "command");
    }
    return new Batch(copy);
  }

  public static Batch of(byte[]... commands) {
    return of(List.of(commands));
  }

  public int size() {
    return commands.length;
  }

  public boolean isNoop() {
    return commands.length == 0;
  }

  public byte[] command(int index) {
    return commands[index];
  }

  /** Sum of the commands' lengths. */
  public int byteSize() {
    return byteSize;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Batch other) || other.commands.length != commands.length) {
      return false;
    }
    if (other.byteSize != byteSize || other.hashCode() != hashCode()) {
      return false;
    }
    for (int i = 0; i < commands.length; i++) {
      if (!Arrays.equals(commands[i], other.commands[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 1;
      for (byte[] command : commands) {
        h = 31 * h + Arrays.hashCode(command);
      }
      h = h == 0 ? 1 : h;
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return isNoop() ? "noop" : "batch[" + commands.length + " cmds, " + byteSize + " B]";
  }
}
