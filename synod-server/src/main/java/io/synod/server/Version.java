package io.synod.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The project version, from {@code version.properties}, which the build fills in from the Maven
 * project version. It is a class-path resource, so it is found both in the jar and in
 * {@code target/classes}, where the launcher runs the server from.
 */
final class Version implements CommandLine.IVersionProvider {
  static final String RESOURCE = "version.properties";

  /** The version, or a sentence saying why it is unknown. */
  static String current() {
    try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown (" + RESOURCE + " is missing from the class path)";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "");
      return version.isBlank() || version.startsWith("${") ? "unknown (" + RESOURCE + " was not filled in by the build)"
          : version;
    } catch (IOException e) {
      return "unknown (cannot read " + RESOURCE + ": " + e.getMessage() + ")";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"synod " + current() + " (Java " + Runtime.version() + ")"};
  }
}
