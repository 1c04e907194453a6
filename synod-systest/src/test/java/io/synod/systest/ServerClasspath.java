package io.synod.systest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path a member process runs with, built as {@code bin/synod server} builds it: the
 * freshly compiled classes of the server's modules first, then the dependency jars Maven listed in
 * {@code synod-server/target/classpath.txt}. The project root is the parent of the test's working
 * directory, which Surefire sets to this module's directory.
 */
final class ServerClasspath {
  /** The server's modules, in the order bin/synod lists them. */
  private static final List<String> MODULES =
      List.of("synod-common", "synod-paxos", "synod-wal", "synod-kv", "synod-node", "synod-server");

  private ServerClasspath() {}

  static String resolve() {
    Path root = projectRoot();
    List<String> entries = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    for (String module : MODULES) {
      Path classes = root.resolve(module).resolve("target").resolve("classes");
      if (Files.isDirectory(classes)) {
        entries.add(classes.toString());
      } else {
        missing.add(classes);
      }
    }
    Path listed = root.resolve("synod-server").resolve("target").resolve("classpath.txt");
    if (!Files.isRegularFile(listed)) {
      missing.add(listed);
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the server is not built: missing " + missing
          + "; run `mvn -q -B install -DskipTests` in " + root + " first");
    }
    String jars;
    try {
      jars = Files.readString(listed).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + listed, e);
    }
    if (!jars.isEmpty()) {
      entries.add(jars);
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  static Path projectRoot() {
    Path cwd = Path.of("").toAbsolutePath();
    Path root = cwd.getParent();
    if (root == null || !Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("synod-server"))) {
      throw new IllegalStateException("cannot find the Synod project root: expected the working directory " + cwd
          + " to be the synod-systest module inside it (run the tests through Maven)");
    }
    return root;
  }
}
