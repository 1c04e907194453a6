package io.synod.server;

import io.synod.common.Ensure;
import io.synod.kv.CompactionRequest;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.KvResult;
import io.synod.node.Node;
import io.synod.paxos.Replica;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's revision-mode auto compaction: keeps the newest {@code retention} revisions and compacts
 * the rest, through the log like a client's Compact, so every member compacts at the same point.
 * Only the leader proposes; it waits until a tenth of the retention has passed since the last
 * compaction, so compactions stay infrequent, and never has two in flight.
 */
final class AutoCompactor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);

  private final Node<KvResult> node;
  private final StoreMachine machine;
  private final long retention;
  private final ScheduledExecutorService timer;
  private CompletableFuture<KvResult> inFlight;

  AutoCompactor(Node<KvResult> node, StoreMachine machine, long retention, long periodMillis) {
    Ensure.argument(retention > 0, "retention must be positive");
    this.node = node;
    this.machine = machine;
    this.retention = retention;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "synod-compactor-" + node.id());
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::tick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Proposes a compaction if this member leads and enough history is beyond the retention. Returns
   * the future of the proposal made now or of the one still in flight, or null if there is nothing
   * to do.
   */
  synchronized CompletableFuture<KvResult> check() {
    if (node.status().role() != Replica.Role.LEADER) {
      return null;
    }
    if (inFlight != null && !inFlight.isDone()) {
      return inFlight;
    }
    long target = machine.revision() - retention;
    long step = Math.max(1, retention / 10);
    if (target <= 1 || target < Math.max(machine.compactRevision(), 1) + step) {
      return null;
    }
    inFlight = node.submit(KvCodec.encodeCommand(KvCommand.of(CompactionRequest.of(target))));
    inFlight.whenComplete((reply, error) -> {
      if (error != null) {
        LOG.debug("auto compaction to revision {} did not complete: {}", target, error.toString());
      }
    });
    return inFlight;
  }

  private void tick() {
    try {
      check();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again.
      LOG.warn("auto compaction check failed", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
