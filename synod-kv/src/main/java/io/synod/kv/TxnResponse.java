package io.synod.kv;

import io.synod.common.Ensure;
import java.util.List;

/** etcd's {@code TxnResponse}: which branch ran and the response of each of its ops, in order. */
public record TxnResponse(ResponseHeader header, boolean succeeded, List<ResponseOp> responses)
    implements ResponseOp {
  public TxnResponse {
    Ensure.notNull(header, "header");
    responses = List.copyOf(responses);
  }
}
