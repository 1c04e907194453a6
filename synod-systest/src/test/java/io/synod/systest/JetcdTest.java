package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jetcd client against a three-member cluster: one client over every endpoint, one over a
 * single follower. Each test works on its own key prefix.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JetcdTest {
  private static final long CALL_TIMEOUT_SECONDS = 10;

  @TempDir
  static Path dir;

  @RegisterExtension
  static final LogsOnFailure LOGS = new LogsOnFailure();

  private static Cluster cluster;
  private static Client client;
  private static Client followerClient;
  private static KV kv;
  private static KV followerKv;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = Cluster.start(dir.resolve("cluster"), 3);
    LOGS.watch(cluster);
    client = cluster.jetcdClient();
    int followerId = cluster.awaitLeader() % 3 + 1;
    followerClient = Client.builder().endpoints(cluster.clientUrl(followerId)).build();
    kv = client.getKVClient();
    followerKv = followerClient.getKVClient();
  }

  @AfterAll
  static void stopCluster() {
    try {
      for (Client c : new Client[] {client, followerClient}) {
        if (c != null) {
          c.close();
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void putThenGet() throws Exception {
    PutResponse first = await(kv.put(bytes("j/k"), bytes("v1")));
    PutResponse second = await(followerKv.put(bytes("j/k"), bytes("v2"), PutOption.builder().withPrevKV().build()));
    assertThat(second.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision() + 1);
    assertThat(second.hasPrevKv()).isTrue();
    assertThat(string(second.getPrevKv().getValue())).isEqualTo("v1");

    for (KV reader : List.of(kv, followerKv)) {
      GetResponse got = await(reader.get(bytes("j/k")));
      assertThat(got.getCount()).isEqualTo(1);
      KeyValue value = got.getKvs().get(0);
      assertThat(string(value.getKey())).isEqualTo("j/k");
      assertThat(string(value.getValue())).isEqualTo("v2");
      assertThat(value.getCreateRevision()).isEqualTo(first.getHeader().getRevision());
      assertThat(value.getModRevision()).isEqualTo(second.getHeader().getRevision());
      assertThat(value.getVersion()).isEqualTo(2);
    }
    assertThat(await(kv.get(bytes("j/missing"))).getKvs()).isEmpty();
  }

  @Test
  void countOnlyAndPrefix() throws Exception {
    for (int i = 0; i < 5; i++) {
      await(kv.put(bytes("p/" + i), bytes("v" + i)));
    }
    await(kv.put(bytes("p0"), bytes("outside the prefix")));

    GetResponse counted = await(followerKv.get(bytes("p/"),
        GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    assertThat(counted.getCount()).isEqualTo(5);
    assertThat(counted.getKvs()).isEmpty();

    GetResponse prefixed = await(kv.get(bytes("p/"), GetOption.builder().isPrefix(true).build()));
    assertThat(prefixed.getKvs()).extracting(k -> string(k.getKey()) + "=" + string(k.getValue()))
        .containsExactly("p/0=v0", "p/1=v1", "p/2=v2", "p/3=v3", "p/4=v4");
    GetResponse limited = await(kv.get(bytes("p/"), GetOption.builder().isPrefix(true).withLimit(2)
        .withSortOrder(GetOption.SortOrder.DESCEND).withSortField(GetOption.SortTarget.KEY).build()));
    assertThat(limited.getKvs()).extracting(k -> string(k.getKey())).containsExactly("p/4", "p/3");
    assertThat(limited.isMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(5);
  }

  @Test
  void deleteReturnsPreviousValues() throws Exception {
    await(kv.put(bytes("d/a"), bytes("1")));
    await(kv.put(bytes("d/b"), bytes("2")));
    await(kv.put(bytes("d/c"), bytes("3")));

    DeleteResponse one = await(followerKv.delete(bytes("d/a"), DeleteOption.builder().withPrevKV(true).build()));
    assertThat(one.getDeleted()).isEqualTo(1);
    assertThat(one.getPrevKvs()).extracting(k -> string(k.getKey()) + "=" + string(k.getValue()))
        .containsExactly("d/a=1");

    DeleteResponse rest = await(kv.delete(bytes("d/"),
        DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
    assertThat(rest.getDeleted()).isEqualTo(2);
    assertThat(rest.getPrevKvs()).extracting(k -> string(k.getKey()) + "=" + string(k.getValue()))
        .containsExactlyInAnyOrder("d/b=2", "d/c=3");

    DeleteResponse none = await(kv.delete(bytes("d/a")));
    assertThat(none.getDeleted()).isZero();
    assertThat(await(kv.get(bytes("d/"), GetOption.builder().isPrefix(true).build())).getCount()).isZero();
  }

  @Test
  void txnComparesVersion() throws Exception {
    await(kv.put(bytes("t/k"), bytes("v1")));
    await(kv.put(bytes("t/k"), bytes("v2")));

    TxnResponse hit = await(followerKv.txn()
        .If(new Cmp(bytes("t/k"), Cmp.Op.EQUAL, CmpTarget.version(2)))
        .Then(Op.put(bytes("t/k"), bytes("v3"), PutOption.DEFAULT))
        .Else(Op.get(bytes("t/k"), GetOption.DEFAULT))
        .commit());
    assertThat(hit.isSucceeded()).isTrue();
    assertThat(hit.getPutResponses()).hasSize(1);
    assertThat(hit.getGetResponses()).isEmpty();

    TxnResponse miss = await(kv.txn()
        .If(new Cmp(bytes("t/k"), Cmp.Op.EQUAL, CmpTarget.version(2)))
        .Then(Op.put(bytes("t/k"), bytes("never"), PutOption.DEFAULT))
        .Else(Op.get(bytes("t/k"), GetOption.DEFAULT))
        .commit());
    assertThat(miss.isSucceeded()).isFalse();
    assertThat(miss.getPutResponses()).isEmpty();
    assertThat(miss.getGetResponses()).hasSize(1);
    KeyValue seen = miss.getGetResponses().get(0).getKvs().get(0);
    assertThat(string(seen.getValue())).isEqualTo("v3");
    assertThat(seen.getVersion()).isEqualTo(3);

    TxnResponse greater = await(kv.txn()
        .If(new Cmp(bytes("t/k"), Cmp.Op.GREATER, CmpTarget.version(2)),
            new Cmp(bytes("t/k"), Cmp.Op.EQUAL, CmpTarget.value(bytes("v3"))))
        .Then(Op.delete(bytes("t/k"), DeleteOption.DEFAULT))
        .commit());
    assertThat(greater.isSucceeded()).isTrue();
    assertThat(greater.getDeleteResponses()).hasSize(1);
    assertThat(greater.getDeleteResponses().get(0).getDeleted()).isEqualTo(1);
  }

  @Test
  void watchOnAFollowerDeliversEveryChangeOfAPrefixWithPrevKvAndAnswersAProgressRequest() throws Exception {
    long start = await(kv.put(bytes("w/a"), bytes("1"))).getHeader().getRevision();
    java.util.concurrent.BlockingQueue<io.etcd.jetcd.watch.WatchResponse> responses =
        new java.util.concurrent.LinkedBlockingQueue<>();
    io.etcd.jetcd.Watch watchClient = followerClient.getWatchClient();
    io.etcd.jetcd.options.WatchOption option = io.etcd.jetcd.options.WatchOption.builder()
        .isPrefix(true).withRevision(start).withPrevKV(true).build();
    io.etcd.jetcd.Watch.Watcher watcher = watchClient.watch(bytes("w/"), option, responses::add);
    try {
      await(kv.put(bytes("w/a"), bytes("2")));
      await(kv.put(bytes("x/outside"), bytes("1")));
      long last = await(kv.delete(bytes("w/a"))).getHeader().getRevision();
      List<String> seen = new java.util.ArrayList<>();
      while (seen.size() < 3) {
        io.etcd.jetcd.watch.WatchResponse r = responses.poll(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(r).as("a watch response within %d s; seen %s", CALL_TIMEOUT_SECONDS, seen).isNotNull();
        for (io.etcd.jetcd.watch.WatchEvent e : r.getEvents()) {
          KeyValue prev = e.getPrevKV();
          seen.add(e.getEventType() + " " + string(e.getKeyValue().getKey()) + "=" + string(e.getKeyValue().getValue())
              + "@" + e.getKeyValue().getModRevision()
              + (prev == null || prev.getKey().isEmpty() ? "" : " prev=" + string(prev.getValue())));
        }
      }
      assertThat(seen).containsExactly("PUT w/a=1@" + start, "PUT w/a=2@" + (start + 1) + " prev=1",
          "DELETE w/a=@" + last + " prev=2");
      watchClient.requestProgress();
      io.etcd.jetcd.watch.WatchResponse progress = responses.poll(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(progress).as("a progress notification").isNotNull();
      assertThat(progress.isProgressNotify()).isTrue();
      assertThat(progress.getHeader().getRevision()).isGreaterThanOrEqualTo(last);
    } finally {
      watcher.close();
    }
  }

  @Test
  void aWatchFromACompactedRevisionEndsWithTheCompactedError() throws Exception {
    long first = await(kv.put(bytes("wc/k"), bytes("v1"))).getHeader().getRevision();
    long second = await(kv.put(bytes("wc/k"), bytes("v2"))).getHeader().getRevision();
    await(kv.compact(second));
    // A linearizable read through the follower goes through the log after the compaction, so once it
    // reports the revision compacted the follower has applied the compaction.
    assertThatThrownBy(() -> await(followerKv.get(bytes("wc/k"), GetOption.builder().withRevision(first).build())))
        .hasMessageContaining("compacted");
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    io.etcd.jetcd.Watch.Watcher watcher = followerClient.getWatchClient().watch(bytes("wc/k"),
        io.etcd.jetcd.options.WatchOption.builder().withRevision(first).build(),
        r -> failure.completeExceptionally(new AssertionError("unexpected response " + r.getEvents())),
        failure::complete);
    try {
      Throwable t = failure.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(t).hasMessageContaining("compacted");
    } finally {
      watcher.close();
    }
  }

  @Test
  void readingACompactedRevisionFails() throws Exception {
    long first = await(kv.put(bytes("c/k"), bytes("v1"))).getHeader().getRevision();
    long second = await(kv.put(bytes("c/k"), bytes("v2"))).getHeader().getRevision();
    await(kv.put(bytes("c/k"), bytes("v3")));

    GetResponse old = await(followerKv.get(bytes("c/k"), GetOption.builder().withRevision(first).build()));
    assertThat(string(old.getKvs().get(0).getValue())).isEqualTo("v1");

    await(kv.compact(second));
    for (KV reader : List.of(kv, followerKv)) {
      assertThatThrownBy(() -> await(reader.get(bytes("c/k"), GetOption.builder().withRevision(first).build())))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("compacted");
    }
    GetResponse kept = await(kv.get(bytes("c/k"), GetOption.builder().withRevision(second).build()));
    assertThat(string(kept.getKvs().get(0).getValue())).isEqualTo("v2");
  }

  @Test
  void requestsBeyondTheLimitsAreRefused() throws Exception {
    assertThatThrownBy(() -> await(kv.put(bytes("big/k"), ByteSequence.from(new byte[1_600_000]))))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: request is too large");
    Op[] ops = new Op[129];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = Op.put(bytes("ops/" + i), bytes("v"), PutOption.DEFAULT);
    }
    assertThatThrownBy(() -> await(kv.txn().Then(ops).commit()))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: too many operations in txn request");
    assertThat(await(kv.get(bytes("big/"), GetOption.builder().isPrefix(true).build())).getCount()).isZero();
    assertThat(await(kv.get(bytes("ops/"), GetOption.builder().isPrefix(true).build())).getCount()).isZero();
  }

  private static <T> T await(CompletableFuture<T> future)
      throws ExecutionException, InterruptedException, TimeoutException {
    return future.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
