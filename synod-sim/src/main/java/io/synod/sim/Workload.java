package io.synod.sim;

import io.synod.common.Marks;
import io.synod.kv.CompactionResponse;
import io.synod.kv.DeleteRangeResponse;
import io.synod.kv.KeyValue;
import io.synod.kv.KvException;
import io.synod.kv.KvRequest;
import io.synod.kv.KvResponse;
import io.synod.kv.KvResult;
import io.synod.kv.PutResponse;
import io.synod.kv.RangeResponse;
import io.synod.kv.TxnResponse;
import io.synod.lincheck.CheckResult;
import io.synod.lincheck.History;
import io.synod.lincheck.KvInput;
import io.synod.lincheck.KvModel;
import io.synod.lincheck.KvOutput;
import io.synod.lincheck.LinearizabilityChecker;
import io.synod.lincheck.Verdict;
import io.synod.node.core.NodeReady;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated clients and what they saw. Each client has one etcd KV operation outstanding at a
 * time and sends it to any replica, follower or leader; it gives up after {@link #CLIENT_TIMEOUT_NANOS}
 * (recording the outcome as unknown) and sends its next operation elsewhere, as etcd clients do. A
 * refused request (BUSY) certainly did not happen and is left out of the history; a TIMEOUT reply is
 * an unknown outcome.
 *
 * <p>Checks: every reply has the shape its request asks for and names the right key; reads at an
 * earlier revision return that revision's value or the compacted error (after a compaction past it
 * only); every acknowledged operation took effect in the log; and the history of gets, puts, deletes
 * and compare-and-sets is linearizable.
 */
final class Workload {
  private static final long MS = SimOptions.MS;
  /**
   * Above the node's request timeout plus a tick: a client that times out while the replica it asked
   * still runs the same life has caught the replica failing to answer.
   */
  static final long CLIENT_TIMEOUT_NANOS = 1_500 * MS;
  /** The share of operations after which a client moves on to another replica. */
  private static final double SWITCH_SHARE = 0.25;

  private static final class Client {
    final int id;
    int target;
    long opSeq;
    ClientOp active;
    /** The highest store revision this client saw in a reply. */
    long seenRevision;
    /** In the liveness phase: replicas this client must still get an answer from, in order. */
    final ArrayDeque<Integer> probes = new ArrayDeque<>();

    Client(int id, int target) {
      this.id = id;
      this.target = target;
    }
  }

  private final SimOptions options;
  private final SplittableRandom random;
  private final Scheduler scheduler;
  private final SafetyOracle oracle;
  private final SimNode[] nodes;
  private final Client[] clients;
  private final History<KvInput, KvOutput> history = new History<>();
  private final RevisionLog revisions = new RevisionLog();
  /** Every request sent, by the identity its command is logged under (looked up, never iterated). */
  private final HashMap<SimCommandId, ClientOp> sent = new HashMap<>();
  private final List<ClientOp> acknowledged = new ArrayList<>();
  private boolean probing;
  private int opsOk;
  private int opsUnknown;
  private int opsRefused;
  /** The lease operations and their checks. */
  private final LeaseChecks leases;

  /** @param clockDrift the bound on the replicas' clock drift rate in this run (0: exact clocks) */
  Workload(SimOptions options, SplittableRandom random, Scheduler scheduler, SafetyOracle oracle, SimNode[] nodes,
      double clockDrift) {
    this.options = options;
    this.leases = new LeaseChecks(scheduler, options.clients(), clockDrift);
    this.random = random;
    this.scheduler = scheduler;
    this.oracle = oracle;
    this.nodes = nodes;
    this.clients = new Client[options.clients()];
    for (int c = 0; c < clients.length; c++) {
      clients[c] = new Client(c + 1, 1 + random.nextInt(nodes.length));
      scheduler.after(random.nextLong(50 * MS), new SimEvent.ClientWake(c + 1));
    }
  }

  // ---------------------------------------------------------------- sending

  /**
   * Client {@code clientId} is free to act: returns its next operation, aimed at an up replica, for
   * the simulation to hand over; null if it has nothing to send now.
   */
  ClientOp wake(int clientId) {
    Client client = clients[clientId - 1];
    if (client.active != null || (probing && client.probes.isEmpty())) {
      return null;
    }
    if (probing) {
      client.target = client.probes.peekFirst();
    } else if (random.nextDouble() < SWITCH_SHARE) {
      client.target = 1 + random.nextInt(nodes.length);
    }
    if (!nodes[client.target - 1].up) {
      // Connection refused: nothing was sent; try elsewhere (or, probing, the same replica again).
      if (!probing) {
        client.target = 1 + random.nextInt(nodes.length);
      }
      scheduler.after(5 * MS, new SimEvent.ClientWake(clientId));
      return null;
    }
    client.opSeq++;
    ClientOp op = nextOp(client);
    op.node = client.target;
    op.callNanos = scheduler.now();
    client.active = op;
    scheduler.after(CLIENT_TIMEOUT_NANOS, new SimEvent.ClientTimeout(clientId, client.opSeq));
    return op;
  }

  /** {@code op} was handed to its replica: its command may now be applied anywhere. */
  void submitted(ClientOp op) {
    sent.put(op.commandId, op);
  }

  /** The replica carried out the request's first effects; unless it refused it, the call is recorded. */
  void afterSubmit(ClientOp op) {
    if (clients[op.client - 1].active == op) {
      op.taken = true;
      recordCall(op);
    }
  }

  private void recordCall(ClientOp op) {
    if (op.modelled() && op.historyId < 0) {
      op.historyId = history.invoke(op.client, op.input(), op.callNanos);
    }
  }

  /**
   * The value client {@code client} writes in its operation {@code seq}: unique, so the history can
   * tell writes apart, and one time in four a few kilobytes long, so that a burst of writes reaches
   * a replica's log in several file writes before one sync, which a crash can then lose or tear
   * apart. It depends on the client and the sequence number alone, so a compare-and-set can name
   * another client's value.
   */
  static String valueOf(int client, long seq) {
    String value = "v" + client + "." + seq;
    if ((seq * 31 + client) % 4 != 0) {
      return value;
    }
    return value + "." + "x".repeat(1_500 + (int) ((seq * 7_919 + client * 104_729L) % 5_500));
  }

  private ClientOp nextOp(Client client) {
    if (random.nextDouble() < LeaseChecks.SHARE) {
      return leases.nextOp(client.id, client.opSeq, random);
    }
    String key = "k" + random.nextInt(options.keys());
    String value = valueOf(client.id, client.opSeq);
    double dice = random.nextDouble();
    if (dice < 0.04 && client.seenRevision > 1) {
      long revision = Math.max(1, client.seenRevision - random.nextLong(16));
      return new ClientOp(client.id, ClientOp.Kind.READ_AT, key, null, null, false, revision);
    } else if (dice < 0.07 && client.seenRevision > 1) {
      long revision = Math.max(1, client.seenRevision - random.nextLong(8));
      return new ClientOp(client.id, ClientOp.Kind.COMPACT, key, null, null, false, revision);
    } else if (dice < 0.4) {
      return new ClientOp(client.id, ClientOp.Kind.GET, key, null, null, false, 0);
    } else if (dice < 0.7) {
      return new ClientOp(client.id, ClientOp.Kind.PUT, key, value, null, false, 0);
    } else if (dice < 0.8) {
      return new ClientOp(client.id, ClientOp.Kind.DELETE, key, null, null, false, 0);
    }
    Client someone = clients[random.nextInt(clients.length)];
    String expected = random.nextInt(4) == 0 || someone.opSeq <= 1
        ? null : valueOf(someone.id, 1 + random.nextLong(someone.opSeq));
    return new ClientOp(client.id, ClientOp.Kind.CAS, key, value, expected, random.nextBoolean(), 0);
  }

  // ---------------------------------------------------------------- outcomes

  /** The replica answered {@code op}'s request. */
  void reply(ClientOp op, NodeReady.Reply<KvResult> reply) {
    Client client = clients[op.client - 1];
    boolean waiting = client.active == op;
    if (reply.isOk()) {
      // A read answered under a read lease took effect in no slot: only the history judges it.
      op.answeredLocally = reply.leased();
      if (op.isLease() && !leases.answered(op, reply.result(), waiting)) {
        throw wrongReply(op, reply.result());
      }
      // Checked even when the client stopped waiting: a wrong answer is wrong whoever reads it.
      KvOutput output = output(op, reply.result());
      if (waiting) {
        recordCall(op);
        if (op.historyId >= 0) {
          history.ok(op.historyId, output, scheduler.now());
        }
        acknowledged.add(op);
        opsOk++;
        if (reply.result().isOk()) {
          client.seenRevision = Math.max(client.seenRevision, reply.result().response().header().revision());
        }
        if (probing && !client.probes.isEmpty() && client.probes.peekFirst() == op.node) {
          client.probes.removeFirst();
        }
        idle(client, false);
      }
    } else if (reply.failure() == NodeReady.Failure.BUSY) {
      if (op.taken) {
        throw new SimViolation("replica " + op.node + " refused " + op + " as busy after taking it");
      }
      if (waiting) {
        opsRefused++;
        idle(client, true);
      }
    } else if (waiting) {
      giveUp(client);
    }
  }

  /** Client {@code clientId}'s operation {@code opSeq} ran out of time. */
  void timeout(int clientId, long opSeq) {
    Client client = clients[clientId - 1];
    ClientOp op = client.active;
    if (op == null || client.opSeq != opSeq) {
      return;
    }
    SimNode node = nodes[op.node - 1];
    // A replica paused since the call, or whose host stalled delivering a local read, could not answer
    // in time; one that ran all along must have.
    if (node.up && node.life == op.nodeLife && node.outstanding.containsKey(op.requestId)
        && node.lastPauseEnd <= op.callNanos && !op.hostStalled) {
      throw new SimViolation("replica " + op.node + " gave no answer to " + op + " (request " + op.requestId
          + ") within " + CLIENT_TIMEOUT_NANOS / MS + " ms, though it kept running: every request must end with one reply");
    }
    giveUp(client);
  }

  /** The outcome is unknown: the operation may take effect later, or never. */
  private void giveUp(Client client) {
    ClientOp op = client.active;
    recordCall(op);
    if (op.historyId >= 0) {
      history.unknown(op.historyId);
    }
    opsUnknown++;
    idle(client, true);
  }

  private void idle(Client client, boolean failed) {
    client.active = null;
    if (failed && !probing) {
      client.target = 1 + random.nextInt(nodes.length);
    }
    scheduler.after(random.nextLong(20 * MS), new SimEvent.ClientWake(client.id));
  }

  /**
   * The reply's meaning for the history, after checking its shape: the right response type, the
   * right key, and for reads at an earlier revision the right value or a justified compacted error.
   */
  private KvOutput output(ClientOp op, KvResult result) {
    if (op.isLease()) {
      return null; // checked by the lease checks
    }
    KvResponse response = result.response();
    switch (op.kind) {
      case GET -> {
        if (response instanceof RangeResponse range) {
          return KvOutput.value(valueOf(op, range));
        }
      }
      case PUT -> {
        if (response instanceof PutResponse) {
          return KvOutput.ok();
        }
      }
      case DELETE -> {
        if (response instanceof DeleteRangeResponse delete && delete.deleted() <= 1) {
          return KvOutput.flag(delete.deleted() == 1);
        }
      }
      case CAS -> {
        if (response instanceof TxnResponse txn && txn.responses().size() == (txn.succeeded() ? 1 : 0)) {
          return KvOutput.flag(txn.succeeded());
        }
      }
      case READ_AT -> {
        checkReadAt(op, result);
        return null;
      }
      case COMPACT -> {
        checkCompaction(op, result);
        return null;
      }
    }
    throw wrongReply(op, result);
  }

  private String valueOf(ClientOp op, RangeResponse range) {
    if (range.kvs().isEmpty()) {
      return null;
    }
    KeyValue kv = range.kvs().get(0);
    if (range.kvs().size() > 1 || !op.key.equals(new String(kv.key(), StandardCharsets.UTF_8))) {
      throw new SimViolation("reply to " + op + " holds other keys: " + range.kvs());
    }
    return new String(kv.value(), StandardCharsets.UTF_8);
  }

  private void checkReadAt(ClientOp op, KvResult result) {
    if (result.response() instanceof RangeResponse range) {
      String value = valueOf(op, range);
      String expected = revisions.valueAt(op.key, op.revision);
      if (value == null ? expected != null : !value.equals(expected)) {
        throw new SimViolation(op + " returned " + value + " but the key held " + expected + " at that revision");
      }
      Marks.hit("sim.read-at-revision-answered");
    } else if (result.errorCode() == KvException.Code.COMPACTED) {
      if (revisions.compactedTo() <= op.revision) {
        throw new SimViolation(op + " was refused as compacted, but history was compacted only to revision "
            + revisions.compactedTo());
      }
      Marks.hit("sim.read-at-revision-compacted");
    } else {
      throw wrongReply(op, result);
    }
  }

  private void checkCompaction(ClientOp op, KvResult result) {
    boolean refusedJustly = result.errorCode() == KvException.Code.COMPACTED && revisions.compactedTo() >= op.revision;
    if (!(result.response() instanceof CompactionResponse) && !refusedJustly) {
      throw wrongReply(op, result);
    }
    Marks.hit(refusedJustly ? "sim.compaction-refused" : "sim.compaction-done");
  }

  private static SimViolation wrongReply(ClientOp op, KvResult result) {
    String got = result.isOk() ? String.valueOf(result.response()) : result.errorCode() + " (" + result.errorMessage() + ")";
    return new SimViolation("reply to " + op + " does not answer it: " + got);
  }

  /**
   * A state machine applied the command {@code id} with {@code result} (null: a read nobody waited
   * for): the writes among them make the history of revisions.
   */
  /** The history of revisions the state machines made, as far as any replica has applied. */
  RevisionLog revisions() {
    return revisions;
  }

  void applied(int replicaId, SimCommandId id, KvRequest internal, KvResult result) {
    if (id.origin() < 0) {
      leases.internalApplied(replicaId, internal, result);
      changedOutsideModel(result);
      return;
    }
    ClientOp op = sent.get(id);
    if (op == null) {
      throw new SimViolation("a state machine applied " + id + ", which no client sent");
    }
    if (op.isLease()) {
      leases.applied(op);
      changedOutsideModel(result);
      return;
    }
    if (result == null || !result.isOk()) {
      return;
    }
    KvResponse response = result.response();
    long revision = response.header().revision();
    if (op.kind == ClientOp.Kind.PUT) {
      revisions.wrote(op.key, revision, op.value);
    } else if (op.kind == ClientOp.Kind.DELETE && response instanceof DeleteRangeResponse d && d.deleted() > 0) {
      revisions.wrote(op.key, revision, null);
    } else if (op.kind == ClientOp.Kind.CAS && response instanceof TxnResponse t && t.succeeded()) {
      revisions.wrote(op.key, revision, op.value);
    } else if (op.kind == ClientOp.Kind.COMPACT) {
      revisions.compacted(op.revision);
    }
  }

  /**
   * A lease command (a leased put, a revoke or an expiry deleting leased keys) may have made a
   * revision, changing only keys outside the model's ("lease/..."): the revision log learns that the
   * revision exists, so that watchers, which watch the model's keys, expect nothing from it.
   */
  private void changedOutsideModel(KvResult result) {
    if (result != null && result.isOk()) {
      revisions.changedOutsideModel(result.response().header().revision());
    }
  }

  // ---------------------------------------------------------------- liveness

  /**
   * From now on each client asks particular replicas, one after the other, until each has answered
   * one request with its result: together the clients ask every replica, so each must serve
   * requests (a follower by forwarding them) once faults are over.
   */
  void startProbing() {
    probing = true;
    for (int r = 1; r <= nodes.length; r++) {
      clients[(r - 1) % clients.length].probes.addLast(r);
    }
    for (Client client : clients) {
      scheduler.after(random.nextLong(20 * MS), new SimEvent.ClientWake(client.id));
    }
  }

  /** Whether every replica has answered its probe and no client waits for anything. */
  boolean probesDoneAndIdle() {
    for (Client client : clients) {
      if (client.active != null || !client.probes.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** The replicas that have not answered a probe yet, for a liveness failure's message. */
  String unansweredProbes() {
    List<Integer> left = new ArrayList<>();
    for (Client client : clients) {
      left.addAll(client.probes);
    }
    return left.toString();
  }

  // ---------------------------------------------------------------- final checks

  /** The highest slot an acknowledged operation took effect in. */
  long maxAcknowledgedSlot() {
    long max = 0;
    for (ClientOp op : acknowledged) {
      Long slot = oracle.slotOf(op.commandId);
      max = Math.max(max, slot == null ? 0 : slot);
    }
    return max;
  }

  /**
   * With every replica at {@code appliedSlot}: each acknowledged operation took effect in a slot
   * they all applied, and the history is linearizable.
   */
  void finalChecks(long appliedSlot) {
    for (ClientOp op : acknowledged) {
      if (op.answeredLocally) {
        continue;
      }
      Long slot = oracle.slotOf(op.commandId);
      if (slot == null) {
        throw new SimViolation(op + " was acknowledged but never took effect");
      }
      if (slot > appliedSlot) {
        throw new SimViolation(op + " was acknowledged in slot " + slot + " but the replicas applied only "
            + appliedSlot + ": an acknowledged operation was lost");
      }
    }
    CheckResult result = LinearizabilityChecker.check(history, new KvModel());
    if (result.verdict() != Verdict.LINEARIZABLE) {
      throw new SimViolation("client history " + result.verdict() + ": " + result.explanation());
    }
  }

  String stats() {
    return String.format(java.util.Locale.ROOT, "ops(ok=%d unknown=%d refused=%d) %s", opsOk, opsUnknown, opsRefused,
        leases.stats());
  }
}
