package io.synod.server;

import io.synod.common.Ensure;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of the cluster as configured: its replica id, the address peers reach it on and the
 * address clients reach it on.
 */
public record Member(int id, InetSocketAddress peer, InetSocketAddress client) {
  public Member {
    Ensure.argument(id >= 1 && id <= 63, "member ids are 1..63");
    Ensure.notNull(peer, "peer address");
    Ensure.notNull(client, "client address");
  }

  /** The etcd API's member id: a nonzero 64-bit number; Synod uses the replica id. */
  public long memberId() {
    return id;
  }

  public String name() {
    return "synod-" + id;
  }

  public String peerUrl() {
    return "http://" + peer.getHostString() + ":" + peer.getPort();
  }

  public String clientUrl() {
    return "http://" + client.getHostString() + ":" + client.getPort();
  }

  /**
   * Parses {@code 1=127.0.0.1:2380/127.0.0.1:2379,2=...}: id, peer address, client address.
   *
   * @throws IllegalArgumentException naming the malformed part
   */
  public static List<Member> parseAll(String spec) {
    Ensure.argument(spec != null && !spec.isBlank(), "no members given");
    List<Member> members = new ArrayList<>();
    for (String part : spec.split(",")) {
      String trimmed = part.trim();
      int eq = trimmed.indexOf('=');
      int slash = trimmed.indexOf('/');
      Ensure.argument(eq > 0 && slash > eq, "member '" + trimmed + "' is not id=peerHost:port/clientHost:port");
      int id;
      try {
        id = Integer.parseInt(trimmed.substring(0, eq));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("member id in '" + trimmed + "' is not a number", e);
      }
      members.add(new Member(id, address(trimmed.substring(eq + 1, slash)), address(trimmed.substring(slash + 1))));
    }
    members.sort((a, b) -> Integer.compare(a.id(), b.id()));
    for (int i = 1; i < members.size(); i++) {
      Ensure.argument(members.get(i - 1).id() != members.get(i).id(), "member id " + members.get(i).id() + " twice");
    }
    return List.copyOf(members);
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    Ensure.argument(colon > 0, "address '" + hostPort + "' is not host:port");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number", e);
    }
    Ensure.argument(port >= 0 && port <= 65535, "port in '" + hostPort + "' is out of range");
    return new InetSocketAddress(hostPort.substring(0, colon), port);
  }
}
