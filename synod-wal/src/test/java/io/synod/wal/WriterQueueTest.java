package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriterQueueTest {
  @Test
  void boundsRecordsAndBytesAndReleases() {
    WriterQueue<String> queue = new WriterQueue<>(2, 10);
    assertThat(queue.offer("a", 4)).isTrue();
    assertThatThrownBy(() -> queue.offer("big", 7))
        .isInstanceOf(WalQueueFullException.class).hasMessageContaining("queueBytesMax=10");
    assertThat(queue.offer("b", 6)).isTrue();
    assertThatThrownBy(() -> queue.offer("c", 0))
        .isInstanceOf(WalQueueFullException.class).hasMessageContaining("queueRecordsMax=2");
    queue.release(1, 4);
    assertThat(queue.offer("c", 4)).isTrue();
    assertThat(queue.drain()).containsExactly("a", "b", "c");
  }

  @Test
  void shutRefusesLaterOffersButHandsOutEarlierOnesBeforeTheEnd() throws Exception {
    WriterQueue<String> queue = new WriterQueue<>(10, 100);
    queue.offer("a", 1);
    queue.shut();
    assertThat(queue.offer("late", 1)).isFalse();
    List<String> batch = new ArrayList<>();
    assertThat(queue.takeBatch(batch, 10)).isTrue();
    assertThat(batch).containsExactly("a");
    batch.clear();
    assertThat(queue.takeBatch(batch, 10)).as("the end, after the earlier offers").isFalse();
    assertThat(batch).isEmpty();
  }

  @Test
  void aParkedConsumerWakesForAnOffer() throws Exception {
    WriterQueue<String> queue = new WriterQueue<>(10, 100);
    CompletableFuture<List<String>> taken = CompletableFuture.supplyAsync(() -> {
      List<String> batch = new ArrayList<>();
      try {
        queue.takeBatch(batch, 10);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return batch;
    });
    queue.offer("x", 1);
    assertThat(taken.get(30, TimeUnit.SECONDS)).containsExactly("x");
  }

  @Test
  void putWaitsForARelease() throws Exception {
    WriterQueue<String> queue = new WriterQueue<>(1, 100);
    assertThat(queue.put("a", 1)).isTrue();
    CompletableFuture<Boolean> put = CompletableFuture.supplyAsync(() -> {
      try {
        return queue.put("b", 1);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    List<String> batch = new ArrayList<>();
    queue.takeBatch(batch, 10);
    assertThat(batch).containsExactly("a");
    queue.release(1, 1);
    assertThat(put.get(30, TimeUnit.SECONDS)).isTrue();
    batch.clear();
    queue.takeBatch(batch, 10);
    assertThat(batch).containsExactly("b");
  }

  @Test
  void theConsumerIsIdleOnlyWithNothingQueuedAndNothingTaken() throws Exception {
    WriterQueue<String> queue = new WriterQueue<>(10, 100);
    assertThat(queue.consumerIdle()).as("nothing taken yet").isTrue();
    queue.offer("a", 1);
    assertThat(queue.consumerIdle()).as("queued").isFalse();
    List<String> batch = new ArrayList<>();
    queue.takeBatch(batch, 10);
    assertThat(queue.consumerIdle()).as("taken, not finished").isFalse();
    queue.shut();
    assertThat(queue.consumerIdle()).as("shut").isFalse();
  }
}
