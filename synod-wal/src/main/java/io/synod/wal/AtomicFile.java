package io.synod.wal;

import io.synod.common.Ensure;
import io.synod.wal.fs.FileHandle;
import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A small file replaced as a whole: a reader (or a recovery after a crash) sees the old content or
 * the new one, never a mixture, and damage is detected. For the acceptor's state (promised ballot,
 * configuration); this class only stores bytes.
 *
 * <p>Format: {@code [magic u32][length u32][crc32c u32][content]}, the CRC over magic, length and
 * content. A write goes to {@code <name>.tmp}, is synced, renamed over the target, and the directory
 * is synced, in that order: the rename cannot reach the disk before the content it points at.
 */
public final class AtomicFile {
  static final int MAGIC = 0x53415446;
  static final int HEADER_BYTES = 12;
  static final String TEMP_SUFFIX = ".tmp";
  /** A large content is synced every this many bytes as it is written. */
  static final int SYNC_EVERY_BYTES = 4 << 20;
  /** Default limit on what {@link #read(FileSystem, Path)} accepts: state files are small. */
  public static final int CONTENT_BYTES_MAX = 64 << 20;

  private AtomicFile() {}

  /** Replaces {@code path}'s content with {@code content}; durable when this returns. */
  public static void write(FileSystem fs, Path path, byte[] content) throws IOException {
    write(fs, path, new byte[][] {content});
  }

  /**
   * Replaces {@code path}'s content with the concatenation of {@code parts}, written as they are
   * (a large content, such as a snapshot, is not copied into one array first); durable when this
   * returns. The file is the same as {@link #write(FileSystem, Path, byte[])} makes of the parts
   * joined.
   */
  public static void write(FileSystem fs, Path path, byte[]... parts) throws IOException {
    Path dir = Ensure.notNull(path.toAbsolutePath().getParent(), "the directory of path");
    long length = 0;
    for (byte[] part : parts) {
      length += Ensure.notNull(part, "part").length;
    }
    Ensure.argument(length <= Integer.MAX_VALUE - HEADER_BYTES, "content too large for one file");
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES)
        .putInt(MAGIC).putInt((int) length).putInt(crcOf((int) length, parts)).flip();
    Path temp = path.resolveSibling(path.getFileName() + TEMP_SUFFIX);
    try (FileHandle handle = fs.open(temp, true)) {
      // A temp file left by a crash during an earlier write may be longer than this content.
      handle.truncate(0);
      long position = writeFully(handle, header, 0);
      long synced = 0;
      for (byte[] part : parts) {
        for (int at = 0; at < part.length; at += SYNC_EVERY_BYTES) {
          position = writeFully(handle, ByteBuffer.wrap(part, at, Math.min(SYNC_EVERY_BYTES, part.length - at)), position);
          if (position - synced >= SYNC_EVERY_BYTES) {
            // A large file (a snapshot) is synced as it goes: left to pile up, its dirty pages would
            // all be flushed by the next fsync of any file on the disk (ext4 commits its journal
            // whole), stalling the log's fsyncs, and so every write's reply, for as long.
            handle.sync();
            synced = position;
          }
        }
      }
      Ensure.that(position == HEADER_BYTES + length, "the whole file was written");
      handle.sync();
    }
    fs.atomicMove(temp, path);
    fs.syncDirectory(dir);
  }

  private static long writeFully(FileHandle handle, ByteBuffer bytes, long position) throws IOException {
    long at = position;
    while (bytes.hasRemaining()) {
      at += handle.write(bytes, at);
    }
    return at;
  }

  /**
   * The bytes {@link #write} stores for {@code content}: header, checksum and content, as
   * {@link #read} expects them. For tests that put such a file on disk by other means.
   */
  public static byte[] frame(byte[] content) {
    Ensure.notNull(content, "content");
    Ensure.argument(content.length <= Integer.MAX_VALUE - HEADER_BYTES, "content too large for one file");
    ByteBuffer bytes = ByteBuffer.allocate(HEADER_BYTES + content.length);
    bytes.putInt(MAGIC).putInt(content.length).putInt(crcOf(content.length, new byte[][] {content})).put(content);
    Ensure.that(!bytes.hasRemaining(), "header and content fill the frame");
    return bytes.array();
  }

  /** The content of {@code path}, empty if there is no such file; see {@link #read(FileSystem, Path, int)}. */
  public static Optional<byte[]> read(FileSystem fs, Path path) throws IOException {
    return read(fs, path, CONTENT_BYTES_MAX);
  }

  /**
   * The content of {@code path}, or empty if there is no such file.
   *
   * @throws WalCorruptionException naming the path if the file is damaged, truncated or larger than
   *     {@code contentBytesMax}
   */
  public static Optional<byte[]> read(FileSystem fs, Path path, int contentBytesMax) throws IOException {
    Ensure.argument(contentBytesMax >= 0, "contentBytesMax must not be negative");
    if (!fs.exists(path)) {
      return Optional.empty();
    }
    try (FileHandle handle = fs.open(path, false)) {
      long size = handle.size();
      if (size < HEADER_BYTES) {
        throw new WalCorruptionException(path, size, "file of " + size + " bytes is shorter than its header");
      }
      if (size - HEADER_BYTES > contentBytesMax) {
        throw new WalCorruptionException(path, 0, "file of " + size + " bytes exceeds the limit of " + contentBytesMax);
      }
      ByteBuffer bytes = ByteBuffer.allocate((int) size);
      while (bytes.hasRemaining() && handle.read(bytes, bytes.position()) >= 0) {
        // A positional read may return fewer bytes than asked; keep going until full or at the end.
      }
      if (bytes.hasRemaining()) {
        throw new WalCorruptionException(path, bytes.position(), "file shrank while it was read");
      }
      bytes.flip();
      if (bytes.getInt(0) != MAGIC) {
        throw new WalCorruptionException(path, 0, "bad magic number");
      }
      int length = bytes.getInt(4);
      if (length != size - HEADER_BYTES) {
        throw new WalCorruptionException(path, 4, "length field " + length + " disagrees with the file size " + size);
      }
      byte[] content = new byte[length];
      bytes.get(HEADER_BYTES, content);
      if (crcOf(length, new byte[][] {content}) != bytes.getInt(8)) {
        throw new WalCorruptionException(path, 8, "checksum mismatch");
      }
      return Optional.of(content);
    }
  }

  private static int crcOf(int length, byte[][] parts) {
    CRC32C crc = new CRC32C();
    ByteBuffer header = ByteBuffer.allocate(8).putInt(MAGIC).putInt(length).flip();
    crc.update(header);
    for (byte[] part : parts) {
      crc.update(part, 0, part.length);
    }
    return (int) crc.getValue();
  }
}
