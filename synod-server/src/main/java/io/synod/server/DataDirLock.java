package io.synod.server;

import io.synod.common.Ensure;
import io.synod.node.ReplicaStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Makes one server the only user of a data directory: an exclusive OS lock on
 * {@link ReplicaStorage#LOCK_FILE} inside it, held until {@link #close}. Two processes on one data
 * directory would act as one Paxos acceptor with two memories: each could promise or accept what
 * the other refused, and the promise a ballot relies on would no longer hold.
 *
 * <p>When {@link #acquire} returns, the lock is held and the lock file holds this process's PID,
 * forced to disk. It blocks the calling thread on file I/O (creating the directory, the force) but
 * never waits for another holder: it fails at once, and a refused acquire changes nothing in the
 * directory. When {@link #close} returns, the lock is released. The lock belongs to the process, not
 * to a thread: any thread may acquire it or close it.
 *
 * <p>Within one JVM a second acquire is refused before the lock file is opened. The JDK's file locks
 * are POSIX record locks on Linux and macOS, which belong to the process, and closing <em>any</em>
 * descriptor of the file releases them, even one opened through another channel: a second server
 * in this JVM that opened the lock file, found it locked and closed it would silently free the
 * first server's directory for other processes.
 */
public final class DataDirLock implements AutoCloseable {
  /** Real paths of the data directories locked in this JVM. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
  /**
   * Channels that found the lock file already locked by this JVM under a path {@link #HELD} does
   * not know (a bind mount, or a lock not taken through this class). Closing one would release that
   * other lock (see the class comment), so they stay open for the life of the JVM.
   */
  private static final List<FileChannel> KEPT_OPEN = new ArrayList<>();
  /** What the lock file holds: a PID in decimal and a newline. Anything else is not trusted. */
  private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,18}\n?");
  private static final int PID_BYTES_MAX = 20;

  private final Path dir;
  private final Path realDir;
  private final FileChannel channel;
  private final FileLock lock;
  private boolean closed;

  private DataDirLock(Path dir, Path realDir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.realDir = realDir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code dataDir} if it does not exist and locks it for this process.
   *
   * @throws IOException naming the directory, if another process or another server in this JVM
   *     holds it (with the holder's PID where the lock file says it), or if the directory or its lock
   *     file cannot be created, opened or written (with the OS's reason)
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    Path dir = Ensure.notNull(dataDir, "dataDir").toAbsolutePath().normalize();
    Path realDir;
    try {
      Files.createDirectories(dir);
      realDir = dir.toRealPath();
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create data directory " + dir + ": " + e.getFile()
          + " exists and is not a directory", e);
    } catch (IOException e) {
      throw new IOException("cannot create data directory " + dir + ": " + reason(e), e);
    }
    if (!HELD.add(realDir)) {
      throw inUse(dir, "another synod server in this process", "pid " + ProcessHandle.current().pid());
    }
    try {
      return lock(dir, realDir);
    } catch (IOException | RuntimeException | Error e) {
      HELD.remove(realDir);
      throw e;
    }
  }

  private static DataDirLock lock(Path dir, Path realDir) throws IOException {
    Path lockFile = dir.resolve(ReplicaStorage.LOCK_FILE);
    FileChannel channel;
    try {
      // No TRUNCATE_EXISTING: a refused start must leave the holder's PID where it is.
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IOException("cannot open lock file " + lockFile + " in data directory " + dir + ": " + reason(e), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      synchronized (KEPT_OPEN) {
        KEPT_OPEN.add(channel);
      }
      throw inUse(dir, "another synod server in this process", "pid " + ProcessHandle.current().pid());
    } catch (IOException | RuntimeException | Error e) {
      closeAfterFailure(channel, e);
      throw new IOException("cannot lock " + lockFile + ": " + reason(e), e);
    }
    if (lock == null) {
      IOException refused = inUse(dir, "another synod process", holder(channel, lockFile));
      closeAfterFailure(channel, refused);
      throw refused;
    }
    try {
      Ensure.that(lock.isValid(), "the lock on %s is not valid right after tryLock", lockFile);
      Ensure.that(!lock.isShared(), "the lock on %s is shared, not exclusive", lockFile);
      writePid(channel, lockFile);
    } catch (IOException | RuntimeException | Error e) {
      closeAfterFailure(channel, e);
      throw e;
    }
    return new DataDirLock(dir, realDir, channel, lock);
  }

  /** The data directory, absolute, as it was given (not resolved through symbolic links). */
  public Path directory() {
    return dir;
  }

  /**
   * Releases the lock. Call it only once nothing in the directory is open for writing any more,
   * since another process may take the directory over as soon as this returns. Idempotent.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      lock.release();
    } finally {
      channel.close();
    }
    // Only once this channel is closed may another server in this JVM open the lock file.
    boolean registered = HELD.remove(realDir);
    Ensure.that(registered, "data directory %s was not registered as held in this JVM", realDir);
  }

  /** Replaces whatever an earlier holder left with this process's PID, durably. */
  private static void writePid(FileChannel channel, Path lockFile) throws IOException {
    ByteBuffer pid = ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
    int length = pid.remaining();
    // Truncating first means a reader sees the old PID, nothing, or the new PID, never a mixture.
    channel.truncate(0);
    long position = 0;
    while (pid.hasRemaining()) {
      position += channel.write(pid, position);
    }
    channel.force(true);
    Ensure.that(channel.size() == length, "lock file %s holds %d bytes after writing %d", lockFile, channel.size(),
        length);
  }

  /**
   * "pid N" from the lock file a refused acquire found locked, or why there is no PID to show. A
   * holder that has only just taken the lock may not yet have replaced its predecessor's PID: the
   * window is the few system calls between its tryLock and its truncate.
   */
  private static String holder(FileChannel channel, Path lockFile) {
    ByteBuffer content = ByteBuffer.allocate(PID_BYTES_MAX + 1);
    try {
      int read = 0;
      while (content.hasRemaining() && read >= 0) {
        read = channel.read(content, content.position());
      }
    } catch (IOException e) {
      return "pid unknown: cannot read " + lockFile + ": " + reason(e);
    }
    return describeHolder(content.flip(), lockFile);
  }

  static String describeHolder(ByteBuffer content, Path lockFile) {
    if (!content.hasRemaining()) {
      // The holder truncates the file before it writes its PID.
      return "pid unknown: " + lockFile + " is empty, so the holder may still be starting";
    }
    String text = StandardCharsets.US_ASCII.decode(content).toString();
    if (content.limit() > PID_BYTES_MAX || !PID.matcher(text).matches()) {
      return "pid unknown: " + lockFile + " does not hold a PID";
    }
    return "pid " + text.strip();
  }

  private static IOException inUse(Path dir, String who, String holder) {
    return new IOException("data directory " + dir + " is in use by " + who + " (" + holder + "); stop it first");
  }

  /**
   * The OS's reason for a failed file operation. The JDK turns EACCES into an
   * {@link AccessDeniedException} without the text, and names the file in the message.
   */
  private static String reason(Throwable e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.toString();
  }

  private static void closeAfterFailure(FileChannel channel, Throwable failure) {
    try {
      channel.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
