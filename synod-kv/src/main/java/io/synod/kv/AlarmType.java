package io.synod.kv;

/** etcd's {@code AlarmType}, in the order of its protocol numbers (NONE = 0, NOSPACE = 1, CORRUPT = 2). */
public enum AlarmType {
  NONE,
  /** The space quota was hit: writes that add data are refused until the alarm is disarmed. */
  NOSPACE,
  /** A member's data was found corrupt (kept for the protocol; Synod raises it nowhere yet). */
  CORRUPT
}
