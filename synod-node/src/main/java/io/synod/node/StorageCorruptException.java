package io.synod.node;

import java.io.IOException;

/**
 * A replica's durable state is corrupt: acknowledged data may be gone. The node stops with this
 * error unless told to wipe the state and rebuild it from its peers.
 */
public final class StorageCorruptException extends IOException {
  private final boolean unfinishedRebuild;

  public StorageCorruptException(String message) {
    this(message, null, false);
  }

  public StorageCorruptException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StorageCorruptException(String message, Throwable cause, boolean unfinishedRebuild) {
    super(message, cause);
    this.unfinishedRebuild = unfinishedRebuild;
  }

  /** The state was wiped before and its rebuild never finished: wiping again is the only way on. */
  static StorageCorruptException unfinishedRebuild(String message) {
    return new StorageCorruptException(message, null, true);
  }

  public boolean unfinishedRebuild() {
    return unfinishedRebuild;
  }
}
