package io.synod.sim;

/** A safety or liveness property the simulator checks was broken. */
public final class SimViolation extends RuntimeException {
  public SimViolation(String message) {
    super(message);
  }
}
