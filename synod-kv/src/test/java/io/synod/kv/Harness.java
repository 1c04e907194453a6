package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.engine.Engine;
import io.synod.kv.engine.InMemoryEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives an {@link MvccStore} the way the node does: every request is encoded, applied as its own
 * slot through the byte API and its reply decoded, so tests exercise the codec on the way.
 */
final class Harness {
  final Engine engine;
  final MvccStore store;
  long slot;

  Harness(Engine engine, KvLimits limits) {
    this.engine = engine;
    this.store = MvccStore.open(engine, limits);
    this.slot = store.appliedSlot();
  }

  static Harness inMemory() {
    return new Harness(new InMemoryEngine(), KvLimits.DEFAULTS);
  }

  static Harness inMemory(KvLimits limits) {
    return new Harness(new InMemoryEngine(), limits);
  }

  KvResult apply(KvRequest request) {
    return apply(KvCommand.of(request));
  }

  KvResult apply(KvCommand command) {
    slot++;
    byte[] reply = store.apply(slot, KvCodec.encodeCommand(command));
    store.slotApplied(slot);
    try {
      return KvCodec.decodeResult(reply);
    } catch (KvException e) {
      throw new AssertionError("store produced an undecodable reply", e);
    }
  }

  <T extends KvResponse> T ok(KvRequest request, Class<T> type) {
    KvResult result = apply(request);
    assertThat(result.isOk()).as("%s failed: %s", request, result.errorMessage()).isTrue();
    return type.cast(result.response());
  }

  KvException.Code error(KvRequest request) {
    KvResult result = apply(request);
    assertThat(result.isOk()).as("%s should fail but gave %s", request, result.response()).isFalse();
    return result.errorCode();
  }

  PutResponse put(String key, String value) {
    return ok(PutRequest.of(b(key), b(value)), PutResponse.class);
  }

  DeleteRangeResponse delete(String key) {
    return ok(DeleteRangeRequest.key(b(key)), DeleteRangeResponse.class);
  }

  RangeResponse range(RangeRequest request) {
    return ok(request, RangeResponse.class);
  }

  TxnResponse txn(TxnRequest request) {
    return ok(request, TxnResponse.class);
  }

  /** The value of {@code key} now, or null. */
  String get(String key) {
    List<KeyValue> kvs = range(RangeRequest.key(b(key))).kvs();
    return kvs.isEmpty() ? null : s(kvs.get(0).value());
  }

  KeyValue kv(String key) {
    List<KeyValue> kvs = range(RangeRequest.key(b(key))).kvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static byte[] b(String s) {
    return Bytes.utf8(s);
  }

  static String s(byte[] bytes) {
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  static List<String> keys(RangeResponse response) {
    List<String> keys = new ArrayList<>();
    for (KeyValue kv : response.kvs()) {
      keys.add(s(kv.key()));
    }
    return keys;
  }
}
