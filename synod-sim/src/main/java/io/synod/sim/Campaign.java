package io.synod.sim;

import io.synod.common.Marks;
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
 *   --read-leases     every fault kind with read leases on: local reads on every replica, drifting
 *                     clocks, pauses
 *   --fault-ms M      length of the fault phase
 *   --crash-share C   share of fault events that crash a replica (default 0.3)
 *   --transfers T     share of fault events that ask the leader to hand leadership to a random
 *                     replica (default 0: off)
 *   --plant NAME      a planted bug (repeatable), by name: in the Paxos core (io.synod.paxos.Fault),
 *                     the node (NodeFault), the replica storage (StorageFault) or the simulator's
 *                     host (HostFault); see docs/TESTING.md
 *   --demo            one run, narrated
 *   --marks           print how often each coverage mark was hit
 * </pre>
 */
public final class Campaign {
  private Campaign() {}

  /** One line on how to call it; printed after every argument error. */
  static final String USAGE = "usage: bin/synod sim [--seed S | --seeds N [--first F]] [--replicas R] "
      + "[--healthy | --rebuilds | --read-leases] [--fault-ms M] [--crash-share C] [--transfers T] [--plant NAME]... [--demo] "
      + "[--marks]";

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs what {@code args} ask for and returns the process exit code (0: no violation). */
  public static int run(String[] args, PrintStream out) {
    return run(args, out, out);
  }

  /**
   * Runs what {@code args} ask for and returns the process exit code: 0 no violation, 1 a violation,
   * 2 a bad argument (one line naming it, then the usage line, on {@code err}).
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Long seed = null;
    long seeds = 1;
    long first = 1;
    Integer replicas = null;
    SimOptions.Mode mode = SimOptions.Mode.ALL_FAULTS;
    boolean demo = false;
    boolean marks = false;
    Long faultMs = null;
    Double crashShare = null;
    Double transferShare = null;
    Planted planted = Planted.NONE;
    try {
      Args in = new Args(args);
      while (in.hasNext()) {
        String arg = in.next();
        switch (arg) {
          case "--seed" -> seed = in.wholeNumber(arg, Long.MIN_VALUE);
          case "--seeds" -> seeds = in.wholeNumber(arg, 1);
          case "--first" -> first = in.wholeNumber(arg, Long.MIN_VALUE);
          case "--replicas" -> replicas = (int) in.wholeNumber(arg, 1, 63);
          case "--healthy" -> mode = SimOptions.Mode.HEALTHY;
          case "--rebuilds" -> mode = SimOptions.Mode.REBUILDS;
          case "--read-leases" -> mode = SimOptions.Mode.READ_LEASES;
          case "--demo" -> demo = true;
          case "--marks" -> marks = true;
          case "--fault-ms" -> faultMs = in.wholeNumber(arg, 0);
          case "--crash-share" -> crashShare = in.share(arg);
          case "--transfers" -> transferShare = in.share(arg);
          case "--plant" -> {
            String name = in.value(arg);
            if (!Planted.allNames().contains(name)) {
              throw new IllegalArgumentException("unknown planted bug: " + name + " (known: "
                  + String.join(", ", Planted.allNames()) + ")");
            }
            planted = planted.with(name);
          }
          case "-h", "--help" -> {
            out.println(USAGE);
            return 0;
          }
          default -> throw new IllegalArgumentException("unknown argument: " + arg);
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("synod sim: " + e.getMessage());
      err.println(USAGE);
      return 2;
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
    if (marks) {
      Marks.snapshot().forEach((name, count) -> out.println("  " + name + " " + count));
    }
    return failures.isEmpty() ? 0 : 1;
  }

  /** The arguments, read left to right; each error names the option and the value it got. */
  private static final class Args {
    private final String[] args;
    private int next;

    Args(String[] args) {
      this.args = args;
    }

    boolean hasNext() {
      return next < args.length;
    }

    String next() {
      return args[next++];
    }

    String value(String option) {
      if (!hasNext()) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return next();
    }

    long wholeNumber(String option, long min) {
      return wholeNumber(option, min, Long.MAX_VALUE);
    }

    long wholeNumber(String option, long min, long max) {
      String text = value(option);
      long n;
      try {
        n = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a whole number, not '" + text + "'", e);
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException(option + " must be " + (max == Long.MAX_VALUE ? "at least " + min
            : "in " + min + ".." + max) + ", not " + n);
      }
      return n;
    }

    double share(String option) {
      String text = value(option);
      double d;
      try {
        d = Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a number between 0 and 1, not '" + text + "'", e);
      }
      if (!(d >= 0 && d <= 1)) {
        throw new IllegalArgumentException(option + " must be between 0 and 1, not " + text);
      }
      return d;
    }
  }

  private static String progress(long done, long startedNanos, int failures) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    return String.format(Locale.ROOT, "%d seeds in %.1f s (%.1f seeds/s), %d failing", done, seconds,
        done / seconds, failures);
  }
}
