package io.synod.kv.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InMemoryEngineTest extends EngineContract {
  @Override
  protected Engine newEngine() {
    return new InMemoryEngine();
  }

  @Test
  void copyIsIndependent() {
    InMemoryEngine engine = new InMemoryEngine();
    engine.write(new WriteBatch().put(b("k"), b("1")), 5);
    InMemoryEngine copy = engine.copy();
    engine.write(new WriteBatch().put(b("k"), b("2")), 6);
    assertThat(copy.get(b("k"))).isEqualTo(b("1"));
    assertThat(copy.appliedSlot()).isEqualTo(5);
  }

  @Test
  void sizeCountsEveryStoredKeyAndValue() {
    InMemoryEngine engine = new InMemoryEngine();
    assertThat(engine.sizeBytes()).isZero();
    engine.write(new WriteBatch().put(b("ab"), b("123")).put(b("c"), b("4")), 1);
    assertThat(engine.sizeBytes()).isEqualTo(2 + 3 + 1 + 1);
    engine.write(new WriteBatch().put(b("ab"), b("1")).delete(b("missing")), 2);
    assertThat(engine.sizeBytes()).isEqualTo(2 + 1 + 1 + 1);
    engine.write(new WriteBatch().delete(b("c")), 3);
    assertThat(engine.sizeBytes()).isEqualTo(2 + 1);
    engine.write(new WriteBatch().put(b("x"), b("yy")).deleteRange(b("a"), b("b")), 4);
    assertThat(engine.sizeBytes()).isEqualTo(1 + 2);
    assertThat(engine.copy().sizeBytes()).isEqualTo(1 + 2);
  }
}
