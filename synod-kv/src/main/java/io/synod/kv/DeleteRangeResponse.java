package io.synod.kv;

import io.synod.common.Ensure;
import java.util.List;

/** etcd's {@code DeleteRangeResponse}: how many keys were deleted and, if asked, what they held. */
public record DeleteRangeResponse(ResponseHeader header, long deleted, List<KeyValue> prevKvs)
    implements ResponseOp {
  public DeleteRangeResponse {
    Ensure.notNull(header, "header");
    prevKvs = List.copyOf(prevKvs);
  }
}
