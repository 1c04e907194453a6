package io.synod.kv;

import io.synod.common.Ensure;

/** etcd's {@code CompactionResponse}; the header carries the current revision. */
public record CompactionResponse(ResponseHeader header) implements KvResponse {
  public CompactionResponse {
    Ensure.notNull(header, "header");
  }
}
