package io.synod.kv;

import io.synod.common.Ensure;

/**
 * The answer to a {@link LeaseRequest}: the lease's id and granted TTL in seconds (grant and
 * keep-alive), and whether the command changed anything ({@code false} for a checkpoint or expiry
 * the store ignored because the lease was renewed or is gone).
 */
public record LeaseResponse(ResponseHeader header, long id, long ttlSeconds, boolean changed) implements KvResponse {
  public LeaseResponse {
    Ensure.notNull(header, "header");
    Ensure.argument(ttlSeconds >= 0, "a TTL is not negative");
  }
}
