package io.synod.node;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A test state machine: appends each command to a list and replies with the list's new size. */
final class ListMachine implements StateMachine {
  final List<String> applied = new ArrayList<>();
  private long appliedSlot;

  @Override
  public synchronized byte[] apply(long slot, byte[] command) {
    applied.add(new String(command, StandardCharsets.UTF_8));
    return ByteBuffer.allocate(4).putInt(applied.size()).array();
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

  synchronized List<String> copy() {
    return List.copyOf(applied);
  }
}
