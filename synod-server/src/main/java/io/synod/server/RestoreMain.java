package io.synod.server;

import io.synod.node.ReplicaStorage;
import io.synod.node.core.NodeCore;
import io.synod.paxos.Configuration;
import io.synod.paxos.SnapshotHandle;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code synod restore FILE}: seeds one member of a new cluster from a snapshot file written by
 * {@code etcdctl snapshot save}, as {@code etcdctl snapshot restore} does. Run it once per member,
 * with the same file and members, then start each member with {@code synod server} on its data
 * directory.
 *
 * <p>The data directory it writes is an ordinary member's: a stored snapshot at the slot the file
 * was taken at (the store's state with an empty exactly-once table) and nothing else, no promise and
 * no log. Every member restored from one file starts at that slot with the same state, so the new
 * cluster elects a leader and continues the log, and the revisions, after it; no special start-up
 * path is involved.
 *
 * <p>Nothing is written unless the whole file checks out, and the directory appears only complete:
 * it is built beside its final place and renamed into it.
 */
@Command(name = "synod restore", mixinStandardHelpOptions = true,
    description = "Writes a new member's data directory from a snapshot file (etcdctl snapshot save).")
public final class RestoreMain implements Callable<Integer> {
  @Parameters(index = "0", description = "the snapshot file")
  Path file;

  @Option(names = "--id", required = true, description = "the new member's id (1..63)")
  int id;

  @Option(names = "--members", required = true,
      description = "every member of the new cluster: id=peerHost:port/clientHost:port, comma-separated")
  String members;

  @Option(names = "--data-dir", required = true, description = "the data directory to create (must not exist or be empty)")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    List<Member> parsed = Member.parseAll(members);
    Summary summary = restore(file, id, parsed, dataDir);
    System.out.println("restored " + file + " into " + dataDir + " for member " + id + ": revision "
        + summary.revision() + ", compact revision " + summary.compactRevision() + ", log slot " + summary.slot());
    return 0;
  }

  /** What a restore wrote. */
  record Summary(long revision, long compactRevision, long slot) {}

  /**
   * Checks {@code file} completely, then writes {@code dataDir} for member {@code id} of
   * {@code members}.
   *
   * @throws IOException if the directory exists and is not empty, the file is unreadable or fails a
   *     check (its message names the file and the failed check), or writing fails; nothing is left
   *     behind in any of these cases
   */
  static Summary restore(Path file, int id, List<Member> members, Path dataDir) throws IOException {
    if (members.stream().noneMatch(m -> m.id() == id)) {
      throw new IllegalArgumentException("member " + id + " is not among the members given");
    }
    if (Files.exists(dataDir) && !isEmptyDirectory(dataDir)) {
      throw new IOException("data directory " + dataDir + " exists and is not empty; restore writes a new one");
    }
    SnapshotFile.Contents contents = SnapshotFile.read(file);
    List<Integer> ids = new ArrayList<>();
    for (Member m : members) {
      ids.add(m.id());
    }
    Configuration configuration = new Configuration(ids);
    Path absolute = dataDir.toAbsolutePath();
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + absolute.getFileName() + ".restoring");
    deleteTree(staging);
    try {
      ReplicaStorage.Opened opened = ReplicaStorage.open(NioFileSystem.INSTANCE, staging, 1, configuration,
          WalConfig.defaults());
      try (ReplicaStorage storage = opened.storage()) {
        if (contents.slot() > 0) {
          storage.writeSnapshot(new SnapshotHandle(contents.slot(), configuration),
              NodeCore.seedSnapshot(contents.store()));
        }
      }
      if (Files.exists(dataDir)) {
        Files.delete(dataDir); // Empty, checked above.
      }
      Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
      NioFileSystem.INSTANCE.syncDirectory(parent);
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(staging);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return new Summary(contents.revision(), contents.compactRevision(), contents.slot());
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new RestoreMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("synod restore: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }
}
