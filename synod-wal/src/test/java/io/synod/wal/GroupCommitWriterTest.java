package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The writer against a target that records what it is asked to do. Tasks are names: {@code h...}
 * needs no sync, {@code boom} fails its write, {@code stall} keeps the writer inside its batch's
 * {@code done} until released, so that the tasks offered meanwhile form the next batch.
 */
class GroupCommitWriterTest {
  private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final class Recorder implements GroupCommitWriter.Target<String> {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch failedOrClosed = new CountDownLatch(1);
    volatile boolean throwInDone;

    @Override
    public int queuedBytes(String task) {
      return task.length();
    }

    @Override
    public boolean write(String task) throws IOException {
      events.add("write " + task);
      if (task.equals("boom")) {
        throw new IOException("disk gone");
      }
      return !task.startsWith("h");
    }

    @Override
    public void sync() {
      events.add("sync");
    }

    @Override
    public void done(List<String> batch, boolean synced) {
      events.add("done " + batch + (synced ? " synced" : ""));
      if (batch.contains("stall")) {
        holding.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (throwInDone) {
        throw new IllegalStateException("a careless report");
      }
    }

    @Override
    public void failed(IOException error, List<String> notDone) {
      events.add("failed " + error.getMessage() + " " + notDone);
    }

    @Override
    public void close() {
      events.add("close");
      failedOrClosed.countDown();
    }

    /** Offers {@code stall} and returns once the writer sits in its done(). */
    void hold(GroupCommitWriter<String> writer) throws InterruptedException {
      assertThat(writer.offer("stall")).isTrue();
      assertThat(holding.await(30, TimeUnit.SECONDS)).as("the writer holds").isTrue();
    }
  }

  /** Waits (bounded) until {@code thread} waits: a put waiting for room in the queue. */
  private static void awaitWaiting(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (thread.getState() != Thread.State.WAITING) {
      assertThat(thread.isAlive()).as("the putter still runs").isTrue();
      assertThat(System.nanoTime()).as("the put waits within 30 s").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  private static GroupCommitWriter<String> start(Recorder target, int tasksMax) {
    return GroupCommitWriter.start(target, tasksMax, 100_000, CLOSE_TIMEOUT_NANOS, "test-writer");
  }

  @Test
  void tasksQueuedDuringABatchFormTheNextOneWrittenInOrderAndSyncedOnce() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 16);
    target.hold(writer);
    for (String task : List.of("a", "h1", "b")) {
      assertThat(writer.offer(task)).isTrue();
    }
    target.release.countDown();
    writer.close();
    assertThat(target.events).containsExactly(
        "write stall", "sync", "done [stall] synced",
        "write a", "write h1", "write b", "sync", "done [a, h1, b] synced",
        "close");
  }

  @Test
  void aBatchOfTasksThatNeedNoSyncIsNotSynced() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 16);
    target.hold(writer);
    assertThat(writer.offer("h1")).isTrue();
    assertThat(writer.offer("h2")).isTrue();
    target.release.countDown();
    writer.close();
    assertThat(target.events).containsExactly(
        "write stall", "sync", "done [stall] synced", "write h1", "write h2", "done [h1, h2]", "close");
  }

  @Test
  void offerFailsAtTheBoundWhilePutWaitsForRoom() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 2);
    target.hold(writer);
    assertThat(writer.offer("a")).isTrue();
    assertThat(writer.offer("b")).isTrue();
    assertThatThrownBy(() -> writer.offer("c")).isInstanceOf(WalQueueFullException.class)
        .hasMessageContaining("queueRecordsMax=2");
    CompletableFuture<Boolean> put = new CompletableFuture<>();
    Thread putter = new Thread(() -> {
      try {
        put.complete(writer.put("c"));
      } catch (Throwable e) {
        put.completeExceptionally(e);
      }
    });
    putter.start();
    awaitWaiting(putter);
    assertThat(put).isNotDone();
    target.release.countDown();
    assertThat(put.get(30, TimeUnit.SECONDS)).isTrue();
    writer.close();
    assertThat(target.events).containsSubsequence("write a", "write b", "write c").endsWith("close");
  }

  @Test
  void closeWakesAWaitingPutWhichQueuesNothing() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 1);
    target.hold(writer);
    assertThat(writer.offer("a")).isTrue();
    CompletableFuture<Boolean> put = new CompletableFuture<>();
    Thread putter = new Thread(() -> {
      try {
        put.complete(writer.put("late"));
      } catch (Throwable e) {
        put.completeExceptionally(e);
      }
    });
    putter.start();
    awaitWaiting(putter);
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        writer.close();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(put.get(30, TimeUnit.SECONDS)).as("refused by the close").isFalse();
    target.release.countDown();
    closed.get(30, TimeUnit.SECONDS);
    assertThat(target.events).contains("done [a] synced").doesNotContain("write late").endsWith("close");
    assertThat(writer.offer("later")).isFalse();
    assertThat(writer.failure()).isNull();
  }

  @Test
  void aFailedWriteFailsEveryTaskNotDoneOnceAndClosesTheTarget() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 16);
    target.hold(writer);
    for (String task : List.of("a", "boom", "b", "h1")) {
      assertThat(writer.offer(task)).isTrue();
    }
    target.release.countDown();
    assertThat(target.failedOrClosed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(writer.failure()).isInstanceOf(IOException.class).hasMessage("disk gone");
    assertThat(writer.offer("later")).as("refused after the failure").isFalse();
    assertThat(writer.put("later")).isFalse();
    assertThat(writer.tryInline("later")).isFalse();
    writer.close();
    // "a" was written but not synced: it is not done, and is failed with the rest.
    assertThat(target.events).containsExactly(
        "write stall", "sync", "done [stall] synced",
        "write a", "write boom", "failed disk gone [a, boom, b, h1]", "close");
  }

  @Test
  void aThrowingReportNeitherStopsTheWriterNorRepeatsTheBatch() throws Exception {
    Recorder target = new Recorder();
    target.throwInDone = true;
    GroupCommitWriter<String> writer = start(target, 16);
    target.hold(writer);
    assertThat(writer.offer("a")).isTrue();
    target.release.countDown();
    writer.close();
    assertThat(writer.failure()).isNull();
    assertThat(target.events).containsExactly(
        "write stall", "sync", "done [stall] synced", "write a", "sync", "done [a] synced", "close");
  }

  @Test
  void inlineOnlyWhileTheWriterHoldsNothingAndNothingIsQueued() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 16);
    assertThat(writer.tryInline("x")).as("idle writer: inline").isTrue();
    assertThat(writer.tryInline("hx")).as("idle writer, no sync needed").isTrue();
    target.hold(writer);
    assertThat(writer.tryInline("y")).as("the writer is inside a batch").isFalse();
    assertThat(writer.offer("a")).isTrue();
    target.release.countDown();
    writer.close();
    assertThat(writer.tryInline("z")).as("closed").isFalse();
    // An inline task is written (and synced if it needs it) but never reported through done().
    assertThat(target.events).containsExactly(
        "write x", "sync", "write hx",
        "write stall", "sync", "done [stall] synced", "write a", "sync", "done [a] synced", "close");
  }

  @Test
  void anInlineFailureIsTheCallersAndEndsTheWriter() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 16);
    assertThatThrownBy(() -> writer.tryInline("boom")).isInstanceOf(IOException.class).hasMessage("disk gone");
    assertThat(writer.failure()).hasMessage("disk gone");
    assertThat(target.failedOrClosed.await(30, TimeUnit.SECONDS)).as("the writer closes the target").isTrue();
    assertThat(writer.offer("later")).isFalse();
    assertThat(writer.tryInline("later")).isFalse();
    writer.close();
    // The caller heard of the failure; failed() is not told a second time.
    assertThat(target.events).containsExactly("write boom", "close");
  }

  @Test
  void closeFinishesEverythingQueuedFirst() throws Exception {
    Recorder target = new Recorder();
    GroupCommitWriter<String> writer = start(target, 1_000);
    target.hold(writer);
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      queued.add("t" + i);
      assertThat(writer.offer("t" + i)).isTrue();
    }
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        writer.close();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    target.release.countDown();
    closed.get(30, TimeUnit.SECONDS);
    assertThat(target.events).contains("done " + queued + " synced").endsWith("close");
    assertThat(target.events.stream().filter("close"::equals)).hasSize(1);
  }
}
