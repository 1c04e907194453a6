package io.synod.wal.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Wraps a file system to stop an operation at a chosen point: fail the next directory sync or file
 * sync with an {@link IOException} (to "crash" between two steps of a protocol), or hold file syncs
 * until released (to keep a writer thread busy while a test fills its queue).
 */
public final class FaultyFileSystem extends ForwardingFileSystem {
  private volatile boolean failDirectorySyncs;
  private volatile boolean failFileSyncs;
  private volatile CountDownLatch syncGate;
  private volatile Predicate<Path> gated = path -> true;
  private final CountDownLatch syncEntered = new CountDownLatch(1);

  public FaultyFileSystem(FileSystem delegate) {
    super(delegate);
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
    return new Handle(delegate.open(path, create)) {
      @Override
      public void sync() throws IOException {
        CountDownLatch gate = syncGate;
        if (gate != null && gated.test(path)) {
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
        delegate.sync();
      }
    };
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    if (failDirectorySyncs) {
      throw new IOException("injected directory sync failure");
    }
    delegate.syncDirectory(dir);
  }
}
