package io.synod.wal.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The few file operations the write-ahead log needs, with their durability spelled out.
 *
 * <p>Creating, renaming and deleting a file change its directory; those changes are durable only
 * after {@link #syncDirectory(Path)} of that directory returns. A file's content is durable only
 * after {@link FileHandle#sync()}. Implementations may block the calling thread on I/O; none of the
 * methods is guaranteed to be thread-safe with respect to the same path.
 */
public interface FileSystem {
  /**
   * Opens {@code path} for positional reading and writing. With {@code create} a missing file is
   * created empty (its directory entry is not durable until the directory is synced); without it a
   * missing file is an error.
   */
  FileHandle open(Path path, boolean create) throws IOException;

  /**
   * Opens {@code path} like {@code open(path, true)}, for writes that bypass the page cache where
   * the platform can (O_DIRECT): for a file written once in large pieces, such as a segment of zeros,
   * whose pages would only crowd the cache and whose write-back would compete with the log's own.
   * Every write through the handle must then start at an offset, and come from a direct buffer at an
   * address, aligned to 4096 bytes, with a length that is a multiple of 4096. Where the platform
   * cannot bypass the cache the file is opened normally; that is also the default.
   */
  default FileHandle openUncached(Path path) throws IOException {
    return open(path, true);
  }

  /** Whether a file or directory exists at {@code path} right now (durable or not). */
  boolean exists(Path path);

  /** The direct children of {@code dir}, sorted by file name. */
  List<Path> list(Path dir) throws IOException;

  /** Creates {@code dir} and any missing parents; does nothing if it exists. */
  void createDirectories(Path dir) throws IOException;

  /** Removes {@code path}; no error if it is missing. Durable after the directory is synced. */
  void delete(Path path) throws IOException;

  /**
   * Renames {@code from} to {@code to} in one step, replacing {@code to} if it exists: a reader sees
   * the old or the new file, never a mixture. Durable after the directory is synced.
   */
  void atomicMove(Path from, Path to) throws IOException;

  /** Makes every create, rename and delete in {@code dir} so far durable when it returns. */
  void syncDirectory(Path dir) throws IOException;
}
