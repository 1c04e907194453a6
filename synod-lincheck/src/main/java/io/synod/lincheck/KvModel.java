package io.synod.lincheck;

import java.util.Objects;

/**
 * The sequential specification of a key-value store with get, put, delete and compare-and-set.
 *
 * <p>The checker partitions by key, so the state is just one key's current value, wrapped in
 * {@link State} so that "absent" is an ordinary value with working {@code equals}.
 */
public final class KvModel implements Model<KvModel.State, KvInput, KvOutput> {
  /** One key's current value; {@code value == null} means the key is absent. */
  public record State(String value) {
    public static final State ABSENT = new State(null);

    // Written out because the checker compares states constantly, and the generated record
    // methods are measurably slower here.
    @Override
    public boolean equals(Object o) {
      return o instanceof State && Objects.equals(value, ((State) o).value);
    }

    @Override
    public int hashCode() {
      return value == null ? 0 : value.hashCode();
    }

    @Override
    public String toString() {
      return show(value);
    }
  }

  @Override
  public State initialState() {
    return State.ABSENT;
  }

  @Override
  public State step(State state, KvInput input, KvOutput output) {
    return switch (input.kind()) {
      case GET -> Objects.equals(state.value(), output.value()) ? state : null;
      case PUT -> new State(input.value());
      case DELETE -> output.flag() == (state.value() != null) ? State.ABSENT : null;
      case CAS -> {
        boolean succeeds = Objects.equals(state.value(), input.expected());
        if (output.flag() != succeeds) {
          yield null;
        }
        yield succeeds ? new State(input.value()) : state;
      }
    };
  }

  @Override
  public State stepUnknown(State state, KvInput input) {
    return switch (input.kind()) {
      case GET -> state;
      case PUT -> new State(input.value());
      case DELETE -> State.ABSENT;
      case CAS ->
          Objects.equals(state.value(), input.expected()) ? new State(input.value()) : state;
    };
  }

  @Override
  public Object partition(KvInput input) {
    return input.key();
  }

  /**
   * Renders e.g. {@code get(x) -> 3}, {@code cas(x, absent -> 1) -> failed}, or
   * {@code put(x, 2) -> ?} when the outcome is unknown.
   */
  @Override
  public String describe(KvInput input, KvOutput output) {
    String key = input.key();
    String call = switch (input.kind()) {
      case GET -> "get(" + key + ")";
      case PUT -> "put(" + key + ", " + input.value() + ")";
      case DELETE -> "delete(" + key + ")";
      case CAS -> "cas(" + key + ", " + show(input.expected()) + " -> " + show(input.value()) + ")";
    };
    if (output == null) {
      return call + " -> ?";
    }
    String result = switch (input.kind()) {
      case GET -> show(output.value());
      case PUT -> "ok";
      case DELETE -> output.flag() ? "existed" : "was absent";
      case CAS -> output.flag() ? "succeeded" : "failed";
    };
    return call + " -> " + result;
  }

  private static String show(String value) {
    return value == null ? "absent" : value;
  }
}
