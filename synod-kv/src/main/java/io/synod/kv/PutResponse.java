package io.synod.kv;

import io.synod.common.Ensure;

/** etcd's {@code PutResponse}; {@code prevKv} is null unless asked for and the key existed. */
public record PutResponse(ResponseHeader header, KeyValue prevKv) implements ResponseOp {
  public PutResponse {
    Ensure.notNull(header, "header");
  }
}
