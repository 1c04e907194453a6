package io.synod.node;

/** Why a node could not carry out a client's request. */
public class NodeException extends RuntimeException {
  /** Whether the client may safely retry (the command was certainly not applied). */
  private final boolean retryable;

  public NodeException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** This node does not lead and cannot forward; {@code leaderHint} is the leader it believes in, or 0. */
  public static final class NotLeader extends NodeException {
    private final int leaderHint;

    public NotLeader(int leaderHint) {
      super(leaderHint == 0 ? "no leader is known" : "not the leader; try node " + leaderHint, true);
      this.leaderHint = leaderHint;
    }

    public int leaderHint() {
      return leaderHint;
    }
  }

  /** Too many requests in flight: the node refused this one without proposing it. */
  public static final class Busy extends NodeException {
    public Busy(String message) {
      super(message, true);
    }
  }

  /** No outcome within the request timeout: the command may or may not be applied later. */
  public static final class Timeout extends NodeException {
    public Timeout(String message) {
      super(message, false);
    }
  }

  /** The node is stopping or stopped. */
  public static final class Stopped extends NodeException {
    public Stopped(String message) {
      super(message, false);
    }
  }
}
