package io.synod.kv;

import java.util.List;

/**
 * A lease as the replicated state holds it: its granted TTL, the remaining TTL of the last
 * checkpoint since the last grant or keep-alive ({@code -1}: none, the full TTL counts), the renewal
 * counter and the keys attached to it, in key order.
 */
public record LeaseInfo(long id, long ttlSeconds, long checkpointMillis, long renewal, List<byte[]> keys) {
  public LeaseInfo {
    keys = List.copyOf(keys);
  }
}
