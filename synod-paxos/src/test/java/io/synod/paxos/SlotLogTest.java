package io.synod.paxos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The ring-buffer log against a naive TreeMap model, over seeded random operation sequences. */
class SlotLogTest {
  @Test
  void behavesLikeATreeMap() {
    for (long seed = 1; seed <= 200; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      SlotLog log = new SlotLog(1);
      TreeMap<Long, Entry> model = new TreeMap<>();
      TreeSet<Long> chosen = new TreeSet<>();
      long start = 1;
      for (int step = 0; step < 300; step++) {
        int kind = random.nextInt(3);
        long slot = 1 + random.nextLong(400);
        if (kind == 0 && slot >= start) {
          Entry entry = new Entry(slot, new Ballot(slot % 7, 1), Batch.of(new byte[] {(byte) slot}));
          log.put(entry);
          model.put(slot, entry);
        } else if (kind == 1 && model.containsKey(slot)) {
          log.markChosen(slot);
          chosen.add(slot);
        } else if (kind == 2) {
          long trim = Math.min(slot, start + 50);
          log.trimBelow(trim);
          if (trim > start) {
            start = trim;
            model.headMap(start).clear();
            chosen.headSet(start).clear();
          }
        }
        assertThat(log.start()).as("seed %d step %d", seed, step).isEqualTo(start);
        for (long s = start; s < start + 420; s++) {
          assertThat(log.get(s)).as("seed %d slot %d", seed, s).isEqualTo(model.get(s));
          assertThat(log.isChosen(s)).isEqualTo(chosen.contains(s));
        }
        assertThat(log.get(start - 1)).isNull();
      }
    }
  }
}
