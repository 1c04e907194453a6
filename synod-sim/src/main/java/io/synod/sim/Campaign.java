package io.synod.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Command-line entry to the simulator: replay one seed, or run a campaign over many seeds,
 * alternating 3- and 5-replica clusters, and print seeds per second and every failure with the
 * command that replays it.
 *
 * <pre>
 *   --seed S          replay exactly one run (default replicas 3)
 *   --seeds N         run N seeds starting at --first (default 1)
 *   --first F         first seed of a campaign
 *   --replicas R      3 or 5 (a campaign alternates both unless given)
 *   --healthy         no faults
 *   --rebuilds        every fault kind, weighted towards disks lost and rebuilt (several replicas
 *                     rebuild over a run, one at a time)
 *   --fault-ms M      length of the fault phase
 *   --crash-share C   share of fault events that crash a replica (default 0.3)
 *   --transfers T     share of fault events that ask the leader to hand leadership to a random
 *                     replica (default 0: off)
 *   --plant NAME      a planted bug (repeatable), by name: in the Paxos core (io.synod.paxos.Fault),
 *                     the node (NodeFault), the replica storage (StorageFault) or the simulator's
 *                     host (HostFault); see docs/TESTING.md
 *   --demo            one run, narrated
 * </pre>
 */
public final class Campaign {
  private Campaign() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** Runs what {@code args} ask for and returns the process exit code (0: no violation). */
  public static int run(String[] args, PrintStream out) {
    Long seed = null;
    long seeds = 1;
    long first = 1;
    Integer replicas = null;
    SimOptions.Mode mode = SimOptions.Mode.ALL_FAULTS;
    boolean demo = false;
    Long faultMs = null;
    Double crashShare = null;
    Double transferShare = null;
    Planted planted = Planted.NONE;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--seeds" -> seeds = Long.parseLong(args[++i]);
        case "--first" -> first = Long.parseLong(args[++i]);
        case "--replicas" -> replicas = Integer.parseInt(args[++i]);
        case "--healthy" -> mode = SimOptions.Mode.HEALTHY;
        case "--rebuilds" -> mode = SimOptions.Mode.REBUILDS;
        case "--demo" -> demo = true;
        case "--fault-ms" -> faultMs = Long.parseLong(args[++i]);
        case "--crash-share" -> crashShare = Double.parseDouble(args[++i]);
        case "--transfers" -> transferShare = Double.parseDouble(args[++i]);
        case "--plant" -> {
          String name = args[++i];
          if (!Planted.allNames().contains(name)) {
            out.println("unknown planted bug: " + name + " (known: " + String.join(", ", Planted.allNames()) + ")");
            return 2;
          }
          planted = planted.with(name);
        }
        default -> {
          out.println("unknown argument: " + arg);
          return 2;
        }
      }
    }
    if (seed != null) {
      first = seed;
      seeds = 1;
    }
    long started = System.nanoTime();
    List<SimResult> failures = new ArrayList<>();
    for (long s = first; s < first + seeds; s++) {
      int r = replicas != null ? replicas : (s % 2 == 0 ? 5 : 3);
      SimOptions options = mode.options(s, r);
      if (faultMs != null) {
        options = options.withFaultNanos(faultMs * SimOptions.MS);
      }
      if (crashShare != null) {
        options = options.withCrashShare(crashShare);
      }
      if (transferShare != null) {
        options = options.withTransferShare(transferShare);
      }
      options = options.withPlanted(planted);
      Simulation simulation = new Simulation(options);
      if (demo) {
        out.println("Simulating " + options.replicas() + " replicas and " + options.clients()
            + " clients under seed " + s + " with message loss, duplication, reordering, partitions and crashes:");
        simulation.narrate(out::println);
      }
      SimResult result = simulation.run();
      if (demo || seeds == 1) {
        out.println(result.report());
      } else if (!result.ok()) {
        out.println(result.report());
      }
      if (!result.ok()) {
        failures.add(result);
      }
      long done = s - first + 1;
      if (seeds > 1 && done % 1000 == 0 && done < seeds) {
        out.println(progress(done, started, failures.size()));
      }
    }
    if (seeds > 1) {
      out.println(progress(seeds, started, failures.size()));
    }
    return failures.isEmpty() ? 0 : 1;
  }

  private static String progress(long done, long startedNanos, int failures) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    return String.format(Locale.ROOT, "%d seeds in %.1f s (%.1f seeds/s), %d failing", done, seconds,
        done / seconds, failures);
  }
}
