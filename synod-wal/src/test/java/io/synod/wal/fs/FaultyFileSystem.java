package io.synod.wal.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Wraps a file system to stop an operation at a chosen point: fail the next directory sync or file
 * sync with an {@link IOException} (to "crash" between two steps of a protocol), or hold file syncs
 * until released (to keep a writer thread busy while a test fills its queue).
 */
public final class FaultyFileSystem implements FileSystem {
  private final FileSystem delegate;
  private volatile boolean failDirectorySyncs;
  private volatile boolean failFileSyncs;
  private volatile CountDownLatch syncGate;
  private volatile Predicate<Path> gated = path -> true;
  private final CountDownLatch syncEntered = new CountDownLatch(1);

  public FaultyFileSystem(FileSystem delegate) {
    this.delegate = delegate;
  }

  public void failDirectorySyncs(boolean fail) {
    failDirectorySyncs = fail;
  }

  public void failFileSyncs(boolean fail) {
    failFileSyncs = fail;
  }

  /** From now on, file syncs wait until {@link #openGate()} (at most 30 s, then they fail). */
  public void closeGate() {
    closeGate(path -> true);
  }

  /** Like {@link #closeGate()}, for syncs of the files {@code which} accepts only. */
  public void closeGate(Predicate<Path> which) {
    gated = which;
    syncGate = new CountDownLatch(1);
  }

  public void openGate() {
    CountDownLatch gate = syncGate;
    syncGate = null;
    if (gate != null) {
      gate.countDown();
    }
  }

  /** Waits (bounded) until some file sync is held at the gate. */
  public boolean awaitSyncHeld(long timeout, TimeUnit unit) throws InterruptedException {
    return syncEntered.await(timeout, unit);
  }

  @Override
  public FileHandle open(Path path, boolean create) throws IOException {
    FileHandle handle = delegate.open(path, create);
    Path name = path;
    return new FileHandle() {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return handle.write(src, position);
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return handle.read(dst, position);
      }

      @Override
      public long size() throws IOException {
        return handle.size();
      }

      @Override
      public void truncate(long size) throws IOException {
        handle.truncate(size);
      }

      @Override
      public void sync() throws IOException {
        CountDownLatch gate = syncGate;
        if (gate != null && gated.test(name)) {
          syncEntered.countDown();
          try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
              throw new IOException("sync gate was never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted at the sync gate", e);
          }
        }
        if (failFileSyncs) {
          throw new IOException("injected file sync failure");
        }
        handle.sync();
      }

      @Override
      public void close() throws IOException {
        handle.close();
      }
    };
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
    if (failDirectorySyncs) {
      throw new IOException("injected directory sync failure");
    }
    delegate.syncDirectory(dir);
  }
}
