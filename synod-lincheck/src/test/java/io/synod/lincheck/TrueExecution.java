package io.synod.lincheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Generates small key-value histories from a real execution: each operation gets a random interval
 * and takes effect at a random instant inside it against a true map, so the result is linearizable
 * by construction. Unknown-outcome operations take effect at a random instant after their call, or
 * never. Values come from a small set so that reads are ambiguous and the search has work to do.
 */
final class TrueExecution {
  private TrueExecution() {}

  static List<RecordedOp> generate(Random rnd, int count, int keys, double unknownRate) {
    List<RecordedOp> ops = new ArrayList<>();
    List<Long> effectAt = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long call = rnd.nextInt(3 * count + 1);
      long ret = call + rnd.nextInt(10);
      boolean unknown = rnd.nextDouble() < unknownRate;
      long effect;
      if (!unknown) {
        effect = call + rnd.nextInt((int) (ret - call) + 1);
      } else {
        effect = rnd.nextBoolean() ? call + rnd.nextInt(20) : Long.MAX_VALUE;
      }
      ops.add(new RecordedOp(i % 3, randomInput(rnd, keys), call, ret, null, unknown));
      effectAt.add(effect);
    }
    // Apply the effects in time order against the true map to learn each output.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingLong((Integer i) -> effectAt.get(i)).thenComparingInt(i -> i));
    Map<String, String> store = new HashMap<>();
    for (int i : order) {
      if (effectAt.get(i) == Long.MAX_VALUE) {
        continue;
      }
      ops.set(i, ops.get(i).withOutput(apply(store, ops.get(i).input())));
    }
    return ops;
  }

  static KvInput randomInput(Random rnd, int keys) {
    String key = "k" + rnd.nextInt(keys);
    int kind = rnd.nextInt(10);
    if (kind < 4) {
      return KvInput.get(key);
    } else if (kind < 7) {
      return KvInput.put(key, randomValue(rnd));
    } else if (kind < 8) {
      return KvInput.delete(key);
    }
    return KvInput.cas(key, rnd.nextInt(4) == 0 ? null : randomValue(rnd), randomValue(rnd));
  }

  static String randomValue(Random rnd) {
    return Integer.toString(1 + rnd.nextInt(3));
  }

  /** A random output of the right shape for {@code input}, ignoring what really happened. */
  static KvOutput randomOutput(Random rnd, KvInput input) {
    return switch (input.kind()) {
      case GET -> KvOutput.value(rnd.nextInt(4) == 0 ? null : randomValue(rnd));
      case PUT -> KvOutput.ok();
      case DELETE, CAS -> KvOutput.flag(rnd.nextBoolean());
    };
  }

  /** Applies {@code input} to the true map and returns what the operation observed. */
  static KvOutput apply(Map<String, String> store, KvInput input) {
    String key = input.key();
    String current = store.get(key);
    switch (input.kind()) {
      case GET:
        return KvOutput.value(current);
      case PUT:
        store.put(key, input.value());
        return KvOutput.ok();
      case DELETE:
        store.remove(key);
        return KvOutput.flag(current != null);
      case CAS:
        boolean matches = Objects.equals(current, input.expected());
        if (matches) {
          if (input.value() == null) {
            store.remove(key);
          } else {
            store.put(key, input.value());
          }
        }
        return KvOutput.flag(matches);
      default:
        throw new IllegalArgumentException(input.kind().toString());
    }
  }
}
