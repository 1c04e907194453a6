package io.synod.kv.engine.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.kv.Bytes;
import io.synod.kv.KvCommand;
import io.synod.kv.KvException;
import io.synod.kv.MvccStore;
import io.synod.kv.PutRequest;
import io.synod.kv.RangeRequest;
import io.synod.kv.engine.Engine;
import io.synod.kv.engine.EngineContract;
import io.synod.kv.engine.EngineException;
import io.synod.kv.engine.InMemoryEngine;
import io.synod.kv.engine.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbEngineTest extends EngineContract {
  @TempDir
  Path dir;
  private int opened;

  @Override
  protected Engine newEngine() {
    return RocksDbEngine.open(dir.resolve("db" + (++opened)));
  }

  private static byte[] b(String s) {
    return Bytes.utf8(s);
  }

  @Test
  void dataAndAppliedSlotSurviveCloseAndReopen() {
    Path path = dir.resolve("reopen");
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      engine.write(new WriteBatch().put(b("k"), b("v")), 7);
      engine.flush();
    }
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      assertThat(engine.appliedSlot()).isEqualTo(7);
      assertThat(engine.get(b("k"))).isEqualTo(b("v"));
    }
  }

  @Test
  void aCleanCloseFlushesWhatWasWritten() {
    Path path = dir.resolve("close");
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      engine.write(new WriteBatch().put(b("k"), b("v")), 3);
    }
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      assertThat(engine.appliedSlot()).isEqualTo(3);
    }
  }

  @Test
  void aCrashKeepsTheFlushedStateAndLosesLaterBatchesWhole() throws IOException {
    Path path = dir.resolve("crash");
    Path image = dir.resolve("crash-image");
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      engine.write(new WriteBatch().put(b("a"), b("1")), 5);
      engine.flush();
      engine.write(new WriteBatch().put(b("a"), b("2")).put(b("b"), b("2")), 6);
      // The files as they are now are what a crash would leave: no WAL, slot 6 only in memory.
      copyTree(path, image);
    }
    try (RocksDbEngine engine = RocksDbEngine.open(image)) {
      assertThat(engine.appliedSlot()).isEqualTo(5);
      assertThat(engine.get(b("a"))).isEqualTo(b("1"));
      assertThat(engine.get(b("b"))).isNull();
    }
  }

  @Test
  void checkpointOpensAsAnEngineAtTheSameSlot() {
    Path path = dir.resolve("source");
    Path checkpoint = dir.resolve("checkpoint");
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      engine.write(new WriteBatch().put(b("k"), b("v")), 9);
      engine.checkpoint(checkpoint);
      engine.write(new WriteBatch().put(b("k"), b("later")), 10);
    }
    try (RocksDbEngine copy = RocksDbEngine.open(checkpoint)) {
      assertThat(copy.appliedSlot()).isEqualTo(9);
      assertThat(copy.get(b("k"))).isEqualTo(b("v"));
    }
  }

  @Test
  void checkpointIntoAnExistingDirectoryFails() {
    try (RocksDbEngine engine = RocksDbEngine.open(dir.resolve("x"))) {
      assertThatThrownBy(() -> engine.checkpoint(dir)).isInstanceOf(EngineException.class);
    }
  }

  @Test
  void storeOnRocksDbRestartsAtItsAppliedSlotWithTheSameState() throws KvException {
    Path path = dir.resolve("store");
    long hash;
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      MvccStore store = MvccStore.open(engine);
      for (int slot = 1; slot <= 50; slot++) {
        store.apply(slot, KvCommand.of(PutRequest.of(b("k" + (slot % 5)), b("v" + slot))));
        store.slotApplied(slot);
      }
      store.flush();
      hash = store.stateHash();
    }
    try (RocksDbEngine engine = RocksDbEngine.open(path)) {
      MvccStore store = MvccStore.open(engine);
      assertThat(store.appliedSlot()).isEqualTo(50);
      assertThat(store.revision()).isEqualTo(51);
      assertThat(store.stateHash()).isEqualTo(hash);
      assertThat(store.range(RangeRequest.key(b("k0"))).kvs().get(0).version()).isEqualTo(10);
      // The same commands on an in-memory engine give the same hash: engines are interchangeable.
      MvccStore memory = MvccStore.open(new InMemoryEngine());
      for (int slot = 1; slot <= 50; slot++) {
        memory.apply(slot, KvCommand.of(PutRequest.of(b("k" + (slot % 5)), b("v" + slot))));
        memory.slotApplied(slot);
      }
      assertThat(memory.stateHash()).isEqualTo(hash);
      MvccStore restored = MvccStore.open(new InMemoryEngine());
      restored.restore(50, store.snapshot());
      assertThat(restored.stateHash()).isEqualTo(hash);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (!file.getFileName().toString().equals("LOCK")) {
          Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
