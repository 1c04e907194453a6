package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The ring-buffer log against a naive TreeMap model. */
class SlotLogTest {
  record Op(int kind, long slot) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Arbitraries.integers().between(0, 2).flatMap(kind ->
        Arbitraries.longs().between(1, 400).map(slot -> new Op(kind, slot))).list().ofMaxSize(300);
  }

  @Property
  void behavesLikeATreeMap(@ForAll("ops") List<Op> ops) {
    SlotLog log = new SlotLog(1);
    TreeMap<Long, Entry> model = new TreeMap<>();
    TreeSet<Long> chosen = new TreeSet<>();
    long start = 1;
    for (Op op : ops) {
      switch (op.kind()) {
        case 0 -> {
          if (op.slot() >= start) {
            Entry entry = new Entry(op.slot(), new Ballot(op.slot() % 7, 1), Batch.of(new byte[] {(byte) op.slot()}));
            log.put(entry);
            model.put(op.slot(), entry);
          }
        }
        case 1 -> {
          if (model.containsKey(op.slot())) {
            log.markChosen(op.slot());
            chosen.add(op.slot());
          }
        }
        default -> {
          long trim = Math.min(op.slot(), start + 50);
          log.trimBelow(trim);
          if (trim > start) {
            start = trim;
            model.headMap(start).clear();
            chosen.headSet(start).clear();
          }
        }
      }
      assertThat(log.start()).isEqualTo(start);
      for (long s = start; s < start + 420; s++) {
        assertThat(log.get(s)).isEqualTo(model.get(s));
        assertThat(log.isChosen(s)).isEqualTo(chosen.contains(s));
      }
      assertThat(log.get(start - 1)).isNull();
    }
  }
}
