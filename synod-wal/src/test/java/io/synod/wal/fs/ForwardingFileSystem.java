package io.synod.wal.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A file system that passes every call to another, for test wrappers that change a few of them:
 * override {@link #open} and wrap the handle in a {@link Handle} to change file operations.
 */
public abstract class ForwardingFileSystem implements FileSystem {
  protected final FileSystem delegate;

  protected ForwardingFileSystem(FileSystem delegate) {
    this.delegate = delegate;
  }

  @Override
  public FileHandle open(Path path, boolean create) throws IOException {
    return delegate.open(path, create);
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return delegate.list(dir);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    delegate.createDirectories(dir);
  }

  @Override
  public void delete(Path path) throws IOException {
    delegate.delete(path);
  }

  @Override
  public void atomicMove(Path from, Path to) throws IOException {
    delegate.atomicMove(from, to);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    delegate.syncDirectory(dir);
  }

  /** A file handle that passes every call to another. */
  public static class Handle implements FileHandle {
    protected final FileHandle delegate;

    public Handle(FileHandle delegate) {
      this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return delegate.write(src, position);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      delegate.truncate(size);
    }

    @Override
    public void sync() throws IOException {
      delegate.sync();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
