package io.synod.server.http;

import java.net.InetSocketAddress;

/** The {@code --listen-http} option: where a member serves metrics, health and its status page. */
public final class HttpAddress {
  /** The value that turns the HTTP port off. */
  public static final String NONE = "none";
  /** The default port is the client port plus this (2379 gives 2381, etcd's customary metrics port). */
  public static final int PORT_OFFSET = 2;

  private HttpAddress() {}

  /**
   * The address {@code spec} names: {@code HOST:PORT}, {@code none} (null: no HTTP port), or null or
   * blank for the default, the client address's host and its port plus 2 (port 0 stays 0: any free
   * port).
   *
   * @throws IllegalArgumentException naming the option and what is wrong with the value
   */
  public static InetSocketAddress parse(String spec, InetSocketAddress client) {
    if (spec == null || spec.isBlank()) {
      if (client.getPort() == 0) {
        return new InetSocketAddress(client.getHostString(), 0);
      }
      int port = client.getPort() + PORT_OFFSET;
      if (port > 65_535) {
        throw new IllegalArgumentException("--listen-http: the default, client port " + client.getPort() + " + "
            + PORT_OFFSET + ", is beyond 65535; give --listen-http HOST:PORT or none");
      }
      return new InetSocketAddress(client.getHostString(), port);
    }
    String value = spec.trim();
    if (value.equalsIgnoreCase(NONE)) {
      return null;
    }
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("--listen-http '" + value + "' is not HOST:PORT or none");
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen-http '" + value + "': the port is not a number", e);
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--listen-http '" + value + "': the port is not in 0..65535");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("--listen-http '" + value + "': cannot resolve host " + host);
    }
    return address;
  }

  /** {@code host:port} as a person types it. */
  public static String format(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
