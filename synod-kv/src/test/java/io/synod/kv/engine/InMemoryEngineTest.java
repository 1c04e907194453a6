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
}
