package io.synod.kv;

/**
 * etcd's {@code CompactionRequest}: drop history below {@code revision}. Compaction is synchronous
 * here, so {@code physical} (wait until the compaction is done) is always satisfied; it is kept so
 * the request round-trips.
 */
public record CompactionRequest(long revision, boolean physical) implements KvRequest {
  public static CompactionRequest of(long revision) {
    return new CompactionRequest(revision, false);
  }
}
