package io.synod.kv;

import static io.synod.kv.Harness.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.engine.InMemoryEngine;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseTest {
  private final Harness h = Harness.inMemory();

  private LeaseResponse grant(long id, long ttl) {
    return h.ok(LeaseRequest.grant(id, ttl), LeaseResponse.class);
  }

  private PutResponse putWithLease(String key, long lease) {
    return h.ok(PutRequest.of(b(key), b("v")).withLease(lease), PutResponse.class);
  }

  @Test
  void grantWithAndWithoutIdRaisesSmallTtlsAndRefusesDuplicatesAndHugeTtls() {
    LeaseResponse chosen = grant(42, 60);
    assertThat(chosen.id()).isEqualTo(42);
    assertThat(chosen.ttlSeconds()).isEqualTo(60);
    LeaseResponse picked = grant(0, 1);
    assertThat(picked.id()).isPositive().isNotEqualTo(42);
    assertThat(picked.ttlSeconds()).isEqualTo(KvLimits.LEASE_TTL_MIN_DEFAULT_SECONDS);
    assertThat(h.error(LeaseRequest.grant(42, 10))).isEqualTo(KvException.Code.LEASE_EXISTS);
    assertThat(h.error(LeaseRequest.grant(7, KvLimits.LEASE_TTL_MAX_SECONDS + 1)))
        .isEqualTo(KvException.Code.LEASE_TTL_TOO_LARGE);
    assertThat(h.store.leaseIds()).containsExactly(42L, picked.id());
    assertThat(h.store.revision()).as("grants write no revision").isEqualTo(1);
  }

  @Test
  void pickedIdsAreDistinctAndReplicasPickAlike() {
    Harness other = Harness.inMemory();
    for (int i = 0; i < 200; i++) {
      long a = grant(0, 10).id();
      long b2 = other.ok(LeaseRequest.grant(0, 10), LeaseResponse.class).id();
      assertThat(a).isEqualTo(b2).isPositive();
    }
    assertThat(h.store.leaseCount()).isEqualTo(200);
    assertThat(h.store.stateHash()).isEqualTo(other.store.stateHash());
  }

  @Test
  void leaseCapRefusesGrantsBeyondIt() {
    Harness small = Harness.inMemory(new KvLimits(128, 1 << 20, 100, 2, 1));
    small.ok(LeaseRequest.grant(1, 5), LeaseResponse.class);
    small.ok(LeaseRequest.grant(2, 5), LeaseResponse.class);
    assertThat(small.error(LeaseRequest.grant(3, 5))).isEqualTo(KvException.Code.TOO_MANY_LEASES);
    small.ok(LeaseRequest.revoke(1), LeaseResponse.class);
    assertThat(small.ok(LeaseRequest.grant(3, 5), LeaseResponse.class).id()).isEqualTo(3);
  }

  @Test
  void putWithUnknownLeaseFailsAlsoInsideATxn() {
    assertThat(h.error(PutRequest.of(b("k"), b("v")).withLease(9))).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    TxnRequest txn = new TxnRequest(List.of(), List.of(PutRequest.of(b("a"), b("1")),
        PutRequest.of(b("k"), b("v")).withLease(9)), List.of());
    assertThat(h.error(txn)).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    assertThat(h.get("a")).as("nothing of the refused txn was applied").isNull();
    assertThat(h.store.revision()).isEqualTo(1);
    assertThat(KvErrors.message(KvException.Code.LEASE_NOT_FOUND)).isEqualTo("etcdserver: requested lease not found");
  }

  @Test
  void revokeDeletesAttachedKeysInOneRevision() {
    grant(5, 60);
    putWithLease("a", 5);
    putWithLease("b", 5);
    h.put("c", "free");
    putWithLease("d", 5);
    h.put("d", "detached"); // a put without the lease detaches the key
    assertThat(h.kv("a").lease()).isEqualTo(5);
    assertThat(h.store.lease(5).keys()).extracting(Harness::s).containsExactly("a", "b");
    long before = h.store.revision();
    LeaseResponse revoked = h.ok(LeaseRequest.revoke(5), LeaseResponse.class);
    assertThat(revoked.header().revision()).isEqualTo(before + 1);
    assertThat(h.store.revision()).isEqualTo(before + 1);
    assertThat(h.get("a")).isNull();
    assertThat(h.get("b")).isNull();
    assertThat(h.get("c")).isEqualTo("free");
    assertThat(h.get("d")).isEqualTo("detached");
    assertThat(h.store.lease(5)).isNull();
    assertThat(h.error(LeaseRequest.revoke(5))).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    assertThat(h.error(LeaseRequest.keepAlive(5))).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
  }

  @Test
  void deletingAKeyDetachesIt() {
    grant(5, 60);
    putWithLease("a", 5);
    h.delete("a");
    assertThat(h.store.lease(5).keys()).isEmpty();
    long before = h.store.revision();
    h.ok(LeaseRequest.revoke(5), LeaseResponse.class);
    assertThat(h.store.revision()).as("a lease without keys is revoked without a revision").isEqualTo(before);
  }

  @Test
  void expiryAndCheckpointCarryTheRenewalCounter() {
    grant(5, 60);
    putWithLease("a", 5);
    LeaseInfo granted = h.store.lease(5);
    assertThat(granted.renewal()).isZero();
    assertThat(granted.checkpointMillis()).isEqualTo(-1);
    assertThat(h.ok(LeaseRequest.checkpoint(5, 30_000, 0), LeaseResponse.class).changed()).isTrue();
    assertThat(h.store.lease(5).checkpointMillis()).isEqualTo(30_000);
    // A keep-alive resets the checkpoint floor to the full TTL and bumps the counter.
    assertThat(h.ok(LeaseRequest.keepAlive(5), LeaseResponse.class).ttlSeconds()).isEqualTo(60);
    assertThat(h.store.lease(5).checkpointMillis()).isEqualTo(-1);
    assertThat(h.store.lease(5).renewal()).isEqualTo(1);
    // Decided before the keep-alive: ignored.
    assertThat(h.ok(LeaseRequest.checkpoint(5, 10, 0), LeaseResponse.class).changed()).isFalse();
    assertThat(h.ok(LeaseRequest.expire(5, 0), LeaseResponse.class).changed()).isFalse();
    assertThat(h.get("a")).isEqualTo("v");
    assertThat(h.store.lease(5).checkpointMillis()).isEqualTo(-1);
    long before = h.store.revision();
    assertThat(h.ok(LeaseRequest.expire(5, 1), LeaseResponse.class).changed()).isTrue();
    assertThat(h.store.revision()).isEqualTo(before + 1);
    assertThat(h.get("a")).isNull();
    assertThat(h.store.lease(5)).isNull();
    // Expiring it again changes nothing.
    assertThat(h.ok(LeaseRequest.expire(5, 1), LeaseResponse.class).changed()).isFalse();
  }

  @Test
  void leasesAndAttachmentsSurviveSnapshotAndReopen() {
    grant(5, 60);
    grant(6, 30);
    putWithLease("a", 5);
    putWithLease("b", 6);
    h.ok(LeaseRequest.checkpoint(6, 12_000, 0), LeaseResponse.class);
    byte[] snapshot = h.store.snapshot();
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(h.store.appliedSlot(), snapshot);
    assertThat(restored.stateHash()).isEqualTo(h.store.stateHash());
    assertThat(restored.leaseIds()).containsExactly(5L, 6L);
    assertThat(restored.lease(6).checkpointMillis()).isEqualTo(12_000);
    assertThat(restored.lease(5).keys()).extracting(Harness::s).containsExactly("a");
    MvccStore reopened = MvccStore.open(h.engine);
    assertThat(reopened.lease(6).keys()).extracting(Harness::s).containsExactly("b");
    // The restored store picks the same next id as the original.
    Harness after = new Harness(new InMemoryEngine(), KvLimits.DEFAULTS);
    after.store.restore(h.store.appliedSlot(), snapshot);
    after.slot = h.store.appliedSlot();
    assertThat(after.ok(LeaseRequest.grant(0, 10), LeaseResponse.class).id()).isEqualTo(grant(0, 10).id());
  }

  @Test
  void leaseStateIsInTheStateHash() {
    Harness other = Harness.inMemory();
    grant(5, 60);
    other.ok(LeaseRequest.grant(5, 60), LeaseResponse.class);
    assertThat(h.store.stateHash()).isEqualTo(other.store.stateHash());
    h.ok(LeaseRequest.keepAlive(5), LeaseResponse.class);
    assertThat(h.store.stateHash()).isNotEqualTo(other.store.stateHash());
  }

  @Test
  void noSpaceRefusesGrants() {
    h.ok(new AlarmRequest(AlarmRequest.Action.ACTIVATE, 1, AlarmType.NOSPACE), AlarmResponse.class);
    assertThat(h.error(LeaseRequest.grant(1, 10))).isEqualTo(KvException.Code.NO_SPACE);
  }

  @Test
  void codecRoundTripsLeaseCommandsAndRefusesThemInTxns() throws KvException {
    for (LeaseRequest r : List.of(LeaseRequest.grant(0, 5), LeaseRequest.grant(-3, 9_000_000_000L),
        LeaseRequest.revoke(7), LeaseRequest.keepAlive(7), LeaseRequest.checkpoint(7, 1234, 3),
        LeaseRequest.expire(7, 3))) {
      assertThat(KvCodec.decodeCommand(KvCodec.encodeCommand(KvCommand.of(r))).request()).isEqualTo(r);
    }
    byte[] bad = KvCodec.encodeCommand(KvCommand.of(LeaseRequest.keepAlive(7)));
    bad[bad.length - 4] = 0; // the id: a keep-alive of lease 0
    assertThat(h.store.apply(h.slot + 1, bad, 0, bad.length, true).errorCode())
        .isEqualTo(KvException.Code.INVALID_ARGUMENT);
  }

  @Test
  void mixIsInvertibleOnSmallCounters() {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (long i = 1; i <= 100_000; i++) {
      long id = Leases.mix63(i);
      assertThat(id).isNotNegative();
      assertThat(seen.add(id)).isTrue();
    }
  }
}
