package io.synod.lincheck;

import java.util.*;

class ScratchStats {
  public static void main(String[] a) {
    String which = a[0];
    long seed = Long.parseLong(a[1]); int n = Integer.parseInt(a[2]); int keys = Integer.parseInt(a[3]);
    int clients = Integer.parseInt(a[4]); double u = Double.parseDouble(a[5]); long budget = Long.parseLong(a[6]);
    List<RecordedOp> ops = SimulatedClients.generate(seed, n, keys, clients, u);
    if (which.equals("mut")) {
      ops = new ArrayList<>(ops);
      int victim = -1;
      for (int i = n / 2; i < n; i++) if (!ops.get(i).unknown() && ops.get(i).input().kind() == KvInput.Kind.GET) { victim = i; break; }
      ops.set(victim, ops.get(victim).withOutput(KvOutput.value("never")));
      System.out.println("victim key " + ops.get(victim).input().key());
    }
    long unknown = ops.stream().filter(RecordedOp::unknown).count();
    History<KvInput, KvOutput> h = RecordedOp.toHistory(ops);
    List<Operation<KvInput, KvOutput>> all = h.snapshot();
    Map<Object, List<Operation<KvInput, KvOutput>>> parts = new TreeMap<>();
    for (var o : all) parts.computeIfAbsent(o.input().key(), k -> new ArrayList<>()).add(o);
    System.out.println("unknown=" + unknown);
    for (var e : parts.entrySet()) {
      var p = e.getValue();
      p.sort(Comparator.comparingLong((Operation<KvInput, KvOutput> o) -> o.call()).thenComparingLong(Operation::id));
      long t0 = System.nanoTime();
      PartitionOutcome out = new PartitionSearch<>(new KvModel(), p, budget).run();
      long t1 = System.nanoTime();
      System.out.printf("  %s ops=%d unknown=%d %s states=%d depth=%d %.0fms%n", e.getKey(), p.size(),
          p.stream().filter(o -> !o.completed()).count(), out.verdict(), out.states(), out.linearizedCompleted(), (t1 - t0) / 1e6);
      System.out.printf("    closureCalls=%d empty=%d closureStates=%d runChildren=%d plainChildren=%d%n", PartitionSearch.closureCalls, PartitionSearch.closureEmpty, PartitionSearch.closureStates, PartitionSearch.runChildren, PartitionSearch.plainChildren);
      PartitionSearch.kinds.forEach((k, v) -> System.out.println("      " + k + " " + v));
    }
  }
}
