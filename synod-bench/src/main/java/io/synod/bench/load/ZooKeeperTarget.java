package io.synod.bench.load;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * A ZooKeeper ensemble through ZooKeeper's own Java client: {@code sessionsPerServer} sessions to each
 * server (each session is bound to its one server), clients spread round-robin over them. A put is
 * {@code setData} on a pre-created znode; a serializable get is {@code getData}; a linearizable get
 * is {@code sync} followed on the same session by {@code getData}. The two are sent back to back:
 * a session's requests are handled in order, so the read is served after the sync has gone through
 * the leader, and it saves the client a round trip. No per-request timeout exists in the client; the
 * closed loop's watchdog bounds each operation instead.
 */
final class ZooKeeperTarget implements KvTarget {
  static final String ROOT = "/synod-bench";

  private final List<ZooKeeper> sessions = new ArrayList<>();
  private final String[] paths;
  private final byte[][] values;

  ZooKeeperTarget(List<InetSocketAddress> servers, int sessionsPerServer, int keyCount, byte[][] values,
      Duration connectBound) throws Exception {
    this.values = values;
    this.paths = new String[keyCount];
    for (int i = 0; i < keyCount; i++) {
      paths[i] = String.format(Locale.ROOT, "%s/k%05d", ROOT, i);
    }
    List<CountDownLatch> connected = new ArrayList<>();
    try {
      for (int s = 0; s < sessionsPerServer; s++) {
        for (InetSocketAddress server : servers) {
          CountDownLatch latch = new CountDownLatch(1);
          Watcher watcher = event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
              latch.countDown();
            }
          };
          sessions.add(new ZooKeeper(server.getHostString() + ":" + server.getPort(), 30_000, watcher));
          connected.add(latch);
        }
      }
      long deadline = System.nanoTime() + connectBound.toNanos();
      for (int i = 0; i < connected.size(); i++) {
        if (!connected.get(i).await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new TimeoutException("ZooKeeper session " + i + " not connected within " + connectBound);
        }
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  @Override
  public int connections() {
    return sessions.size();
  }

  private ZooKeeper session(int client) {
    return sessions.get(client % sessions.size());
  }

  private static Throwable failure(int rc, String path) {
    return rc == KeeperException.Code.OK.intValue() ? null : KeeperException.create(KeeperException.Code.get(rc), path);
  }

  @Override
  public void put(int client, int key, Done done) {
    byte[] value = values[ThreadLocalRandom.current().nextInt(values.length)];
    session(client).setData(paths[key], value, -1, (rc, path, ctx, stat) -> done.completed(failure(rc, path)), null);
  }

  @Override
  public void get(int client, int key, boolean linearizable, Done done) {
    ZooKeeper zk = session(client);
    String path = paths[key];
    if (!linearizable) {
      zk.getData(path, false, (rc, p, ctx, data, stat) -> done.completed(readFailure(rc, p, data)), null);
      return;
    }
    // Callbacks of one session run in order on its event thread: the sync's comes first.
    Throwable[] syncFailure = new Throwable[1];
    zk.sync(path, (rc, p, ctx) -> syncFailure[0] = failure(rc, p), null);
    zk.getData(path, false, (rc, p, ctx, data, stat) -> {
      Throwable error = readFailure(rc, p, data);
      done.completed(syncFailure[0] != null ? syncFailure[0] : error);
    }, null);
  }

  private static Throwable readFailure(int rc, String path, byte[] data) {
    Throwable error = failure(rc, path);
    if (error == null && (data == null || data.length == 0)) {
      return new IllegalStateException("empty znode " + path);
    }
    return error;
  }

  @Override
  public void prepare(int keyCount, Duration bound) throws Exception {
    ZooKeeper zk = sessions.get(0);
    try {
      zk.create(ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException e) {
      // left by an earlier run against the same ensemble
    }
    Pipelined.run(keyCount, 64, bound, (i, done) ->
        zk.create(paths[i], values[i % values.length], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
            (rc, path, ctx, name) -> {
              if (rc == KeeperException.Code.NODEEXISTS.intValue()) {
                zk.setData(path, values[i % values.length], -1,
                    (rc2, path2, ctx2, stat) -> done.completed(failure(rc2, path2)), null);
              } else {
                done.completed(failure(rc, path));
              }
            }, null));
  }

  @Override
  public void close() {
    for (ZooKeeper zk : sessions) {
      try {
        zk.close(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
