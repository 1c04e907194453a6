package io.synod.kv;

import java.util.EnumMap;
import java.util.Map;

/**
 * The table the server uses to turn a {@link KvException} into a gRPC status: etcd's message string
 * (from {@code api/v3rpc/rpctypes}) and status code, named as in {@code io.grpc.Status.Code} so this
 * module need not depend on gRPC ({@code Status.Code.valueOf(KvErrors.grpcCode(code))}).
 */
public final class KvErrors {
  private record Entry(String message, String grpcCode) {}

  private static final Map<KvException.Code, Entry> TABLE = new EnumMap<>(KvException.Code.class);

  static {
    put(KvException.Code.COMPACTED, "etcdserver: mvcc: required revision has been compacted", "OUT_OF_RANGE");
    put(KvException.Code.FUTURE_REV, "etcdserver: mvcc: required revision is a future revision", "OUT_OF_RANGE");
    put(KvException.Code.KEY_NOT_FOUND, "etcdserver: key not found", "INVALID_ARGUMENT");
    put(KvException.Code.DUPLICATE_KEY, "etcdserver: duplicate key given in txn request", "INVALID_ARGUMENT");
    put(KvException.Code.TOO_MANY_OPS, "etcdserver: too many operations in txn request", "INVALID_ARGUMENT");
    put(KvException.Code.REQUEST_TOO_LARGE, "etcdserver: request is too large", "INVALID_ARGUMENT");
    put(KvException.Code.EMPTY_KEY, "etcdserver: key is not provided", "INVALID_ARGUMENT");
    put(KvException.Code.VALUE_PROVIDED, "etcdserver: value is provided", "INVALID_ARGUMENT");
    put(KvException.Code.LEASE_PROVIDED, "etcdserver: lease is provided", "INVALID_ARGUMENT");
    put(KvException.Code.NO_SPACE, "etcdserver: mvcc: database space exceeded", "RESOURCE_EXHAUSTED");
    put(KvException.Code.LEASE_NOT_FOUND, "etcdserver: requested lease not found", "NOT_FOUND");
    put(KvException.Code.LEASE_EXISTS, "etcdserver: lease already exists", "FAILED_PRECONDITION");
    put(KvException.Code.LEASE_TTL_TOO_LARGE, "etcdserver: too large lease TTL", "OUT_OF_RANGE");
    // Not etcd errors: Synod's own, worded in etcd's style.
    put(KvException.Code.INVALID_ARGUMENT, "synod: malformed request", "INVALID_ARGUMENT");
    put(KvException.Code.SEQUENCE_STALE,
        "synod: request sequence is older than the client's last applied request", "FAILED_PRECONDITION");
    put(KvException.Code.TOO_MANY_LEASES, "etcdserver: too many leases", "RESOURCE_EXHAUSTED");
    for (KvException.Code code : KvException.Code.values()) {
      if (!TABLE.containsKey(code)) {
        throw new ExceptionInInitializerError("no KvErrors entry for " + code);
      }
    }
  }

  private KvErrors() {}

  private static void put(KvException.Code code, String message, String grpcCode) {
    TABLE.put(code, new Entry(message, grpcCode));
  }

  /** etcd's message for {@code code}, exactly as its gRPC status description reads. */
  public static String message(KvException.Code code) {
    return TABLE.get(code).message();
  }

  /** The gRPC status code name for {@code code}: OUT_OF_RANGE, INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, NOT_FOUND. */
  public static String grpcCode(KvException.Code code) {
    return TABLE.get(code).grpcCode();
  }
}
