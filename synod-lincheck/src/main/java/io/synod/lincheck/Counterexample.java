package io.synod.lincheck;

import io.synod.common.Ensure;
import java.util.List;

/**
 * Renders why a partition is not linearizable: the longest linearizable prefix the search found,
 * the model state after it, and each operation that could have come next with the reason it could
 * not. Everything is derived from the operations in their fixed order, so the same history always
 * gives the same text. Lists are cut to a few lines so that a failure message stays readable.
 */
final class Counterexample {
  static final int MAX_PREFIX_SHOWN = 20;
  static final int MAX_CANDIDATES_SHOWN = 20;
  static final int MAX_PENDING_SHOWN = 10;

  private Counterexample() {}

  static <S, I, O> String explain(
      Model<S, I, O> model, Object partition, List<Operation<I, O>> ops, int[] prefix) {
    int completed = 0;
    for (Operation<I, O> o : ops) {
      completed += o.completed() ? 1 : 0;
    }
    StringBuilder out = new StringBuilder();
    out.append("partition ").append(partition).append(": no linearization exists for its ")
        .append(ops.size()).append(" operations (").append(completed).append(" completed, ")
        .append(ops.size() - completed).append(" with unknown outcome)\n");

    // Replay the prefix to recover the state the search was stuck in.
    boolean[] done = new boolean[ops.size()];
    S state = model.initialState();
    int prefixCompleted = 0;
    for (int i : prefix) {
      Operation<I, O> o = ops.get(i);
      state = o.completed()
          ? model.step(state, o.input(), o.output())
          : model.stepUnknown(state, o.input());
      Ensure.that(state != null, "replaying the longest prefix failed at op #%d", o.id());
      done[i] = true;
      prefixCompleted += o.completed() ? 1 : 0;
    }
    appendPrefix(out, model, ops, prefix, prefixCompleted, completed);
    out.append("model state after the prefix: ").append(state).append('\n');
    appendNext(out, model, ops, done, state);
    return out.toString();
  }

  private static <S, I, O> void appendPrefix(
      StringBuilder out, Model<S, I, O> model, List<Operation<I, O>> ops, int[] prefix,
      int prefixCompleted, int completed) {
    out.append("longest linearizable prefix found: ").append(prefixCompleted).append(" of ")
        .append(completed).append(" completed operations");
    int applied = prefix.length - prefixCompleted;
    if (applied > 0) {
      out.append(", with ").append(applied).append(" unknown-outcome operation(s) taking effect");
    }
    out.append(":\n");
    if (prefix.length == 0) {
      out.append("  (empty)\n");
    }
    int from = Math.max(0, prefix.length - MAX_PREFIX_SHOWN);
    if (from > 0) {
      out.append("  ... ").append(from).append(" earlier operations omitted\n");
    }
    for (int k = from; k < prefix.length; k++) {
      Operation<I, O> o = ops.get(prefix[k]);
      out.append("  ").append(k + 1).append(". ").append(o.render(model));
      out.append(o.completed() ? "\n" : "  (outcome unknown; took effect here)\n");
    }
  }

  /** Lists the operations allowed by real-time order to come next, and why none of them can. */
  private static <S, I, O> void appendNext(
      StringBuilder out, Model<S, I, O> model, List<Operation<I, O>> ops, boolean[] done, S state) {
    long earliestReturn = Operation.NEVER_RETURNED;
    for (int i = 0; i < ops.size(); i++) {
      if (!done[i] && ops.get(i).completed()) {
        earliestReturn = Math.min(earliestReturn, ops.get(i).ret());
      }
    }
    out.append("operations that could not be linearized next:\n");
    int shown = 0;
    int hidden = 0;
    for (int i = 0; i < ops.size(); i++) {
      Operation<I, O> o = ops.get(i);
      if (done[i] || !o.completed() || o.call() > earliestReturn) {
        continue;
      }
      if (shown < MAX_CANDIDATES_SHOWN) {
        shown++;
        out.append("  ").append(o.render(model)).append("\n      ").append(reason(model, o, state))
            .append('\n');
      } else {
        hidden++;
      }
    }
    if (hidden > 0) {
      out.append("  ... ").append(hidden).append(" more\n");
    }
    appendPending(out, model, ops, done, earliestReturn, state);
  }

  private static <S, I, O> String reason(Model<S, I, O> model, Operation<I, O> o, S state) {
    if (model.step(state, o.input(), o.output()) == null) {
      return "rejected: the model does not allow this output in state " + state;
    }
    // The search explored this step and everything after it; the dead end lies further on.
    return "allowed in state " + state + ", but no linearization continues after it";
  }

  /**
   * Lists the pending unknown-outcome operations that would change the state if they took effect
   * now. The search also tried them, in every order, before each candidate above; operations that
   * would change nothing here (reads, CAS from another value) are only counted, to keep noise out.
   */
  private static <S, I, O> void appendPending(
      StringBuilder out, Model<S, I, O> model, List<Operation<I, O>> ops, boolean[] done,
      long earliestReturn, S state) {
    int shown = 0;
    int more = 0;
    int idle = 0;
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < ops.size(); i++) {
      Operation<I, O> o = ops.get(i);
      if (done[i] || o.completed() || o.call() > earliestReturn) {
        continue;
      }
      S after = model.stepUnknown(state, o.input());
      if (after == null || after.equals(state)) {
        idle++;
      } else if (shown < MAX_PENDING_SHOWN) {
        shown++;
        lines.append("  ").append(o.render(model)).append('\n');
      } else {
        more++;
      }
    }
    if (shown == 0 && idle == 0) {
      return;
    }
    out.append("no order of the pending unknown-outcome operations makes any of them possible;")
        .append(" those that would change the state here:\n");
    out.append(shown == 0 ? "  (none)\n" : lines.toString());
    if (more > 0) {
      out.append("  ... ").append(more).append(" more\n");
    }
    if (idle > 0) {
      out.append("  (and ").append(idle).append(" that would change nothing here)\n");
    }
  }
}
