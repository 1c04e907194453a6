package io.synod.server;

import io.synod.common.Ensure;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
   * Parses {@code 1=127.0.0.1:2380/127.0.0.1:2379,2=...}: id, peer address, client address. Host
   * names are resolved here, and every peer and client address must be distinct (two members on one
   * address would each take the other's messages or clients); port 0 asks the OS for a free port and
   * so never collides.
   *
   * @throws IllegalArgumentException naming the malformed part, the host that does not resolve, or
   *     the members that share an address
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
      Ensure.argument(id >= 1 && id <= 63, "member id " + id + " in '" + trimmed + "' is not in 1..63");
      members.add(new Member(id, address(trimmed.substring(eq + 1, slash), "member " + id + "'s peer address"),
          address(trimmed.substring(slash + 1), "member " + id + "'s client address")));
    }
    members.sort((a, b) -> Integer.compare(a.id(), b.id()));
    for (int i = 1; i < members.size(); i++) {
      Ensure.argument(members.get(i - 1).id() != members.get(i).id(), "member id " + members.get(i).id() + " twice");
    }
    checkDistinct(members);
    return List.copyOf(members);
  }

  /** Refuses two uses of one address (port 0 excepted), naming both. */
  private static void checkDistinct(List<Member> members) {
    Map<InetSocketAddress, String> used = new HashMap<>();
    for (Member m : members) {
      for (boolean peer : new boolean[] {true, false}) {
        InetSocketAddress address = peer ? m.peer() : m.client();
        String what = "member " + m.id() + "'s " + (peer ? "peer" : "client") + " address";
        if (address.getPort() == 0) {
          continue;
        }
        String earlier = used.putIfAbsent(address, what);
        Ensure.argument(earlier == null, earlier + " and " + what + " are both " + hostPort(address)
            + ": every member needs its own peer and client addresses");
      }
    }
  }

  /** {@code host:port} as written in the member list (the name, not the resolved address). */
  static String hostPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  /**
   * Parses and resolves {@code host:port}; {@code what} names it in errors ("member 2's peer address").
   */
  static InetSocketAddress address(String hostPort, String what) {
    int colon = hostPort.lastIndexOf(':');
    Ensure.argument(colon > 0, what + " '" + hostPort + "' is not host:port");
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in " + what + " '" + hostPort + "' is not a number", e);
    }
    Ensure.argument(port >= 0 && port <= 65535, "port in " + what + " '" + hostPort + "' is not in 0..65535");
    String host = hostPort.substring(0, colon);
    InetSocketAddress address = new InetSocketAddress(host, port);
    Ensure.argument(!address.isUnresolved(), "cannot resolve host '" + host + "' in " + what + " " + hostPort
        + ": no such host is known");
    return address;
  }
}
