package io.synod.node;

import java.io.IOException;

/**
 * A replica's durable state is corrupt: acknowledged data may be gone. The node stops with this
 * error unless told to wipe the state and rebuild it from its peers.
 */
public final class StorageCorruptException extends IOException {
  public StorageCorruptException(String message) {
    super(message);
  }

  public StorageCorruptException(String message, Throwable cause) {
    super(message, cause);
  }
}
