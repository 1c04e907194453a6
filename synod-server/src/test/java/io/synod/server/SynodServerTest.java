package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three servers in one JVM on loopback, driven through the etcd v3 gRPC stubs. */
class SynodServerTest {
  @TempDir Path dir;
  private final List<SynodServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private KVGrpc.KVBlockingStub leaderless;
  private KVGrpc.KVBlockingStub follower;

  private static ByteString b(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() throws Exception {
    startCluster(0, 0);
  }

  private void startCluster(long quotaBytes, long retention) throws Exception {
    startCluster(quotaBytes, retention, io.synod.paxos.ReadLeaseConfig.off());
  }

  private void startCluster(long quotaBytes, long retention, io.synod.paxos.ReadLeaseConfig leases) throws Exception {
    StringBuilder spec = new StringBuilder();
    List<Integer> ports = TestPorts.free(6);
    for (int id = 1; id <= 3; id++) {
      spec.append(id == 1 ? "" : ",").append(id).append("=127.0.0.1:").append(ports.get(2 * id - 2))
          .append("/127.0.0.1:").append(ports.get(2 * id - 1));
    }
    List<Member> members = Member.parseAll(spec.toString());
    for (Member m : members) {
      servers.add(SynodServer.start(new ServerConfig(m.id(), members, dir.resolve("m" + m.id()),
          ServerConfig.REQUEST_BYTES_DEFAULT, ServerConfig.TXN_OPS_DEFAULT, false, quotaBytes, retention,
          leases, 1.0)));
      channels.add(NettyChannelBuilder.forAddress(m.client()).usePlaintext().build());
    }
    leaderless = KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(20, TimeUnit.SECONDS);
    follower = KVGrpc.newBlockingStub(channels.get(1)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (SynodServer s : servers) {
      s.close();
    }
  }

  /**
   * With read leases on, every member answers linearizable ranges, most from its own state: each get,
   * on whichever member, sees the put acknowledged just before it through another member.
   */
  @Test
  void withReadLeasesEveryMemberAnswersLinearizableReadsFromItsOwnState() throws Exception {
    stop();
    servers.clear();
    channels.clear();
    startCluster(0, 0, io.synod.paxos.ReadLeaseConfig.defaults().withTimes(1_000_000_000L, 250_000_000L));
    List<KVGrpc.KVBlockingStub> stubs = new ArrayList<>();
    for (ManagedChannel channel : channels) {
      stubs.add(KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
    }

    for (int i = 0; i < 60; i++) {
      stubs.get(i % 3).put(PutRequest.newBuilder().setKey(b("rl")).setValue(b("v" + i)).build());
      RangeResponse got = stubs.get((i + 1) % 3).range(RangeRequest.newBuilder().setKey(b("rl")).build());
      assertThat(got.getKvs(0).getValue().toStringUtf8()).as("get %d", i).isEqualTo("v" + i);
    }
    // Each member's Status answer carries its read counts: every get counted once, some locally.
    long local = 0;
    long throughLog = 0;
    for (ManagedChannel channel : channels) {
      java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata> headers = new java.util.concurrent.atomic.AtomicReference<>();
      MaintenanceGrpc.newBlockingStub(channel)
          .withInterceptors(io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(headers,
              new java.util.concurrent.atomic.AtomicReference<>()))
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .status(io.etcd.jetcd.api.StatusRequest.getDefaultInstance());
      local += Long.parseLong(headers.get().get(ReadCountHeaders.READS_LOCAL));
      throughLog += Long.parseLong(headers.get().get(ReadCountHeaders.READS_THROUGH_LOG));
    }
    assertThat(local + throughLog).as("reads counted in the members' Status headers").isEqualTo(60);
    assertThat(local).as("reads the Status headers count as local").isPositive();
  }

  @Test
  void overTheQuotaPutsAreRefusedUntilCompactionFreesSpace() throws Exception {
    stop();
    servers.clear();
    channels.clear();
    startCluster(64 << 10, 0);
    PutRequest put = PutRequest.newBuilder().setKey(b("q")).setValue(ByteString.copyFrom(new byte[4096])).build();
    StatusRuntimeException refused = null;
    long revision = 0;
    for (int i = 0; i < 100 && refused == null; i++) {
      try {
        revision = follower.put(put).getHeader().getRevision();
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("a put over the quota is refused").isNotNull();
    assertThat(refused).hasMessage("RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded");
    assertThat(revision).as("the quota let some puts through first").isGreaterThan(10);
    TxnRequest txnPut = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("t")).setValue(b("v"))))
        .build();
    assertThatThrownBy(() -> follower.txn(txnPut)).hasMessageContaining("database space exceeded");
    // Hitting the quota raised the NOSPACE alarm through the log, for the member that refused.
    MaintenanceGrpc.MaintenanceBlockingStub maintenance =
        MaintenanceGrpc.newBlockingStub(channels.get(1)).withDeadlineAfter(20, TimeUnit.SECONDS);
    AlarmRequest list = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build();
    io.synod.node.Node<?> node2 = servers.get(1).node();
    long applied = node2.status().appliedUpTo();
    java.util.List<AlarmMember> alarms = maintenance.alarm(list).getAlarmsList();
    for (int i = 0; i < 20 && alarms.isEmpty(); i++) {
      // The alarm's proposal may still be in flight: wait for the member to apply another slot.
      long seen = applied;
      node2.awaitStatus(st -> st.appliedUpTo() > seen, TimeUnit.SECONDS.toNanos(5));
      applied = node2.status().appliedUpTo();
      alarms = maintenance.alarm(list).getAlarmsList();
    }
    assertThat(alarms).containsExactly(AlarmMember.newBuilder().setMemberID(2).setAlarm(AlarmType.NOSPACE).build());
    // Reads and compaction still work; compaction makes room, but writes wait for the disarm.
    assertThat(follower.range(RangeRequest.newBuilder().setKey(b("q")).build()).getCount()).isEqualTo(1);
    follower.compact(CompactionRequest.newBuilder().setRevision(revision).build());
    assertThatThrownBy(() -> follower.put(put)).hasMessageContaining("database space exceeded");
    assertThat(maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
        .setMemberID(2).setAlarm(AlarmType.NOSPACE).build()).getAlarmsList()).hasSize(1);
    assertThat(maintenance.alarm(list).getAlarmsList()).isEmpty();
    assertThat(follower.put(put).getHeader().getRevision()).isEqualTo(revision + 1);
  }

  @Test
  void theLeaderCompactsHistoryBeyondTheRetention() throws Exception {
    stop();
    servers.clear();
    channels.clear();
    startCluster(0, 10);
    long revision = 0;
    for (int i = 0; i < 30; i++) {
      revision = follower.put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v" + i)).build())
          .getHeader().getRevision();
    }
    SynodServer leader = null;
    for (SynodServer s : servers) {
      if (s.node().status().role() == io.synod.paxos.Replica.Role.LEADER) {
        leader = s;
      }
    }
    assertThat(leader).as("a leader after 30 acknowledged puts").isNotNull();
    // Followers never compact on their own.
    for (SynodServer s : servers) {
      if (s != leader) {
        assertThat(s.compactor().check()).isNull();
      }
    }
    // Its timer may have compacted already or be compacting: check until nothing is left to do.
    java.util.concurrent.CompletableFuture<io.synod.kv.KvResult> compaction = leader.compactor().check();
    for (int i = 0; i < 5 && compaction != null; i++) {
      compaction.get(20, TimeUnit.SECONDS);
      compaction = leader.compactor().check();
    }
    assertThat(compaction).as("no compaction left to do").isNull();
    long kept = revision - 10;
    // A linearizable read goes through the log, after the compaction.
    assertThatThrownBy(() -> follower.range(RangeRequest.newBuilder().setKey(b("k")).setRevision(kept - 10).build()))
        .hasMessage("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
    assertThat(follower.range(RangeRequest.newBuilder().setKey(b("k")).setRevision(revision - 1).build())
        .getKvs(0).getValue().toStringUtf8()).isEqualTo("v28");
  }

  private KVGrpc.KVBlockingStub inSession(KVGrpc.KVBlockingStub stub, String clientId, String sequence) {
    io.grpc.Metadata metadata = new io.grpc.Metadata();
    metadata.put(ClientSession.CLIENT_ID, clientId);
    metadata.put(ClientSession.SEQUENCE, sequence);
    return stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  @Test
  void aRetriedWriteInASessionIsAppliedOnceAndAnsweredWithTheOriginalReply() {
    PutRequest put = PutRequest.newBuilder().setKey(b("once")).setValue(b("v")).build();
    long first = inSession(follower, "77", "1").put(put).getHeader().getRevision();
    // The client retries the same request (same session and sequence) through another member.
    long retried = inSession(leaderless, "77", "1").put(put).getHeader().getRevision();
    assertThat(retried).isEqualTo(first);
    RangeResponse range = leaderless.range(RangeRequest.newBuilder().setKey(b("once")).build());
    assertThat(range.getKvs(0).getVersion()).as("applied once").isEqualTo(1);
    assertThat(range.getHeader().getRevision()).isEqualTo(first);
    // The next request of the session is applied; an older one is refused.
    assertThat(inSession(follower, "77", "2").put(put).getHeader().getRevision()).isEqualTo(first + 1);
    assertThatThrownBy(() -> inSession(follower, "77", "1").put(put))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("older than the client's last applied request");
    // Without a session, etcd's behaviour: every put is a new write.
    assertThat(follower.put(put).getHeader().getRevision()).isEqualTo(first + 2);
    assertThatThrownBy(() -> inSession(follower, "x", "1").put(put))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("synod-client-id");
  }

  @Test
  void etcdRevisionsRangesTxnAndErrors() {
    // A new cluster is at revision 1; the first write makes it 2 (etcd's numbering).
    assertThat(leaderless.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build())
        .getHeader().getRevision()).isEqualTo(2);
    leaderless.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("2")).build());
    follower.put(PutRequest.newBuilder().setKey(b("b")).setValue(b("3")).build());

    RangeResponse all = follower.range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("c")).build());
    assertThat(all.getCount()).isEqualTo(2);
    assertThat(all.getKvs(0).getValue().toStringUtf8()).isEqualTo("2");
    assertThat(all.getKvs(0).getVersion()).isEqualTo(2);
    assertThat(all.getHeader().getRevision()).isEqualTo(4);
    assertThat(all.getHeader().getMemberId()).isEqualTo(2);
    assertThat(all.getHeader().getRaftTerm()).isPositive();
    RangeResponse old = follower.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2).build());
    assertThat(old.getKvs(0).getValue().toStringUtf8()).isEqualTo("1");

    TxnResponse txn = follower.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("a")).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.EQUAL).setValue(b("2")))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("c")).setValue(b("ok"))))
        .addFailure(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("c")).setValue(b("no"))))
        .build());
    assertThat(txn.getSucceeded()).isTrue();
    // Serializable reads are answered locally and see this member's applied state.
    RangeResponse local = follower.range(RangeRequest.newBuilder().setKey(b("c")).setSerializable(true).build());
    assertThat(local.getKvs(0).getValue().toStringUtf8()).isEqualTo("ok");

    leaderless.compact(CompactionRequest.newBuilder().setRevision(4).build());
    assertThatThrownBy(() -> follower.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessage("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
    assertThatThrownBy(() -> follower.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(1_000).build()))
        .hasMessage("OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision");

    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      tooMany.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("k" + i))));
    }
    assertThatThrownBy(() -> follower.txn(tooMany.build()))
        .hasMessage("INVALID_ARGUMENT: etcdserver: too many operations in txn request");
    byte[] big = new byte[1_600_000];
    assertThatThrownBy(() -> follower.put(PutRequest.newBuilder().setKey(b("big")).setValue(ByteString.copyFrom(big)).build()))
        .hasMessage("INVALID_ARGUMENT: etcdserver: request is too large");
    // Nothing was lost or changed by the rejected requests.
    assertThat(follower.range(RangeRequest.newBuilder().setKey(b("big")).build()).getCount()).isZero();
    assertThat(follower.range(RangeRequest.newBuilder().setKey(b("k0")).build()).getCount()).isZero();
  }
}
