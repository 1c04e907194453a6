package io.synod.kv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link Engine} must do; each engine's test extends this with a factory. */
public abstract class EngineContract {
  protected abstract Engine newEngine();

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<String> scanAll(Engine engine, byte[] from, byte[] to) {
    List<String> out = new ArrayList<>();
    engine.scan(from, to, (k, v) -> {
      out.add(new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8));
      return true;
    });
    return out;
  }

  @Test
  void putGetDeleteAndAppliedSlot() {
    try (Engine engine = newEngine()) {
      assertThat(engine.appliedSlot()).isEqualTo(Engine.NO_SLOT);
      assertThat(engine.get(b("a"))).isNull();
      engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")), 3);
      assertThat(engine.get(b("a"))).isEqualTo(b("1"));
      assertThat(engine.appliedSlot()).isEqualTo(3);
      engine.write(new WriteBatch().delete(b("a")).put(b("b"), b("3")), 4);
      assertThat(engine.get(b("a"))).isNull();
      assertThat(engine.get(b("b"))).isEqualTo(b("3"));
      engine.write(new WriteBatch(), 4);
      assertThat(engine.appliedSlot()).isEqualTo(4);
      assertThatThrownBy(() -> engine.write(new WriteBatch(), 2)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  static List<String> viewAfter(Engine.View view, String after) {
    List<String> out = new ArrayList<>();
    view.scanAfter(after == null ? null : b(after), (k, v) -> {
      out.add(new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8));
      return true;
    });
    return out;
  }

  @Test
  void aViewReadsTheEntriesAsTheyWereWhenItOpened() {
    try (Engine engine = newEngine()) {
      engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")).put(b("c"), b("3")).put(b("d"), b("4")), 1);
      Engine.View view = engine.openView();
      engine.write(new WriteBatch().put(b("b"), b("changed")).delete(b("c")).put(b("bb"), b("new")), 2);
      engine.write(new WriteBatch().deleteRange(b("a"), b("b")).put(b("c"), b("back")).put(b("b"), b("again")), 3);
      assertThat(viewAfter(view, null)).containsExactly("a=1", "b=2", "c=3", "d=4");
      assertThat(viewAfter(view, "b")).containsExactly("c=3", "d=4");
      assertThat(viewAfter(view, "bb")).containsExactly("c=3", "d=4");
      List<String> firstTwo = new ArrayList<>();
      view.scanAfter(null, (k, v) -> firstTwo.add(new String(k, StandardCharsets.UTF_8)) && firstTwo.size() < 2);
      assertThat(firstTwo).containsExactly("a", "b");
      view.close();
      assertThat(scanAll(engine, null, null)).containsExactly("b=again", "bb=new", "c=back", "d=4");
      assertThatThrownBy(() -> view.scanAfter(null, (k, v) -> true)).isInstanceOf(io.synod.common.Ensure.InvariantViolation.class);
      Engine.View next = engine.openView();
      assertThat(viewAfter(next, null)).containsExactly("b=again", "bb=new", "c=back", "d=4");
      next.close();
    }
  }

  @Test
  void laterOpsInABatchWin() {
    try (Engine engine = newEngine()) {
      engine.write(new WriteBatch().put(b("k"), b("1")).delete(b("k")).put(b("j"), b("1")).put(b("j"), b("2")), 1);
      assertThat(engine.get(b("k"))).isNull();
      assertThat(engine.get(b("j"))).isEqualTo(b("2"));
    }
  }

  @Test
  void scanIsOrderedAsUnsignedBytesAndBounded() {
    try (Engine engine = newEngine()) {
      WriteBatch batch = new WriteBatch();
      batch.put(new byte[] {(byte) 0x80}, b("hi"));
      batch.put(new byte[] {0x7f}, b("lo"));
      batch.put(b("a"), b("1")).put(b("ab"), b("2")).put(b("b"), b("3"));
      engine.write(batch, 1);
      List<byte[]> keys = new ArrayList<>();
      engine.scan(null, null, (k, v) -> keys.add(k));
      assertThat(keys).hasSize(5);
      assertThat(keys.get(3)).isEqualTo(new byte[] {0x7f});
      assertThat(keys.get(4)).isEqualTo(new byte[] {(byte) 0x80});
      assertThat(scanAll(engine, b("a"), b("b"))).containsExactly("a=1", "ab=2");
      assertThat(scanAll(engine, b("ab"), null)).hasSize(4);
      assertThat(scanAll(engine, b("b"), b("a"))).isEmpty();
      List<String> firstTwo = new ArrayList<>();
      engine.scan(null, null, (k, v) -> firstTwo.add(new String(k, StandardCharsets.UTF_8)) && firstTwo.size() < 2);
      assertThat(firstTwo).containsExactly("a", "ab");
    }
  }

  @Test
  void deleteRangeIsHalfOpen() {
    try (Engine engine = newEngine()) {
      engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")).put(b("c"), b("3")), 1);
      engine.write(new WriteBatch().deleteRange(b("a"), b("c")).deleteRange(b("z"), b("a")), 2);
      assertThat(scanAll(engine, null, null)).containsExactly("c=3");
    }
  }

  @Test
  void sizeGrowsWithWrites() {
    try (Engine engine = newEngine()) {
      long empty = engine.sizeBytes();
      WriteBatch batch = new WriteBatch();
      for (int i = 0; i < 100; i++) {
        batch.put(b("key-" + i), new byte[100]);
      }
      engine.write(batch, 1);
      // 100 entries of more than 100 bytes each (RocksDB's memtable also counts its own overhead).
      assertThat(engine.sizeBytes()).isGreaterThanOrEqualTo(empty + 100 * 100);
    }
  }

  @Test
  void returnedArraysAreTheCallersOwn() {
    try (Engine engine = newEngine()) {
      byte[] value = b("1");
      engine.write(new WriteBatch().put(b("k"), value), 1);
      value[0] = 'x';
      byte[] read = engine.get(b("k"));
      read[0] = 'y';
      assertThat(engine.get(b("k"))).isEqualTo(b("1"));
    }
  }
}
