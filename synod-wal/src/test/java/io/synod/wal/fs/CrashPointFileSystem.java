package io.synod.wal.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Wraps a {@link SimFileSystem} to crash it right after a chosen operation: once {@link #arm} is
 * called, the operations that change files or directories (write, truncate, sync, rename, delete,
 * directory sync) are traced, and after the {@code n}-th of them the simulated machine loses power
 * and the operation throws {@link IOException}, as if the process died with it. Optionally a
 * directory is synced just before the crash, standing for a journal commit made by someone else
 * that made a pending rename durable although the log never synced it. A listener may also act after
 * each traced operation (to close something mid-way, say) without any crash.
 */
public final class CrashPointFileSystem extends ForwardingFileSystem {
  private final SimFileSystem sim;
  private final List<String> trace = new ArrayList<>();
  private boolean armed;
  private int opsLeft;
  private Path syncBeforeCrash;
  private boolean crashed;
  private Consumer<String> listener = op -> {};

  public CrashPointFileSystem(SimFileSystem sim) {
    super(sim);
    this.sim = sim;
  }

  /**
   * From now on, traces operations and crashes after the {@code opsBeforeCrash}-th one, syncing
   * {@code dirToSyncFirst} (if not null) just before.
   */
  public synchronized void arm(int opsBeforeCrash, Path dirToSyncFirst) {
    armed = true;
    opsLeft = opsBeforeCrash;
    syncBeforeCrash = dirToSyncFirst;
    trace.clear();
  }

  /** Stops tracing: no crash happens unless {@link #arm} is called again. */
  public synchronized void disarm() {
    armed = false;
  }

  /** Tells {@code onOp} of every traced operation, on the thread that made it, before any crash. */
  public synchronized void listen(Consumer<String> onOp) {
    listener = onOp;
  }

  /** The operations traced since {@link #arm}, as "op file" strings; the crashed one is last. */
  public synchronized List<String> trace() {
    return List.copyOf(trace);
  }

  /**
   * Traced operations left before the crash, counting the one in progress while a listener hears of
   * it: 1 in the listener means the power fails right after this operation.
   */
  public synchronized int operationsLeft() {
    return opsLeft;
  }

  public synchronized boolean crashed() {
    return crashed;
  }

  /** Counts one changing operation; crashes (and throws) if it was the chosen one. */
  private synchronized void after(String op, Path path) throws IOException {
    if (!armed || crashed) {
      return;
    }
    String traced = op + (path == null ? "" : " " + path.getFileName());
    trace.add(traced);
    listener.accept(traced);
    if (--opsLeft > 0) {
      return;
    }
    crashed = true;
    if (syncBeforeCrash != null) {
      sim.syncDirectory(syncBeforeCrash);
    }
    sim.crash();
    throw new IOException("simulated power loss after " + trace.get(trace.size() - 1));
  }

  @Override
  public FileHandle open(Path path, boolean create) throws IOException {
    return new Handle(sim.open(path, create)) {
      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        int written = delegate.write(src, position);
        after("write@" + position, path);
        return written;
      }

      @Override
      public void truncate(long size) throws IOException {
        delegate.truncate(size);
        after("truncate", path);
      }

      @Override
      public void sync() throws IOException {
        delegate.sync();
        after("sync", path);
      }
    };
  }

  @Override
  public void delete(Path path) throws IOException {
    sim.delete(path);
    after("delete", path);
  }

  @Override
  public void atomicMove(Path from, Path to) throws IOException {
    sim.atomicMove(from, to);
    after("move " + from.getFileName() + " ->", to);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    sim.syncDirectory(dir);
    after("syncDirectory", null);
  }
}
