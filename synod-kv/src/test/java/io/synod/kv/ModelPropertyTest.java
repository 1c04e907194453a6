package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.common.Marks;
import io.synod.kv.engine.Engine;
import io.synod.kv.engine.InMemoryEngine;
import io.synod.kv.engine.rocksdb.RocksDbEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based property test: seeded random workloads (puts, deletes, ranges at random revisions,
 * txns with nested txns, compactions) run against the real store and {@link ModelStore}; every reply
 * must be equal, including errors, and reads at every retained revision must agree at the end.
 * Along the way the store is restarted from its engine and replaced by a restore of its own snapshot,
 * so those paths are held to the model too. A failure names the seed and the step to replay.
 */
class ModelPropertyTest {
  private static final KvLimits LIMITS = new KvLimits(6, 1 << 20, 4);

  /** Makes engines for one run; {@code reopen} gives a restarted engine holding the same state. */
  interface Engines {
    Engine create(String name);

    Engine reopen(Engine engine);
  }

  static final class InMemory implements Engines {
    @Override
    public Engine create(String name) {
      return new InMemoryEngine();
    }

    @Override
    public Engine reopen(Engine engine) {
      return ((InMemoryEngine) engine).copy();
    }
  }

  static final class Rocks implements Engines {
    private final Path dir;

    Rocks(Path dir) {
      this.dir = dir;
    }

    @Override
    public Engine create(String name) {
      return RocksDbEngine.open(dir.resolve(name));
    }

    @Override
    public Engine reopen(Engine engine) {
      Path path = ((RocksDbEngine) engine).directory();
      engine.close();
      return RocksDbEngine.open(path);
    }
  }

  @Test
  void inMemoryStoreMatchesTheModel() {
    Marks.reset();
    for (long seed = 1; seed <= 30; seed++) {
      run(seed, 3000, new InMemory(), false);
    }
    // The workload reaches the interesting branches.
    assertThat(Marks.count("kv.compaction-dropped-history")).isPositive();
    assertThat(Marks.count("kv.slot-completed-by-next")).isPositive();
    assertThat(Marks.count("kv.session-duplicate")).isPositive();
    assertThat(Marks.count("kv.session-stale")).isPositive();
    assertThat(Marks.count("kv.session-evicted")).isPositive();
  }

  @Test
  void rocksDbStoreMatchesTheModel(@TempDir Path dir) {
    for (long seed = 101; seed <= 103; seed++) {
      run(seed, 1500, new Rocks(dir.resolve("seed" + seed)), false);
    }
  }

  @Test
  void aPlantedBugInTheModelIsCaught() {
    // The buggy model continues a re-created key's version count; the store restarts it at 1.
    assertThatThrownBy(() -> run(1, 2500, new InMemory(), true))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("seed 1 step")
        .hasMessageContaining("version=");
  }

  static void run(long seed, int steps, Engines engines, boolean plantedBug) {
    SplittableRandom random = new SplittableRandom(seed);
    RandomRequests requests = new RandomRequests(random, 0.01);
    ModelStore model = new ModelStore(LIMITS, plantedBug);
    List<Engine> opened = new ArrayList<>();
    Engine engine = engines.create("store");
    opened.add(engine);
    MvccStore store = MvccStore.open(engine, LIMITS);
    long slot = 0;
    int generation = 0;
    java.util.TreeMap<Long, KvCommand> sessions = new java.util.TreeMap<>();
    // The leases random puts attach keys to (grants change no revision, so the model needs none).
    for (long lease = 1; lease <= 3; lease++) {
      slot++;
      assertThat(decode(store.apply(slot, KvCodec.encodeCommand(KvCommand.of(LeaseRequest.grant(lease, 60))))).isOk())
          .isTrue();
      store.slotApplied(slot);
    }
    try {
      for (int step = 0; step < steps; step++) {
        KvCommand command = command(random, requests.request(model.revision()), sessions);
        // Some slots carry several commands: the next command then completes the slot.
        if (random.nextInt(3) != 0) {
          slot++;
        } else if (slot == store.appliedSlot()) {
          slot++;
        }
        byte[] reply = store.apply(slot, KvCodec.encodeCommand(command));
        KvResult actual = decode(reply);
        KvResult expected = model.apply(command);
        String where = "seed " + seed + " step " + step + " command " + command;
        assertThat(actual).as(where).isEqualTo(expected);
        assertThat(store.revision()).as(where).isEqualTo(model.revision());
        assertThat(store.keyCount()).as("%s: key count", where).isEqualTo(model.keyCount());
        if (random.nextInt(2) == 0) {
          store.slotApplied(slot);
        }
        if (random.nextInt(400) == 0) {
          finishSlot(store, slot);
          long hash = store.stateHash();
          engine = engines.reopen(engine);
          opened.add(engine);
          store = MvccStore.open(engine, LIMITS);
          assertThat(store.stateHash()).as("%s: hash after restart", where).isEqualTo(hash);
          assertThat(store.keyCount()).as("%s: key count after restart", where).isEqualTo(model.keyCount());
        }
        if (random.nextInt(500) == 0) {
          finishSlot(store, slot);
          Engine fresh = engines.create("restored" + (++generation));
          opened.add(fresh);
          MvccStore restored = MvccStore.open(fresh, LIMITS);
          restored.restore(store.appliedSlot(), store.snapshot());
          assertThat(restored.stateHash()).as("%s: hash after restore", where).isEqualTo(store.stateHash());
          assertThat(restored.keyCount()).as("%s: key count after restore", where).isEqualTo(model.keyCount());
          store = restored;
          engine = fresh;
        }
      }
      finishSlot(store, slot);
      for (long rev = model.revision() + 1; rev >= Math.max(0, model.compactRevision() - 2); rev--) {
        KvResult expected;
        try {
          expected = KvResult.ok(model.all(rev));
        } catch (KvException e) {
          expected = KvResult.error(e);
        }
        KvResult actual;
        try {
          actual = KvResult.ok(store.range(RangeRequest.all().atRevision(rev)));
        } catch (KvException e) {
          actual = KvResult.error(e);
        }
        assertThat(actual).as("seed %d final read at revision %d", seed, rev).isEqualTo(expected);
      }
    } finally {
      for (Engine e : opened) {
        e.close();
      }
    }
  }

  /**
   * Wraps a third of the requests in an exactly-once session of one of 6 clients (more than the
   * table holds, so clients get evicted); sometimes resends a client's last command (a retry) or
   * sends an older sequence (stale).
   */
  private static KvCommand command(SplittableRandom random, KvRequest request, java.util.TreeMap<Long, KvCommand> sessions) {
    if (random.nextInt(3) != 0) {
      return KvCommand.of(request);
    }
    long client = random.nextLong(1, 7);
    KvCommand last = sessions.get(client);
    if (last != null && random.nextInt(4) == 0) {
      return last;
    }
    if (last != null && last.sequence() > 1 && random.nextInt(20) == 0) {
      return KvCommand.session(client, last.sequence() - 1, request);
    }
    KvCommand next = KvCommand.session(client, last == null ? 1 : last.sequence() + 1, request);
    sessions.put(client, next);
    return next;
  }

  private static void finishSlot(MvccStore store, long slot) {
    if (store.appliedSlot() < slot) {
      store.slotApplied(slot);
    }
  }

  private static KvResult decode(byte[] reply) {
    try {
      return KvCodec.decodeResult(reply);
    } catch (KvException e) {
      throw new AssertionError("undecodable reply", e);
    }
  }
}
