package io.synod.sim;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulator's small deterministic key-value state machine. Commands are text:
 * {@code client|op|KIND|key|value|expected}, with "-" for an absent value.
 */
final class KvMachine {
  static final String ABSENT = "-";

  private final TreeMap<String, String> data = new TreeMap<>();
  private long appliedSlot;

  /** A decoded command. */
  record Command(int client, long op, String kind, String key, String value, String expected) {
    byte[] encode() {
      return String.join("|", Integer.toString(client), Long.toString(op), kind, key, orAbsent(value),
          orAbsent(expected)).getBytes(StandardCharsets.UTF_8);
    }

    static Command decode(byte[] bytes) {
      String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\\|", -1);
      return new Command(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), parts[2], parts[3],
          fromAbsent(parts[4]), fromAbsent(parts[5]));
    }
  }

  /** The result of applying one command: the value read, or whether the write took effect. */
  record Result(String value, boolean flag) {}

  static String orAbsent(String value) {
    return value == null ? ABSENT : value;
  }

  static String fromAbsent(String value) {
    return ABSENT.equals(value) ? null : value;
  }

  Result apply(Command command) {
    String current = data.get(command.key());
    switch (command.kind()) {
      case "GET":
        return new Result(current, false);
      case "PUT":
        data.put(command.key(), command.value());
        return new Result(null, true);
      case "DELETE":
        data.remove(command.key());
        return new Result(null, current != null);
      case "CAS":
        boolean matches = command.expected() == null ? current == null : command.expected().equals(current);
        if (matches) {
          data.put(command.key(), command.value());
        }
        return new Result(null, matches);
      default:
        throw new IllegalArgumentException("unknown command kind " + command.kind());
    }
  }

  long appliedSlot() {
    return appliedSlot;
  }

  void setAppliedSlot(long slot) {
    appliedSlot = slot;
  }

  /** A hash of the whole state, equal on replicas at the same applied slot. */
  long stateHash() {
    long h = 1125899906842597L;
    for (Map.Entry<String, String> e : data.entrySet()) {
      h = 31 * h + e.getKey().hashCode();
      h = 31 * h + e.getValue().hashCode();
    }
    return h;
  }

  byte[] snapshot() {
    StringBuilder sb = new StringBuilder();
    sb.append(appliedSlot);
    for (Map.Entry<String, String> e : data.entrySet()) {
      sb.append('\n').append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  void restore(byte[] snapshot) {
    data.clear();
    appliedSlot = 0;
    if (snapshot.length == 0) {
      return;
    }
    String[] lines = new String(snapshot, StandardCharsets.UTF_8).split("\n");
    appliedSlot = Long.parseLong(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      int eq = lines[i].indexOf('=');
      data.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
    }
  }
}
