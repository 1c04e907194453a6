package io.synod.kv;

import io.synod.common.Ensure;
import java.util.List;

/**
 * etcd's {@code AlarmResponse} to an ACTIVATE or DEACTIVATE: the alarm that changed (empty when
 * raising one already raised, or clearing one not raised), as etcd answers.
 */
public record AlarmResponse(ResponseHeader header, List<AlarmMember> alarms) implements KvResponse {
  public AlarmResponse {
    Ensure.notNull(header, "header");
    alarms = List.copyOf(alarms);
  }
}
