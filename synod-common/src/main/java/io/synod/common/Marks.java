package io.synod.common;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Coverage marks: production code names a rare branch ({@code Marks.hit("paxos.repropose")}) and a
 * test asserts that the branch was really reached, so a test that claims to exercise a fault path
 * cannot silently stop doing so.
 *
 * <p>Counting is cheap (a map lookup and an add) and thread-safe. Marks never change behaviour.
 */
public final class Marks {
  private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

  private Marks() {}

  /** Records one pass through the branch called {@code name}. */
  public static void hit(String name) {
    COUNTS.computeIfAbsent(name, k -> new LongAdder()).increment();
  }

  /** How many times {@code name} was hit since the last {@link #reset()}. */
  public static long count(String name) {
    LongAdder adder = COUNTS.get(name);
    return adder == null ? 0 : adder.sum();
  }

  /** All marks hit so far, sorted by name. */
  public static Map<String, Long> snapshot() {
    TreeMap<String, Long> out = new TreeMap<>();
    COUNTS.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Forgets every count. */
  public static void reset() {
    COUNTS.clear();
  }
}
