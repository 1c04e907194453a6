package io.synod.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used so far by the server processes under test (user + system, all threads), read from
 * Linux's {@code /proc/PID/stat}, so a point can report the servers' CPU per operation beside the
 * client's. The clock tick is {@code getconf CLK_TCK} (100 on Linux/x86-64), so readings move in 10 ms
 * steps: fine over a window of seconds.
 */
final class ServerCpu {
  private final List<Long> pids;
  private final long nanosPerTick;

  ServerCpu(List<Long> pids, long clockTicksPerSecond) {
    this.pids = List.copyOf(pids);
    this.nanosPerTick = 1_000_000_000L / clockTicksPerSecond;
  }

  boolean enabled() {
    return !pids.isEmpty();
  }

  /** Total CPU nanoseconds of all the processes, or -1 if there are none or one cannot be read. */
  long nanos() {
    if (pids.isEmpty()) {
      return -1;
    }
    long ticks = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        // Fields after the command name (which may hold spaces) start at field 3, the state.
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        ticks += Long.parseLong(rest[11]) + Long.parseLong(rest[12]); // utime (14), stime (15)
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return ticks * nanosPerTick;
  }
}
