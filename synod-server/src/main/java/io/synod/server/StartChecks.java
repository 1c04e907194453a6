package io.synod.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks a member makes before it changes anything, at every start and for {@code --check}: that it
 * can listen on its peer and client addresses, and that its data directory is writable or can be
 * created. Each failure names the member, the address or path, and the operating system's reason.
 */
final class StartChecks {
  private StartChecks() {}

  /**
   * Binds this member's peer and client addresses for a moment and releases them. A start that
   * would fail on a busy port then fails before it locks or writes its data directory; the real
   * bind that follows can still lose a race, and reports the same way.
   *
   * @throws IOException "member 2 cannot listen on 127.0.0.1:22380 for peers: address already in use"
   */
  static void listenable(ServerConfig config) throws IOException {
    Member self = config.self();
    probe(self.id(), self.peer(), "peers");
    probe(self.id(), self.client(), "clients");
  }

  private static void probe(int id, InetSocketAddress address, String forWhom) throws IOException {
    // Opened like Netty's NIO server channel, so the probe and the real bind see the same options.
    try (ServerSocketChannel channel = ServerSocketChannel.open()) {
      channel.bind(address, 1);
    } catch (IOException e) {
      throw cannotListen(id, address, forWhom, e);
    }
  }

  /** The error for a failed bind of {@code address}: who, where, for whom and why. */
  static IOException cannotListen(int id, InetSocketAddress address, String forWhom, Throwable cause) {
    return new IOException("member " + id + " cannot listen on " + Member.hostPort(address) + " for " + forWhom
        + ": " + osReason(cause), cause);
  }

  /**
   * Checks, without creating or writing anything, that {@code dataDir} is a writable directory or
   * that its nearest existing ancestor is one (so the start can create it).
   *
   * @throws IOException naming the path and the operating system's reason
   */
  static void dataDirUsable(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new IOException("cannot create data directory " + dataDir + ": " + dataDir
            + " exists and is not a directory");
      }
      writable(dir, "data directory " + dataDir + " is not writable");
      return;
    }
    Path ancestor = dir.getParent();
    while (ancestor != null && !Files.exists(ancestor)) {
      ancestor = ancestor.getParent();
    }
    if (ancestor == null) {
      throw new IOException("cannot create data directory " + dataDir + ": no part of its path exists");
    }
    if (!Files.isDirectory(ancestor)) {
      throw new IOException("cannot create data directory " + dataDir + ": " + ancestor + " is not a directory");
    }
    writable(ancestor, "cannot create data directory " + dataDir + ": " + ancestor + " is not writable");
  }

  private static void writable(Path dir, String failure) throws IOException {
    try {
      // access(2) with W_OK and X_OK: the kernel's answer, read-only mounts included, with its reason.
      dir.getFileSystem().provider().checkAccess(dir, AccessMode.WRITE, AccessMode.EXECUTE);
    } catch (IOException e) {
      throw new IOException(failure + ": " + osReason(e), e);
    }
  }

  /**
   * The operating system's reason, without the exception's class name or the path (which the
   * caller's message already names), starting lower case: "address already in use", "permission
   * denied", "read-only file system".
   */
  static String osReason(Throwable e) {
    String reason;
    if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
      reason = fse.getReason();
    } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
      reason = e.getMessage();
    } else {
      reason = e.getClass().getSimpleName();
    }
    // Netty's native transport says "bind(..) failed: Address already in use".
    int failed = reason.indexOf(" failed: ");
    if (failed >= 0 && reason.startsWith("bind(")) {
      reason = reason.substring(failed + " failed: ".length());
    }
    return reason.isEmpty() ? reason : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
  }
}
