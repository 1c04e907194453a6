package io.synod.lincheck;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.List;

/**
 * A concurrent history under construction: each operation is invoked, then completes with an
 * output, or is marked unknown when the caller cannot tell whether it took effect.
 *
 * <p>Times are caller-supplied nanoseconds (simulated or real); only their order matters. Operation
 * A precedes B in real time when A returned strictly before B was called, so operations whose
 * intervals merely touch are concurrent. Methods are synchronized so that clients on several
 * threads may record into one history.
 */
public final class History<I, O> {
  /** The default cap on recorded operations; the checker's bitsets and memo grow with it. */
  public static final int DEFAULT_MAX_OPS = 1_000_000;

  private enum Status {
    PENDING,
    OK,
    UNKNOWN
  }

  /** Mutable bookkeeping for one operation while the history is being recorded. */
  private static final class Slot<I, O> {
    final int clientId;
    final I input;
    final long call;
    Status status = Status.PENDING;
    O output;
    long ret = Operation.NEVER_RETURNED;

    Slot(int clientId, I input, long call) {
      this.clientId = clientId;
      this.input = input;
      this.call = call;
    }
  }

  private final int maxOps;
  private final List<Slot<I, O>> slots = new ArrayList<>();

  public History() {
    this(DEFAULT_MAX_OPS);
  }

  /** A history that refuses to record more than {@code maxOps} operations. */
  public History(int maxOps) {
    Ensure.argument(maxOps > 0, "maxOps must be positive, got " + maxOps);
    this.maxOps = maxOps;
  }

  /** Records the call of an operation and returns its id, used to complete it later. */
  public synchronized long invoke(int clientId, I input, long callNanos) {
    Ensure.notNull(input, "input");
    if (slots.size() >= maxOps) {
      throw new IllegalStateException("history is full: at most " + maxOps + " operations");
    }
    slots.add(new Slot<>(clientId, input, callNanos));
    return slots.size() - 1L;
  }

  /** Records that operation {@code opId} returned {@code output} at {@code returnNanos}. */
  public synchronized void ok(long opId, O output, long returnNanos) {
    Slot<I, O> slot = pending(opId);
    Ensure.argument(
        returnNanos >= slot.call,
        "op " + opId + " returned at " + returnNanos + " before its call at " + slot.call);
    // The maximum is reserved to mean "never returned", so a real return must come before it.
    Ensure.argument(
        returnNanos != Operation.NEVER_RETURNED, "returnNanos must be below Long.MAX_VALUE");
    slot.status = Status.OK;
    slot.output = output;
    slot.ret = returnNanos;
  }

  /**
   * Records that the outcome of {@code opId} is unknown (a timeout or a crash): it may take effect
   * at any time after its call, or never.
   */
  public synchronized void unknown(long opId) {
    pending(opId).status = Status.UNKNOWN;
  }

  /** How many operations were invoked. */
  public synchronized int size() {
    return slots.size();
  }

  /**
   * The operations in invocation order, with operations still pending treated as unknown: a caller
   * that stops waiting cannot know whether they took effect.
   */
  synchronized List<Operation<I, O>> snapshot() {
    List<Operation<I, O>> out = new ArrayList<>(slots.size());
    for (int id = 0; id < slots.size(); id++) {
      Slot<I, O> s = slots.get(id);
      boolean completed = s.status == Status.OK;
      long ret = completed ? s.ret : Operation.NEVER_RETURNED;
      O output = completed ? s.output : null;
      out.add(new Operation<>(id, s.clientId, s.input, output, s.call, ret, completed));
    }
    return out;
  }

  private Slot<I, O> pending(long opId) {
    Ensure.argument(opId >= 0 && opId < slots.size(), "no operation with id " + opId);
    Slot<I, O> slot = slots.get((int) opId);
    Ensure.argument(
        slot.status == Status.PENDING, "op " + opId + " already finished as " + slot.status);
    return slot;
  }
}
