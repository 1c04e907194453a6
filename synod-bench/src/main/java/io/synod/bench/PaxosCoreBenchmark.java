package io.synod.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Commands chosen per second by a 3-replica in-memory cluster of the Paxos core (no I/O): each
 * invocation proposes {@link #COMMANDS} 64-byte commands at the leader and runs the cluster until
 * every replica has learned them. Throughput is reported per command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PaxosCoreBenchmark {
  static final int COMMANDS = 8_192;

  @Param({"16", "256", "1024"})
  int commandsPerSlot;

  private InMemoryCluster cluster;
  private byte[][] commands;

  @Setup(Level.Trial)
  public void setUp() {
    cluster = new InMemoryCluster(3, commandsPerSlot, 64);
    commands = new byte[COMMANDS][];
    for (int i = 0; i < COMMANDS; i++) {
      commands[i] = new byte[64];
      commands[i][0] = (byte) i;
    }
  }

  @Benchmark
  @OperationsPerInvocation(COMMANDS)
  public long chooseCommands() {
    long before = cluster.chosenCommands();
    for (byte[] command : commands) {
      cluster.leader().propose(command);
    }
    cluster.pump();
    long chosen = cluster.chosenCommands() - before;
    if (chosen != COMMANDS) {
      throw new IllegalStateException("chose " + chosen + " of " + COMMANDS);
    }
    return chosen;
  }
}
