package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
  private static final long S = 1_000_000_000L;
  private static final LeaseKeeper.Config CONFIG = new LeaseKeeper.Config(20 * S, S, 100);

  private final Harness h = Harness.inMemory();
  private final LeaseKeeper keeper = new LeaseKeeper(h.store, CONFIG);

  private List<LeaseRequest> decoded(List<byte[]> commands) throws KvException {
    List<LeaseRequest> out = new java.util.ArrayList<>();
    for (byte[] c : commands) {
      out.add((LeaseRequest) KvCodec.decodeCommand(c).request());
    }
    return out;
  }

  @Test
  void leaderProposesExpiryWhenTheTtlRanOutAndNotBefore() throws KvException {
    keeper.tick(0, true);
    h.ok(LeaseRequest.grant(5, 10), LeaseResponse.class);
    assertThat(keeper.tick(1 * S, true)).isEmpty(); // the grant is dated at this tick
    assertThat(keeper.remainingNanos(5)).isEqualTo(10 * S);
    assertThat(keeper.tick(11 * S - 1, true)).isEmpty();
    assertThat(decoded(keeper.tick(11 * S, true))).containsExactly(LeaseRequest.expire(5, 0));
    assertThat(keeper.tick(11 * S + S / 2, true)).as("not again before the retry interval").isEmpty();
    assertThat(decoded(keeper.tick(12 * S, true))).containsExactly(LeaseRequest.expire(5, 0));
    h.ok(LeaseRequest.expire(5, 0), LeaseResponse.class);
    assertThat(keeper.tick(13 * S, true)).isEmpty();
    assertThat(keeper.size()).isZero();
  }

  @Test
  void keepAliveRestartsTheTtlAndFollowersProposeNothing() throws KvException {
    h.ok(LeaseRequest.grant(5, 10), LeaseResponse.class);
    keeper.tick(0, false);
    h.ok(LeaseRequest.keepAlive(5), LeaseResponse.class);
    keeper.tick(8 * S, false);
    assertThat(keeper.remainingNanos(5)).isEqualTo(10 * S);
    assertThat(keeper.tick(30 * S, false)).isEmpty();
    assertThat(keeper.remainingNanos(5)).isZero();
    assertThat(keeper.remainingNanos(6)).isEqualTo(-1);
  }

  @Test
  void longLeasesAreCheckpointedAndANewLeaderRestartsFromTheCheckpoint() throws KvException {
    keeper.tick(0, true);
    h.ok(LeaseRequest.grant(5, 100), LeaseResponse.class);
    keeper.tick(0, true);
    assertThat(decoded(keeper.tick(20 * S, true))).containsExactly(LeaseRequest.checkpoint(5, 80_000, 0));
    h.ok(LeaseRequest.checkpoint(5, 80_000, 0), LeaseResponse.class);
    // Another replica's keeper, which becomes leader later: it restarts at now + 80 s, not 100 s.
    LeaseKeeper second = new LeaseKeeper(MvccStore.open(h.engine), CONFIG);
    second.tick(50 * S, false);
    second.tick(60 * S, true);
    assertThat(second.remainingNanos(5)).isEqualTo(80 * S);
  }

  @Test
  void aKeepAliveAfterTheCheckpointRestoresTheFullTtlFloor() throws KvException {
    checkFloorAfterKeepAlive(java.util.Set.of(), 100 * S);
  }

  @Test
  void plantedStaleFloorRestartsFromTheOldCheckpoint() throws KvException {
    checkFloorAfterKeepAlive(java.util.Set.of(LeaseKeeper.Fault.STALE_CHECKPOINT_FLOOR), 5 * S);
  }

  private void checkFloorAfterKeepAlive(java.util.Set<LeaseKeeper.Fault> faults, long expected) {
    LeaseKeeper follower = new LeaseKeeper(h.store, CONFIG, faults);
    follower.tick(0, false);
    h.ok(LeaseRequest.grant(5, 100), LeaseResponse.class);
    h.ok(PutRequest.of(b("k"), b("v")).withLease(5), PutResponse.class);
    follower.tick(S, false);
    h.ok(LeaseRequest.checkpoint(5, 5_000, 0), LeaseResponse.class);
    follower.tick(2 * S, false);
    h.ok(LeaseRequest.keepAlive(5), LeaseResponse.class);
    follower.tick(3 * S, false);
    follower.tick(4 * S, true);
    assertThat(follower.remainingNanos(5)).isEqualTo(expected);
  }

  @Test
  void aRestoredStoreIsReloaded() {
    h.ok(LeaseRequest.grant(5, 10), LeaseResponse.class);
    keeper.tick(0, false);
    Harness other = Harness.inMemory();
    other.ok(LeaseRequest.grant(7, 20), LeaseResponse.class);
    h.store.restore(other.store.appliedSlot(), other.store.snapshot());
    keeper.tick(S, false);
    assertThat(keeper.remainingNanos(5)).isEqualTo(-1);
    assertThat(keeper.remainingNanos(7)).isEqualTo(20 * S);
  }

  @Test
  void proposalsPerTickAreBounded() {
    LeaseKeeper bounded = new LeaseKeeper(h.store, new LeaseKeeper.Config(100 * S, S, 3));
    for (int i = 1; i <= 10; i++) {
      h.ok(LeaseRequest.grant(i, 5), LeaseResponse.class);
    }
    bounded.tick(0, true);
    assertThat(bounded.tick(10 * S, true)).hasSize(3);
    assertThat(bounded.tick(10 * S, true)).hasSize(3);
    assertThat(bounded.tick(10 * S, true)).hasSize(3);
    assertThat(bounded.tick(10 * S, true)).hasSize(1);
  }
}
