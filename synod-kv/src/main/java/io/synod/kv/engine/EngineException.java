package io.synod.kv.engine;

/** The storage engine failed (an I/O error, corruption); the node should stop rather than go on. */
public final class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }

  public EngineException(String message) {
    super(message);
  }
}
