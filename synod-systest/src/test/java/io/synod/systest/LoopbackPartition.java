package io.synod.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Network partitions between the members of a {@link Cluster} started with own addresses (member N
 * on 127.0.0.N, its outgoing peer connections bound to it), made with iptables on the loopback
 * interface. Every rule lives in one chain of this object's own, named after the test JVM's PID,
 * which a single jump from the OUTPUT chain enters; {@link #close} removes the jump and the chain,
 * and nothing else is ever touched. Only peer traffic is cut: rules match the members' addresses
 * and peer ports, so test clients keep reaching every member's client port.
 *
 * <p>Needs root (CAP_NET_ADMIN) and the {@code iptables} command ({@code .ci/run} installs it).
 */
final class LoopbackPartition implements AutoCloseable {
  private static final AtomicInteger CHAINS = new AtomicInteger();
  private static final long COMMAND_SECONDS_MAX = 20;

  private final Cluster cluster;
  private final String chain;
  private final Thread cleaner = new Thread(this::removeQuietly, "systest-partition-cleaner");
  private final List<String> cuts = new ArrayList<>();
  private boolean open;

  /** Creates the chain and the jump to it; fails with the command's output if iptables cannot. */
  LoopbackPartition(Cluster cluster) throws IOException {
    this.cluster = cluster;
    this.chain = "SYNODTEST-" + ProcessHandle.current().pid() + "-" + CHAINS.incrementAndGet();
    try {
      iptables("-N", chain);
    } catch (IOException e) {
      throw new IOException("cannot create an iptables chain for partitions; this test needs root and iptables "
          + "(apt-get install iptables): " + e.getMessage(), e);
    }
    open = true;
    Runtime.getRuntime().addShutdownHook(cleaner);
    // Loopback packets pass OUTPUT once on their way out: one jump sees every peer packet.
    iptables("-I", "OUTPUT", "1", "-j", chain);
  }

  /**
   * Cuts member {@code isolated} off from every other member in both directions: neither its
   * connections to their peer ports nor theirs to its peer port carry a packet until {@link #heal}.
   */
  synchronized void isolate(int isolated) throws IOException {
    for (int other : cluster.ids()) {
      if (other != isolated) {
        cut(isolated, other);
        cut(other, isolated);
      }
    }
    cuts.add("member " + isolated + " isolated");
  }

  /** Drops every packet from member {@code from} to member {@code to} on a connection between peer ports. */
  private void cut(int from, int to) throws IOException {
    String src = cluster.host(from);
    String dst = cluster.host(to);
    // From's connection to to's listener, and what from's listener sends back on to's connection.
    iptables("-A", chain, "-s", src, "-d", dst, "-p", "tcp", "--dport", Integer.toString(cluster.peerPort(to)),
        "-j", "DROP");
    iptables("-A", chain, "-s", src, "-d", dst, "-p", "tcp", "--sport", Integer.toString(cluster.peerPort(from)),
        "-j", "DROP");
  }

  /** Removes every cut; the members' connections carry packets again (TCP retransmits what was dropped). */
  synchronized void heal() throws IOException {
    if (open) {
      iptables("-F", chain);
    }
    cuts.clear();
  }

  /** The rules now in this object's chain, for failure messages. */
  synchronized String describe() {
    try {
      return open ? iptables("-S", chain) : "(removed)";
    } catch (IOException e) {
      return "(cannot list " + chain + ": " + e.getMessage() + ")";
    }
  }

  /** Removes the jump and the chain; safe to call more than once. */
  @Override
  public synchronized void close() throws IOException {
    if (!open) {
      return;
    }
    try {
      remove();
    } finally {
      open = false;
      try {
        Runtime.getRuntime().removeShutdownHook(cleaner);
      } catch (IllegalStateException e) {
        // The JVM is shutting down and the hook runs or ran.
      }
    }
  }

  private void remove() throws IOException {
    IOException failure = null;
    for (List<String> step : List.of(List.of("-D", "OUTPUT", "-j", chain), List.of("-F", chain), List.of("-X", chain))) {
      try {
        iptables(step.toArray(new String[0]));
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private synchronized void removeQuietly() {
    if (open) {
      try {
        remove();
      } catch (IOException e) {
        System.err.println("LoopbackPartition: cannot remove iptables chain " + chain + ": " + e.getMessage());
      }
      open = false;
    }
  }

  /** Runs {@code iptables -w ARGS} (waiting for the xtables lock), bounded in time; returns its output. */
  private static String iptables(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("iptables", "-w", "5"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(MemberProcess.nullDevice()).start();
    } catch (IOException e) {
      throw new IOException(String.join(" ", command) + ": " + e.getMessage(), e);
    }
    try {
      if (!p.waitFor(COMMAND_SECONDS_MAX, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_SECONDS_MAX + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted running " + String.join(" ", command), e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + output.strip());
    }
    return output;
  }

  @Override
  public synchronized String toString() {
    return chain + (cuts.isEmpty() ? " (healed)" : " " + cuts);
  }
}
