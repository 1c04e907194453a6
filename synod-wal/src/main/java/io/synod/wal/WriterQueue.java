package io.synod.wal;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The queue between many appending threads and one writer thread, bounded in records and bytes, and
 * free of locks: with hundreds of appenders a lock here is contended on every append, and each
 * contended acquisition parks and wakes a thread, which on a small machine costs more CPU than the
 * append itself. The writer is woken only when it is parked, which it rarely is under load (it is
 * busy syncing).
 *
 * <p>{@link #shut()} closes the door: afterwards {@link #offer} refuses, and every offer that got in
 * before is already in the queue, so the owner can then add a final marker behind them.
 */
final class WriterQueue<T> {
  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  private final int recordsMax;
  private final long bytesMax;
  private final AtomicInteger records = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  /** Offers between their check of {@link #shut} and their enqueue; {@link #shut()} waits for zero. */
  private final AtomicInteger admitting = new AtomicInteger();
  private volatile boolean shut;
  private volatile Thread consumer;
  private volatile boolean consumerParked;

  WriterQueue(int recordsMax, long bytesMax) {
    Ensure.argument(recordsMax >= 1, "recordsMax must be positive");
    Ensure.argument(bytesMax >= 0, "bytesMax must not be negative");
    this.recordsMax = recordsMax;
    this.bytesMax = bytesMax;
  }

  /**
   * Queues {@code item}, counting one record of {@code itemBytes} against the bounds. Returns false,
   * queueing nothing, once the queue is shut.
   *
   * @throws WalQueueFullException if a bound would be exceeded (nothing was queued)
   */
  boolean offer(T item, int itemBytes) {
    admitting.incrementAndGet();
    try {
      // Sequentially consistent with shut(): either shut() sees this admission and waits for it, or
      // this check sees the queue shut.
      if (shut) {
        return false;
      }
      reserve(itemBytes);
      items.add(item);
    } finally {
      admitting.decrementAndGet();
    }
    wakeConsumer();
    return true;
  }

  /** Queues {@code item} outside the bounds and whether shut or not: for the owner's markers. */
  void add(T item) {
    items.add(item);
    wakeConsumer();
  }

  /** Refuses later offers and returns once every offer already admitted has been queued. */
  void shut() {
    shut = true;
    int spins = 0;
    while (admitting.get() != 0) {
      // An admission is a few atomic operations without blocking, so this wait is short.
      if (++spins % 64 == 0) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
    // Not re-read here: an offer that starts after the loop saw zero still passes through `admitting`
    // on its way to being refused, so a second read can be non-zero without anything being wrong.
    // The moment the loop saw zero after `shut` was set is what proves every earlier offer queued.
    Ensure.that(shut, "the queue stays shut");
  }

  /** Consumer: returns the bounds taken by {@code itemCount} items of {@code itemBytes} in all that left the queue. */
  void release(int itemCount, long itemBytes) {
    Ensure.that(itemCount >= 0, "released a negative count");
    int left = records.addAndGet(-itemCount);
    long leftBytes = bytes.addAndGet(-itemBytes);
    Ensure.that(left >= 0, "released more records than were queued");
    Ensure.that(leftBytes >= 0, "released more bytes than were queued");
  }

  /** Consumer: waits until something is queued, then moves up to {@code max} items into {@code batch}. */
  void takeBatch(List<T> batch, int max) throws InterruptedException {
    Ensure.that(batch.isEmpty(), "the batch starts empty");
    if (consumer == null) {
      consumer = Thread.currentThread();
    }
    Ensure.that(consumer == Thread.currentThread(), "one consumer thread");
    while (true) {
      T item;
      while (batch.size() < max && (item = items.poll()) != null) {
        batch.add(item);
      }
      if (!batch.isEmpty()) {
        return;
      }
      consumerParked = true;
      // Check again after announcing the park: an offer that missed the flag is seen here.
      if (items.isEmpty()) {
        LockSupport.park(this);
      }
      consumerParked = false;
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for requests");
      }
    }
  }

  /** Everything still queued, for failing it. */
  List<T> drain() {
    List<T> out = new ArrayList<>();
    T item;
    while ((item = items.poll()) != null) {
      out.add(item);
    }
    return out;
  }

  private void reserve(int itemBytes) {
    int n;
    do {
      n = records.get();
      if (n >= recordsMax) {
        throw new WalQueueFullException("write-ahead log queue holds queueRecordsMax=" + recordsMax + " records");
      }
    } while (!records.compareAndSet(n, n + 1));
    long b;
    do {
      b = bytes.get();
      if (b + itemBytes > bytesMax) {
        records.decrementAndGet();
        throw new WalQueueFullException("write-ahead log queue holds queueBytesMax=" + bytesMax + " bytes");
      }
    } while (!bytes.compareAndSet(b, b + itemBytes));
  }

  private void wakeConsumer() {
    Thread waiting = consumer;
    if (consumerParked && waiting != null) {
      LockSupport.unpark(waiting);
    }
  }
}
