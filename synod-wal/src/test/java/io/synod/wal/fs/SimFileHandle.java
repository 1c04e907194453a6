package io.synod.wal.fs;

import io.synod.common.Ensure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A handle on a {@link SimFileSystem} file; dead after a crash or close. */
final class SimFileHandle implements FileHandle {
  private final SimFileSystem fs;
  private final SimInode inode;
  private final Path path;
  private final long generation;
  private boolean closed;

  SimFileHandle(SimFileSystem fs, SimInode inode, Path path, long generation) {
    this.fs = fs;
    this.inode = inode;
    this.path = path;
    this.generation = generation;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    synchronized (fs) {
      checkUsable();
      Ensure.argument(position >= 0, "position must not be negative");
      int length = src.remaining();
      if (position + length > SimFileSystem.FILE_BYTES_MAX) {
        throw new IOException("simulated file " + path + " would exceed " + SimFileSystem.FILE_BYTES_MAX + " bytes");
      }
      byte[] data = new byte[length];
      src.get(data);
      inode.write((int) position, data);
      return length;
    }
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    synchronized (fs) {
      checkUsable();
      Ensure.argument(position >= 0, "position must not be negative");
      SimContent content = inode.current();
      if (position >= content.size()) {
        return -1;
      }
      byte[] chunk = new byte[Math.min(dst.remaining(), content.size() - (int) position)];
      int count = content.read((int) position, chunk, chunk.length);
      dst.put(chunk, 0, count);
      return count;
    }
  }

  @Override
  public long size() throws IOException {
    synchronized (fs) {
      checkUsable();
      return inode.current().size();
    }
  }

  @Override
  public void truncate(long size) throws IOException {
    synchronized (fs) {
      checkUsable();
      Ensure.argument(size >= 0, "size must not be negative");
      if (size < inode.current().size()) {
        inode.truncate((int) size);
      }
    }
  }

  @Override
  public void sync() throws IOException {
    synchronized (fs) {
      checkUsable();
      inode.sync();
      fs.countFileSync();
    }
  }

  @Override
  public void close() {
    synchronized (fs) {
      closed = true;
    }
  }

  private void checkUsable() throws IOException {
    if (closed) {
      throw new IOException("handle of " + path + " is closed");
    }
    fs.checkLive(generation, path);
  }
}
