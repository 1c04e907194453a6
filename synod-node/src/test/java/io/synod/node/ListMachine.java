package io.synod.node;

import io.synod.node.core.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A test state machine: appends each command to a list; its result is the list's new size. */
public final class ListMachine implements StateMachine<Integer> {
  final List<String> applied = new ArrayList<>();
  private long appliedSlot;
  /** Commands this machine asks its node to log at its next tick as leader. */
  private final List<String> wanted = new ArrayList<>();
  private int ticksAsFollower;

  /** Asks the node to log {@code command} (through {@link #tick}) once this node leads. */
  public synchronized void want(String command) {
    wanted.add(command);
  }

  /** Ticks this machine saw while its node did not lead. */
  public synchronized int ticksAsFollower() {
    return ticksAsFollower;
  }

  @Override
  public synchronized List<byte[]> tick(long nowNanos, boolean leader) {
    if (!leader) {
      ticksAsFollower++;
      return List.of();
    }
    List<byte[]> out = new ArrayList<>();
    for (String command : wanted) {
      out.add(command.getBytes(StandardCharsets.UTF_8));
    }
    wanted.clear();
    return out;
  }

  @Override
  public synchronized Integer apply(long slot, byte[] command, int offset, int length, boolean resultWanted) {
    applied.add(new String(command, offset, length, StandardCharsets.UTF_8));
    return applied.size();
  }

  /** A command starting with '?' reads: its result is the list's size; any other is no read. */
  @Override
  public synchronized Integer read(byte[] command, int offset, int length) {
    return length > 0 && command[offset] == '?' ? applied.size() : null;
  }

  @Override
  public synchronized void slotApplied(long slot) {
    appliedSlot = slot;
  }

  @Override
  public synchronized long appliedSlot() {
    return appliedSlot;
  }

  @Override
  public synchronized byte[] snapshot() {
    return String.join("\n", applied).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void restore(long slot, byte[] snapshot) {
    applied.clear();
    String text = new String(snapshot, StandardCharsets.UTF_8);
    if (!text.isEmpty()) {
      applied.addAll(List.of(text.split("\n")));
    }
    appliedSlot = slot;
  }

  public synchronized List<String> copy() {
    return List.copyOf(applied);
  }
}
