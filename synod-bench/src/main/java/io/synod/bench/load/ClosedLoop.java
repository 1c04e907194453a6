package io.synod.bench.load;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measured point: {@code clients} closed-loop clients, each with one operation in flight, for a
 * ramp period (not measured) and then a measured window. Latencies of successful operations completed
 * inside the window go to an HdrHistogram in microseconds. A watchdog fails any operation that has
 * been in flight longer than the timeout, so every loop and every wait is bounded.
 */
final class ClosedLoop {
  /** What a point measured. */
  record Result(Workload workload, int clients, double seconds, Histogram micros, long errors, long timeouts,
      long cpuNanos, long serverCpuNanos, String firstError, boolean drained) {
    long ops() {
      return micros.getTotalCount();
    }

    double throughput() {
      return seconds > 0 ? ops() / seconds : 0;
    }

    /** Microseconds of this process's CPU time per successful operation. */
    double cpuMicrosPerOp() {
      return ops() > 0 ? cpuNanos / 1e3 / ops() : 0;
    }

    /** This process's CPU time over the window, in cores. */
    double cpuCores() {
      return seconds > 0 ? cpuNanos / 1e9 / seconds : 0;
    }

    /** Microseconds of the servers' CPU time per successful operation; NaN when not measured. */
    double serverCpuMicrosPerOp() {
      return serverCpuNanos >= 0 && ops() > 0 ? serverCpuNanos / 1e3 / ops() : Double.NaN;
    }

    /** The servers' CPU time over the window, in cores; NaN when not measured. */
    double serverCpuCores() {
      return serverCpuNanos >= 0 && seconds > 0 ? serverCpuNanos / 1e9 / seconds : Double.NaN;
    }
  }

  private static final long ERROR_BACKOFF_MILLIS = 10;

  private final KvTarget target;
  private final ServerCpu serverCpu;
  private final Workload workload;
  private final int keys;
  private final long timeoutNanos;
  private final ScheduledExecutorService timer;
  private final Recorder recorder = new Recorder(3);
  private final LongAdder errors = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile boolean stopping;
  private final CountDownLatch stopped;
  private final List<Client> clients = new ArrayList<>();

  private ClosedLoop(KvTarget target, ServerCpu serverCpu, Workload workload, int clientCount, int keys,
      long timeoutNanos, ScheduledExecutorService timer, long seed) {
    this.target = target;
    this.serverCpu = serverCpu;
    this.workload = workload;
    this.keys = keys;
    this.timeoutNanos = timeoutNanos;
    this.timer = timer;
    this.stopped = new CountDownLatch(clientCount);
    SplittableRandom seeds = new SplittableRandom(seed);
    for (int i = 0; i < clientCount; i++) {
      clients.add(new Client(i, seeds.split()));
    }
  }

  /** Runs one point; {@code rampNanos} of load before the measured {@code windowNanos}. */
  static Result run(KvTarget target, ServerCpu serverCpu, Workload workload, int clientCount, int keys,
      long rampNanos, long windowNanos, long timeoutNanos, ScheduledExecutorService timer, long seed)
      throws InterruptedException {
    return new ClosedLoop(target, serverCpu, workload, clientCount, keys, timeoutNanos, timer, seed)
        .measure(rampNanos, windowNanos);
  }

  private Result measure(long rampNanos, long windowNanos) throws InterruptedException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ScheduledFuture<?> watchdog = timer.scheduleWithFixedDelay(this::expireStuck, 100, 100, TimeUnit.MILLISECONDS);
    try {
      for (Client client : clients) {
        client.issue();
      }
      TimeUnit.NANOSECONDS.sleep(rampNanos);
      recorder.getIntervalHistogram();
      long errors0 = errors.sum();
      long timeouts0 = timeouts.sum();
      long cpu0 = os.getProcessCpuTime();
      long server0 = serverCpu.nanos();
      long start = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(windowNanos);
      Histogram window = recorder.getIntervalHistogram();
      long end = System.nanoTime();
      long cpu1 = os.getProcessCpuTime();
      long server1 = serverCpu.nanos();
      long errors1 = errors.sum();
      long timeouts1 = timeouts.sum();
      stopping = true;
      // Each client stops after its operation in flight; the watchdog bounds that by the timeout.
      boolean drained = stopped.await(timeoutNanos + TimeUnit.SECONDS.toNanos(2), TimeUnit.NANOSECONDS);
      return new Result(workload, clients.size(), (end - start) / 1e9, window, errors1 - errors0,
          timeouts1 - timeouts0, cpu1 - cpu0, server0 < 0 || server1 < 0 ? -1 : server1 - server0,
          firstError.get(), drained);
    } finally {
      stopping = true;
      watchdog.cancel(false);
    }
  }

  private void expireStuck() {
    long now = System.nanoTime();
    for (Client client : clients) {
      client.expireIfStuck(now);
    }
  }

  private void noteError(Throwable error) {
    errors.increment();
    if (firstError.get() == null) {
      firstError.compareAndSet(null, String.valueOf(error));
    }
  }

  /** One closed-loop client: the token of its operation in flight, or 0. */
  private final class Client {
    private final int index;
    private final SplittableRandom random;
    private final AtomicLong inFlight = new AtomicLong();
    private volatile long startedNanos;
    private long sequence;

    Client(int index, SplittableRandom random) {
      this.index = index;
      this.random = random;
    }

    /** Starts the next operation; called by whoever ended the previous one, so never concurrently. */
    void issue() {
      if (stopping) {
        stopped.countDown();
        return;
      }
      long token = ++sequence;
      int key = random.nextInt(keys);
      boolean write = workload.nextIsWrite(random);
      startedNanos = System.nanoTime();
      inFlight.set(token);
      try {
        if (workload == Workload.LEASE_KEEP_ALIVE) {
          target.keepAlive(index, key, error -> complete(token, error));
        } else if (write) {
          target.put(index, key, error -> complete(token, error));
        } else {
          target.get(index, key, workload.linearizableReads(), error -> complete(token, error));
        }
      } catch (RuntimeException e) {
        complete(token, e);
      }
    }

    void complete(long token, Throwable error) {
      long elapsed = System.nanoTime() - startedNanos;
      if (!inFlight.compareAndSet(token, 0)) {
        return; // already failed by the watchdog
      }
      if (error == null) {
        recorder.recordValue(Math.max(1, elapsed / 1_000));
        issue();
      } else {
        noteError(error);
        retryLater();
      }
    }

    void expireIfStuck(long now) {
      long token = inFlight.get();
      if (token != 0 && now - startedNanos > timeoutNanos && inFlight.compareAndSet(token, 0)) {
        timeouts.increment();
        noteError(new java.util.concurrent.TimeoutException("no reply within " + timeoutNanos / 1_000_000 + " ms"));
        retryLater();
      }
    }

    private void retryLater() {
      try {
        timer.schedule(this::issue, ERROR_BACKOFF_MILLIS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        stopped.countDown();
      }
    }
  }
}
