package io.synod.wal.fs;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real file system through {@link FileChannel}. This is the only class of synod-wal's main code
 * that touches {@code java.nio.file.Files} or opens channels.
 */
public final class NioFileSystem implements FileSystem {
  /** The file system is stateless, so one instance serves everyone. */
  public static final NioFileSystem INSTANCE = new NioFileSystem();

  private NioFileSystem() {}

  @Override
  public FileHandle open(Path path, boolean create) throws IOException {
    FileChannel channel = create
        ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new NioFileHandle(channel);
  }

  @Override
  public FileHandle openUncached(Path path) throws IOException {
    try {
      return new NioFileHandle(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
          StandardOpenOption.CREATE, ExtendedOpenOption.DIRECT));
    } catch (UnsupportedOperationException | IOException e) {
      // A file system without O_DIRECT (tmpfs refuses it with EINVAL): the page cache it is.
      return open(path, true);
    }
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (Stream<Path> stream = Files.list(dir)) {
      stream.forEach(children::add);
    }
    children.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return children;
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }

  @Override
  public void delete(Path path) throws IOException {
    Files.deleteIfExists(path);
  }

  @Override
  public void atomicMove(Path from, Path to) throws IOException {
    // rename(2) replaces the target in one step on POSIX systems, which is what ATOMIC_MOVE asks for.
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    // On Linux a directory opened read-only can be fsynced, which commits its entries.
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** A {@link FileChannel} behind the {@link FileHandle} interface. */
  private static final class NioFileHandle implements FileHandle {
    private final FileChannel channel;

    NioFileHandle(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return channel.write(src, position);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return channel.read(dst, position);
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      channel.truncate(size);
    }

    @Override
    public void sync() throws IOException {
      // force(false) is fdatasync: the data and the metadata needed to read it back, not mtime.
      channel.force(false);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
