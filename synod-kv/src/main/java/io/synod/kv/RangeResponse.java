package io.synod.kv;

import io.synod.common.Ensure;
import java.util.List;

/**
 * etcd's {@code RangeResponse}: the matching keys (after filters, sort and limit), whether the limit
 * cut some off ({@code more}), and {@code count}, the number of keys in the range at the read
 * revision before limit and filters.
 */
public record RangeResponse(ResponseHeader header, List<KeyValue> kvs, boolean more, long count)
    implements ResponseOp {
  public RangeResponse {
    Ensure.notNull(header, "header");
    kvs = List.copyOf(kvs);
  }
}
