package io.synod.sim;

import java.util.function.Consumer;

/**
 * The liveness phase and the checks at the end of a run. When the fault phase ends, faults stop,
 * the network heals, every crashed replica restarts, and the clients ask every replica in turn; the
 * run is complete once each replica has answered a request with its result, no client waits, and
 * every replica has applied the same slots, at or past every acknowledged operation. That must
 * happen within {@link SimOptions#livenessNanos()}.
 */
final class Liveness {
  private static final long MS = SimOptions.MS;
  private static final long CHECK_EVERY_NANOS = 50 * MS;

  private final SimOptions options;
  private final Scheduler scheduler;
  private final SimNetwork network;
  private final Faults faults;
  private final Workload workload;
  private final SimNode[] nodes;
  private final SafetyOracle oracle;
  private final Consumer<SimNode> restart;
  private final Consumer<String> say;
  private long startNanos = -1;

  Liveness(SimOptions options, Scheduler scheduler, SimNetwork network, Faults faults, Workload workload,
      SimNode[] nodes, SafetyOracle oracle, Consumer<SimNode> restart, Consumer<String> say) {
    this.options = options;
    this.scheduler = scheduler;
    this.network = network;
    this.faults = faults;
    this.workload = workload;
    this.nodes = nodes;
    this.oracle = oracle;
    this.restart = restart;
    this.say = say;
    scheduler.after(options.faultNanos(), new SimEvent.LivenessStart());
  }

  void start() {
    say.accept("faults off: liveness phase (every replica up, network healed, no loss)");
    faults.stop();
    network.faultsOff();
    startNanos = scheduler.now();
    for (SimNode node : nodes) {
      if (!node.up) {
        restart.accept(node);
      }
    }
    workload.startProbing();
    scheduler.after(CHECK_EVERY_NANOS, new SimEvent.LivenessCheck());
  }

  /** Returns true when the run is complete; throws if the phase ran out of time. */
  boolean check() {
    if (scheduler.now() - startNanos > options.livenessNanos()) {
      StringBuilder state = new StringBuilder();
      for (SimNode node : nodes) {
        state.append(" r").append(node.id).append('=').append(node.replica().role())
            .append("/chosen ").append(node.replica().chosenUpTo())
            .append("/applied ").append(node.appliedSlot());
      }
      throw new SimViolation("no progress within " + options.livenessNanos() / MS
          + " ms of the liveness phase (replicas yet to answer a request: " + workload.unansweredProbes()
          + ", max acknowledged slot " + workload.maxAcknowledgedSlot() + "):" + state);
    }
    if (workload.probesDoneAndIdle() && converged()) {
      return true;
    }
    scheduler.after(CHECK_EVERY_NANOS, new SimEvent.LivenessCheck());
    return false;
  }

  private boolean converged() {
    long applied = nodes[0].appliedSlot();
    for (SimNode node : nodes) {
      if (!node.up || node.appliedSlot() != applied) {
        return false;
      }
    }
    return applied >= workload.maxAcknowledgedSlot();
  }

  /** The end of a complete run: the replicas agree, nothing acknowledged is lost, the history is linearizable. */
  void finalChecks() {
    long applied = nodes[0].appliedSlot();
    for (SimNode node : nodes) {
      if (node.appliedSlot() != applied) {
        throw new SimViolation("replicas differ after convergence");
      }
      oracle.checkHash(node.id, applied, node.machine.stateHash());
    }
    workload.finalChecks(applied);
  }
}
