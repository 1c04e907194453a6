package io.synod.kv;

import io.synod.common.Ensure;

/** One raised alarm: which member raised it, and which alarm (etcd's {@code AlarmMember}). */
public record AlarmMember(long memberId, AlarmType alarm) implements Comparable<AlarmMember> {
  public AlarmMember {
    Ensure.notNull(alarm, "alarm");
  }

  /** Alarms are kept and listed by member id, then alarm type: the order of their engine keys. */
  @Override
  public int compareTo(AlarmMember other) {
    int byMember = Long.compare(memberId, other.memberId);
    return byMember != 0 ? byMember : alarm.compareTo(other.alarm);
  }
}
