package io.synod.lincheck;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Generates a large linearizable key-value history by simulating clients against a true map.
 *
 * <p>Each client has one operation outstanding at a time. An operation is called, takes effect at
 * a random instant inside its interval, and returns; clients pick CAS expectations from what they
 * last read, so many CAS calls succeed. A small share of operations time out: the client records
 * an unknown outcome and moves on, and the operation takes effect at a random later instant (even
 * after the client gave up) or never. Values are unique, as a real test workload would make them.
 */
final class SimulatedClients {
  private static final int EFFECT = 0;
  private static final int RETURN = 1;
  private static final int CALL = 2;

  /** A scheduled event; ties in time go by kind (effects before returns) then by schedule order. */
  private record Event(long time, int kind, long seq, int client, int op)
      implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      if (time != o.time) {
        return Long.compare(time, o.time);
      }
      if (kind != o.kind) {
        return Integer.compare(kind, o.kind);
      }
      return Long.compare(seq, o.seq);
    }
  }

  private final Random rnd;
  private final int keys;
  private final double unknownRate;
  private final List<RecordedOp> ops = new ArrayList<>();
  private final List<KvOutput> observed = new ArrayList<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Map<String, String> store = new HashMap<>();
  private final List<Map<String, String>> lastRead = new ArrayList<>();
  private long seq;
  private int valueCounter;

  private SimulatedClients(long seed, int keys, double unknownRate) {
    this.rnd = new Random(seed);
    this.keys = keys;
    this.unknownRate = unknownRate;
  }

  static List<RecordedOp> generate(
      long seed, int count, int keys, int clients, double unknownRate) {
    SimulatedClients sim = new SimulatedClients(seed, keys, unknownRate);
    for (int c = 0; c < clients; c++) {
      sim.lastRead.add(new HashMap<>());
      sim.schedule(sim.rnd.nextInt(100), CALL, c, -1);
    }
    sim.run(count);
    return Collections.unmodifiableList(sim.ops);
  }

  private void run(int count) {
    while (!events.isEmpty()) {
      Event e = events.poll();
      switch (e.kind) {
        case CALL -> {
          if (ops.size() < count) {
            call(e.client, e.time);
          }
        }
        case EFFECT -> observed.set(e.op, TrueExecution.apply(store, ops.get(e.op).input()));
        case RETURN -> finish(e.op, e.time);
        default -> throw new IllegalStateException("event kind " + e.kind);
      }
    }
  }

  private void call(int client, long now) {
    int op = ops.size();
    KvInput input = nextInput(client);
    long duration = 1 + rnd.nextInt(1_000);
    boolean unknown = rnd.nextDouble() < unknownRate;
    ops.add(new RecordedOp(client, input, now, now + duration, null, unknown));
    observed.add(null);
    if (!unknown) {
      schedule(now + rnd.nextInt((int) duration + 1), EFFECT, client, op);
    } else if (rnd.nextBoolean()) {
      // A timed-out request may still be applied, possibly long after the client stopped waiting.
      schedule(now + rnd.nextInt(3 * (int) duration + 1), EFFECT, client, op);
    }
    schedule(now + duration, RETURN, client, op);
  }

  private void finish(int op, long now) {
    RecordedOp r = ops.get(op);
    if (!r.unknown()) {
      KvOutput out = observed.get(op);
      ops.set(op, r.withOutput(out));
      if (r.input().kind() == KvInput.Kind.GET) {
        lastRead.get(r.client()).put(r.input().key(), out.value());
      }
    }
    schedule(now + rnd.nextInt(200), CALL, r.client(), -1);
  }

  private KvInput nextInput(int client) {
    String key = "key" + rnd.nextInt(keys);
    int kind = rnd.nextInt(100);
    if (kind < 45) {
      return KvInput.get(key);
    } else if (kind < 75) {
      return KvInput.put(key, "v" + valueCounter++);
    } else if (kind < 85) {
      return KvInput.delete(key);
    }
    return KvInput.cas(key, lastRead.get(client).get(key), "v" + valueCounter++);
  }

  private void schedule(long time, int kind, int client, int op) {
    events.add(new Event(time, kind, seq++, client, op));
  }
}
