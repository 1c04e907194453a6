package io.synod.sim;

import io.synod.node.core.NodeMessage;

/**
 * Everything that can happen in a simulation, as data. The {@link Scheduler} orders events by
 * simulated time and then by when they were scheduled; {@link #kind()} folds each one into the run's
 * trace digest, so two runs that handle different events, or the same events at different times,
 * get different digests.
 *
 * <p>Events aimed at one life of a replica carry its incarnation: a crash makes them stale, and they
 * are then ignored, as a real crash loses the timers and the storage work of the process.
 */
sealed interface SimEvent {
  /** A small number identifying the event's type and target, for the trace digest. */
  int kind();

  /** A message arrives at {@link NodeMessage#to()}. */
  record Deliver(NodeMessage message) implements SimEvent {
    @Override
    public int kind() {
      return 1 + message.from() * 16 + message.to() * 256;
    }
  }

  /** A replica's clock advances by one tick. */
  record Tick(int node, int incarnation) implements SimEvent {
    @Override
    public int kind() {
      return 2 + node * 16;
    }
  }

  /** A replica's storage takes every job handed over so far and writes it. */
  record StorageWrite(int node, int incarnation) implements SimEvent {
    @Override
    public int kind() {
      return 3 + node * 16;
    }
  }

  /** A replica's storage syncs what it wrote and reports it to the replica. */
  record StorageSync(int node, int incarnation) implements SimEvent {
    @Override
    public int kind() {
      return 4 + node * 16;
    }
  }

  /** A replica's snapshot thread writes the oldest snapshot waiting and reports it to the replica. */
  record SnapshotWrite(int node, int incarnation) implements SimEvent {
    @Override
    public int kind() {
      return 13 + node * 16;
    }
  }

  /** An idle client starts its next operation. */
  record ClientWake(int client) implements SimEvent {
    @Override
    public int kind() {
      return 5 + client * 16;
    }
  }

  /** A client stops waiting for operation {@code op}. */
  record ClientTimeout(int client, long op) implements SimEvent {
    @Override
    public int kind() {
      return 6 + client * 16;
    }
  }

  /** The fault schedule picks its next fault (a crash or a change of partition). */
  record FaultTick() implements SimEvent {
    @Override
    public int kind() {
      return 7;
    }
  }

  /** A crashed replica starts again from its disk. */
  record Restart(int node) implements SimEvent {
    @Override
    public int kind() {
      return 8 + node * 16;
    }
  }

  /** The fault phase ends. */
  record LivenessStart() implements SimEvent {
    @Override
    public int kind() {
      return 9;
    }
  }

  /** The liveness phase looks whether the run is complete, or over its time bound. */
  record LivenessCheck() implements SimEvent {
    @Override
    public int kind() {
      return 10;
    }
  }

  /**
   * The host of a replica gets round to delivering a read answered under a read lease, some time
   * after the core produced it: it checks its own clock against the lease's end only now.
   */
  record LeasedReply(int node, int incarnation, io.synod.node.core.NodeReady.Reply<io.synod.kv.KvResult> reply)
      implements SimEvent {
    @Override
    public int kind() {
      return 11 + node * 16;
    }
  }

  /** A client's request reaches its replica, which was paused when the client sent it. */
  record Submit(ClientOp op) implements SimEvent {
    @Override
    public int kind() {
      return 12 + op.node * 16;
    }
  }

  /** The watch clients take what the replicas' watch hubs have for them ({@link SimWatchers}). */
  record WatchTick() implements SimEvent {
    @Override
    public int kind() {
      return 13;
    }
  }
}
