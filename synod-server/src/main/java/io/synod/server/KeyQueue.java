package io.synod.server;

import io.synod.kv.Bytes;
import io.synod.kv.Compare;
import io.synod.kv.KeyValue;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The queue of keys under a prefix that etcd's locks and elections use: each contender writes one key
 * {@code prefix + hex(lease)} attached to its lease, the key with the lowest create revision holds the
 * lock (or leads), and a contender's turn comes once every key created before its own is gone (deleted,
 * or expired with its lease). The create revision is the holder's fencing token: it grows with every
 * new holder.
 */
final class KeyQueue {
  /**
   * Keys waited for, one after another, in one {@link #waitDeletes}: each is deleted before the next is
   * looked up, and only keys created before the waiter's own count, so there are never more than the
   * contenders that were ahead of it; the bound only stops a runaway.
   */
  private static final int WAITS_MAX = 1_000_000;

  private final LocalKv kv;
  private final KeyChanges changes;

  KeyQueue(LocalKv kv, KeyChanges changes) {
    this.kv = kv;
    this.changes = changes;
  }

  LocalKv kv() {
    return kv;
  }

  KeyChanges changes() {
    return changes;
  }

  /** The key a contender with {@code lease} uses under {@code prefix}: etcd's {@code prefix + "%x"}. */
  static byte[] contenderKey(byte[] prefix, long lease) {
    byte[] hex = Bytes.utf8(Long.toHexString(lease));
    byte[] key = new byte[prefix.length + hex.length];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    System.arraycopy(hex, 0, key, prefix.length, hex.length);
    return key;
  }

  /** {@code name + "/"}: the prefix of a lock's or election's keys. */
  static byte[] prefix(byte[] name) {
    byte[] prefix = new byte[name.length + 1];
    System.arraycopy(name, 0, prefix, 0, name.length);
    prefix[name.length] = '/';
    return prefix;
  }

  /** The first key created under {@code prefix} (the holder): create revision ascending, one key. */
  static RangeRequest firstCreated(byte[] prefix) {
    return RangeRequest.prefix(prefix).sorted(RangeRequest.SortOrder.ASCEND, RangeRequest.SortTarget.CREATE)
        .withLimit(1);
  }

  /** Whether {@code key} exists with create revision {@code rev}: the holder's key is still its own. */
  static Compare stillCreatedAt(byte[] key, long rev) {
    return Compare.createRevision(key, Compare.Result.EQUAL, rev);
  }

  /**
   * Completes once no key under {@code prefix} has a create revision ≤ {@code maxCreateRevision}: waits
   * for the newest such key to be deleted, then looks again, as etcd's {@code waitDeletes} does.
   */
  CompletableFuture<Void> waitDeletes(byte[] prefix, long maxCreateRevision, Cancel cancel) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    next(prefix, maxCreateRevision, cancel, done, 0);
    return done;
  }

  private void next(byte[] prefix, long maxCreateRevision, Cancel cancel, CompletableFuture<Void> done, int waits) {
    if (waits >= WAITS_MAX) {
      done.completeExceptionally(new IllegalStateException("synod: gave up after waiting for " + waits + " keys"));
      return;
    }
    if (cancel.cancelled()) {
      done.completeExceptionally(new CancellationException("the request was cancelled"));
      return;
    }
    RangeRequest newestBefore = RangeRequest.prefix(prefix)
        .sorted(RangeRequest.SortOrder.DESCEND, RangeRequest.SortTarget.CREATE)
        .withLimit(1)
        .withCreateRevisions(0, maxCreateRevision);
    kv.range(newestBefore).whenComplete((RangeResponse r, Throwable error) -> {
      if (error != null) {
        done.completeExceptionally(error);
      } else if (r.kvs().isEmpty()) {
        done.complete(null);
      } else {
        waitDelete(r.kvs().get(0).key(), r.header().revision(), cancel).whenComplete((ignored, failed) -> {
          if (failed != null) {
            done.completeExceptionally(failed);
          } else {
            next(prefix, maxCreateRevision, cancel, done, waits + 1);
          }
        });
      }
    });
  }

  /** Completes when {@code key} is deleted at a revision ≥ {@code fromRevision}. */
  CompletableFuture<Void> waitDelete(byte[] key, long fromRevision, Cancel cancel) {
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    KeyChanges.Watch watch = changes.watch(key, Bytes.EMPTY, fromRevision, new KeyChanges.Listener() {
      @Override
      public void changed(KeyValue kv, boolean isDelete) {
        if (isDelete) {
          deleted.complete(null);
        }
      }

      @Override
      public void ended(Throwable reason) {
        deleted.completeExceptionally(reason);
      }
    });
    cancel.onCancel(() -> deleted.completeExceptionally(new CancellationException("the request was cancelled")));
    deleted.whenComplete((ignored, error) -> watch.close());
    return deleted;
  }

  /** A request's cancellation (the client went away): stops what waits for it. */
  static final class Cancel {
    private boolean cancelled;
    private Runnable action;

    synchronized boolean cancelled() {
      return cancelled;
    }

    /** Runs {@code then} when cancelled (at once if already); replaces an earlier action. */
    void onCancel(Runnable then) {
      boolean now;
      synchronized (this) {
        action = then;
        now = cancelled;
      }
      if (now) {
        then.run();
      }
    }

    void cancel() {
      Runnable run;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        run = action;
      }
      if (run != null) {
        run.run();
      }
    }
  }
}
