package io.synod.wal;

import io.synod.common.Ensure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue between submitting threads and one writer thread, bounded in items and bytes, and free
 * of locks on its fast path: with hundreds of appenders a lock here is contended on every append, and
 * each contended acquisition parks and wakes a thread, which on a small machine costs more CPU than
 * the append itself. The writer is woken only when it is parked, which it rarely is under load (it
 * is busy syncing).
 *
 * <p>A producer at the bound either fails at once ({@link #offer}) or blocks until the writer
 * releases room ({@link #put}); only the blocking path takes a lock, and the writer looks at it only
 * when a producer waits.
 *
 * <p>{@link #shut()} closes the door: afterwards offers are refused, every offer that got in before
 * is already in the queue, and {@link #takeBatch} hands those out and then reports the queue
 * finished.
 */
final class WriterQueue<T> {
  private static final int ADMITTED = 0;
  private static final int REFUSED_SHUT = 1;
  private static final int FULL_ITEMS = 2;
  private static final int FULL_BYTES = 3;

  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  private final int recordsMax;
  private final long bytesMax;
  private final AtomicInteger records = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  /** Offers between their check of {@link #shut} and their enqueue; {@link #shut()} waits for zero. */
  private final AtomicInteger admitting = new AtomicInteger();
  /** Producers blocked in {@link #put} waiting for room; the writer signals only when there are some. */
  private final AtomicInteger blocked = new AtomicInteger();
  private final ReentrantLock roomLock = new ReentrantLock();
  private final Condition room = roomLock.newCondition();
  private volatile boolean shut;
  /** Set once {@link #shut} is set and every admitted offer is queued: an empty queue is then final. */
  private volatile boolean sealed;
  private volatile Thread consumer;
  /**
   * The consumer has finished everything it took and waits for more (or has not taken anything yet).
   * It is cleared before every poll, so a submitter that finds the queue empty and then this flag set
   * knows the consumer holds no item (see {@link #consumerIdle()}). Also tells producers to unpark it.
   */
  private volatile boolean idle = true;

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
    int outcome = admit(item, itemBytes);
    if (outcome == FULL_ITEMS) {
      throw new WalQueueFullException("write-ahead log queue holds queueRecordsMax=" + recordsMax + " records");
    }
    if (outcome == FULL_BYTES) {
      throw new WalQueueFullException("write-ahead log queue holds queueBytesMax=" + bytesMax + " bytes");
    }
    return outcome == ADMITTED;
  }

  /**
   * Queues {@code item} like {@link #offer}, but waits while a bound would be exceeded. Returns false,
   * queueing nothing, once the queue is shut (also if it is shut while this waits).
   */
  boolean put(T item, int itemBytes) throws InterruptedException {
    Ensure.argument(itemBytes <= bytesMax, "an item larger than the byte bound would wait forever");
    while (true) {
      int outcome = admit(item, itemBytes);
      if (outcome == ADMITTED) {
        return true;
      }
      if (outcome == REFUSED_SHUT) {
        return false;
      }
      awaitRoom(itemBytes);
    }
  }

  private int admit(T item, int itemBytes) {
    admitting.incrementAndGet();
    try {
      // Sequentially consistent with shut(): either shut() sees this admission and waits for it, or
      // this check sees the queue shut.
      if (shut) {
        return REFUSED_SHUT;
      }
      int outcome = reserve(itemBytes);
      if (outcome != ADMITTED) {
        return outcome;
      }
      items.add(item);
    } finally {
      admitting.decrementAndGet();
    }
    wakeConsumer();
    return ADMITTED;
  }

  /**
   * Waits until the bounds have room for one item of {@code itemBytes}, or the queue is shut. The
   * count of blocked producers goes up before the bounds are read, and {@link #release} reads it
   * after lowering them: so either this sees the room, or the release sees this producer and
   * signals (under the lock, which this holds from its check until it waits).
   */
  private void awaitRoom(int itemBytes) throws InterruptedException {
    blocked.incrementAndGet();
    roomLock.lock();
    try {
      while (!shut && (records.get() >= recordsMax || bytes.get() + itemBytes > bytesMax)) {
        room.await();
      }
    } finally {
      roomLock.unlock();
      blocked.decrementAndGet();
    }
  }

  private void signalRoom() {
    roomLock.lock();
    try {
      room.signalAll();
    } finally {
      roomLock.unlock();
    }
  }

  /**
   * Refuses later offers, returns once every offer already admitted has been queued, and then tells
   * the consumer that the queue is finished once it is empty. Idempotent; any thread.
   */
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
    sealed = true;
    wakeConsumer();
    if (blocked.get() > 0) {
      signalRoom();
    }
  }

  /** Whether {@link #shut()} was called. */
  boolean isShut() {
    return shut;
  }

  /** Consumer: returns the bounds taken by {@code itemCount} items of {@code itemBytes} in all that left the queue. */
  void release(int itemCount, long itemBytes) {
    Ensure.that(itemCount >= 0, "released a negative count");
    int left = records.addAndGet(-itemCount);
    long leftBytes = bytes.addAndGet(-itemBytes);
    Ensure.that(left >= 0, "released more records than were queued");
    Ensure.that(leftBytes >= 0, "released more bytes than were queued");
    if (blocked.get() > 0) {
      signalRoom();
    }
  }

  /**
   * Consumer: waits until something is queued, then moves up to {@code max} items into {@code batch}
   * and returns true; returns false, taking nothing, once the queue is shut and everything admitted
   * before has been taken. The caller must have finished every item it took before: from here until
   * it takes one, the consumer counts as idle.
   */
  boolean takeBatch(List<T> batch, int max) throws InterruptedException {
    Ensure.that(batch.isEmpty(), "the batch starts empty");
    Ensure.that(max >= 1, "a batch holds at least one item");
    if (consumer == null) {
      consumer = Thread.currentThread();
    }
    Ensure.that(consumer == Thread.currentThread(), "one consumer thread");
    while (true) {
      // Cleared before polling, so that nobody who then finds the queue empty takes it as idle.
      idle = false;
      // Read before polling: once sealed, every admitted item is in the queue, so an empty poll is final.
      boolean finished = sealed;
      T item;
      while (batch.size() < max && (item = items.poll()) != null) {
        batch.add(item);
      }
      if (!batch.isEmpty()) {
        return true;
      }
      if (finished) {
        return false;
      }
      idle = true;
      // Check again after announcing the park: an offer or a shut that missed the flag is seen here.
      if (items.isEmpty() && !sealed) {
        LockSupport.park(this);
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for requests");
      }
    }
  }

  /**
   * Whether the consumer holds no item and none is queued, read by the one thread that submits: it
   * stays true until that thread submits again. The queue is read before the flag: the consumer
   * clears the flag before it polls, so an item it took is either still seen queued here or its
   * cleared flag is. The consumer set the flag after finishing its last item, so its effects are
   * visible to a caller that reads true.
   */
  boolean consumerIdle() {
    return items.isEmpty() && idle && !shut;
  }

  /** Whether nothing is queued (the consumer may still hold items it took). */
  boolean isEmpty() {
    return items.isEmpty();
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

  private int reserve(int itemBytes) {
    int n;
    do {
      n = records.get();
      if (n >= recordsMax) {
        return FULL_ITEMS;
      }
    } while (!records.compareAndSet(n, n + 1));
    long b;
    do {
      b = bytes.get();
      if (b + itemBytes > bytesMax) {
        records.decrementAndGet();
        return FULL_BYTES;
      }
    } while (!bytes.compareAndSet(b, b + itemBytes));
    return ADMITTED;
  }

  private void wakeConsumer() {
    Thread waiting = consumer;
    if (idle && waiting != null) {
      LockSupport.unpark(waiting);
    }
  }
}
