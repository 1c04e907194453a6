package io.synod.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Stored data is damaged in a way a crash cannot explain, so continuing could drop acknowledged
 * records. The message names the file and the byte offset; an operator (or a peer's copy of the
 * log) has to repair it. Never thrown for a torn tail, which recovery truncates.
 */
public final class WalCorruptionException extends IOException {
  private final transient Path file;
  private final long offset;

  public WalCorruptionException(Path file, long offset, String problem) {
    super("corruption in " + file + " at byte offset " + offset + ": " + problem);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged file. */
  public Path file() {
    return file;
  }

  /** The byte offset of the damage inside {@link #file()}. */
  public long offset() {
    return offset;
  }
}
