package io.synod.lincheck;

import java.util.List;

/**
 * One operation of a generated key-value history, kept as plain data so tests can mutate it
 * before turning it into a {@link History}.
 *
 * @param ret the return time; ignored when {@code unknown}
 * @param output the returned output; ignored when {@code unknown}
 */
record RecordedOp(
    int client, KvInput input, long call, long ret, KvOutput output, boolean unknown) {

  RecordedOp withOutput(KvOutput newOutput) {
    return new RecordedOp(client, input, call, ret, newOutput, unknown);
  }

  static History<KvInput, KvOutput> toHistory(List<RecordedOp> ops) {
    History<KvInput, KvOutput> h = new History<>();
    for (RecordedOp op : ops) {
      long id = h.invoke(op.client, op.input, op.call);
      if (op.unknown) {
        h.unknown(id);
      } else {
        h.ok(id, op.output, op.ret);
      }
    }
    return h;
  }

  @Override
  public String toString() {
    String what = new KvModel().describe(input, unknown ? null : output);
    String end = unknown ? "?" : Long.toString(ret);
    return "client " + client + " [" + call + ".." + end + "] " + what;
  }
}
