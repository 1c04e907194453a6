package io.synod.lincheck;

/**
 * A sequential specification that the checker replays operations against.
 *
 * <p>The checker memoizes on model states, so {@code S} must have value semantics: two states that
 * behave the same must be {@code equals} and have the same {@code hashCode}, and a state must never
 * be mutated after it is returned.
 *
 * @param <S> the model state
 * @param <I> an operation's input
 * @param <O> an operation's output
 */
public interface Model<S, I, O> {
  /** The state before any operation. Must not be null. */
  S initialState();

  /**
   * The state after applying {@code input} to {@code state} if the model allows {@code output};
   * null if it does not.
   */
  S step(S state, I input, O output);

  /**
   * The state after applying {@code input} when its output is unknown (the operation timed out, so
   * it may or may not have taken effect); null if the input can never take effect in {@code state}.
   */
  S stepUnknown(S state, I input);

  /**
   * Operations with different partition keys are independent and are checked separately; return
   * the same object for every input when the model cannot be partitioned. Keys need value
   * {@code equals} and {@code hashCode}.
   */
  Object partition(I input);

  /**
   * Human-readable rendering of one operation for counterexamples. {@code output} is null for an
   * operation whose outcome is unknown.
   */
  default String describe(I input, O output) {
    return input + " -> " + (output == null ? "?" : String.valueOf(output));
  }
}
