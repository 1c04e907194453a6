package io.synod.common;

/**
 * Invariant checks that stay on in production.
 *
 * <p>Java's {@code assert} is off unless the JVM is started with {@code -ea}; Synod's invariants
 * guard safety (a wrong value chosen, a promise forgotten), so they are always checked and throw
 * {@link InvariantViolation} when broken. Keep each condition simple: split compound conditions
 * into separate calls so the message names the part that failed.
 */
public final class Ensure {
  private Ensure() {}

  /** Throws {@link InvariantViolation} with {@code message} unless {@code condition} holds. */
  public static void that(boolean condition, String message) {
    if (!condition) {
      throw new InvariantViolation(message);
    }
  }

  /** Like {@link #that(boolean, String)} with a formatted message built only on failure. */
  public static void that(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new InvariantViolation(String.format(java.util.Locale.ROOT, format, args));
    }
  }

  /** Throws {@link IllegalArgumentException} unless {@code condition} holds: bad input from a caller. */
  public static void argument(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Returns {@code value}, or throws {@link IllegalArgumentException} if it is null. */
  public static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
  }

  /** An invariant of the code itself was broken: a bug, never bad input. */
  public static final class InvariantViolation extends RuntimeException {
    public InvariantViolation(String message) {
      super(message);
    }
  }
}
