package io.synod.kv;

import io.synod.common.Ensure;

/**
 * etcd's {@code AlarmRequest} for the two actions that change state: raise ({@code ACTIVATE}) or
 * clear ({@code DEACTIVATE}) {@code alarm} for member {@code memberId}. Alarms are replicated state:
 * they travel through the log like any write, so every member raises and clears them at the same
 * slot, and they are part of the store's snapshot. Listing alarms (etcd's {@code GET}) is a read of
 * {@link MvccStore#alarms()} and never enters the log.
 */
public record AlarmRequest(Action action, long memberId, AlarmType alarm) implements KvRequest {
  /** The actions that go through the log. */
  public enum Action { ACTIVATE, DEACTIVATE }

  public AlarmRequest {
    Ensure.notNull(action, "action");
    Ensure.notNull(alarm, "alarm");
  }
}
