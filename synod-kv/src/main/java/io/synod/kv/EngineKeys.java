package io.synod.kv;

import io.synod.common.Ensure;

/**
 * How the store lays its state out in the {@link io.synod.kv.engine.Engine}'s key space. The first
 * byte names the kind of entry, so each kind is one contiguous range:
 *
 * <ul>
 *   <li>{@code 0x01 'r'}, {@code 0x01 'c'}, {@code 0x01 'u'}: current revision, compact revision,
 *       exactly-once use clock (8-byte big-endian values).
 *   <li>{@code 0x01 'a'} + member id (8 bytes, sign bit flipped) + alarm type (1 byte): a raised
 *       alarm (empty value).
 *   <li>{@code 0x02} + main (8 bytes) + sub (8 bytes): the change made at that revision
 *       ({@link StoredRecord}); big-endian non-negative numbers sort in revision order.
 *   <li>{@code 0x03} + client id (8 bytes, sign bit flipped so ids sort as signed numbers): the
 *       client's last exactly-once sequence and reply.
 *   <li>{@code 0x01 'l'}: the lease-id counter; {@code 0x04} + lease id (8 bytes, sign bit flipped):
 *       a lease (granted TTL, checkpointed remaining TTL, renewal counter).
 * </ul>
 */
final class EngineKeys {
  static final byte META = 1;
  static final byte REVISION = 2;
  static final byte SESSION = 3;
  static final byte LEASE = 4;

  static final byte[] CURRENT_REVISION = {META, 'r'};
  static final byte[] COMPACT_REVISION = {META, 'c'};
  static final byte[] SESSION_CLOCK = {META, 'u'};
  static final byte[] LEASE_COUNTER = {META, 'l'};
  static final byte[] LEASES_START = {LEASE};
  static final byte[] LEASES_END = {LEASE + 1};

  static final byte[] ALARMS_START = {META, 'a'};
  static final byte[] ALARMS_END = {META, 'a' + 1};
  private static final int ALARM_KEY_BYTES = 11;

  static final byte[] REVISIONS_START = {REVISION};
  static final byte[] REVISIONS_END = {REVISION + 1};
  static final byte[] SESSIONS_START = {SESSION};
  static final byte[] SESSIONS_END = {SESSION + 1};

  /** Bounds every key the store writes, for clearing the whole state. */
  static final byte[] ALL_START = {0};
  static final byte[] ALL_END = {(byte) 0xff};

  private static final int REVISION_KEY_BYTES = 17;

  private EngineKeys() {}

  static byte[] revisionKey(Revision rev) {
    Ensure.that(rev.main() >= 0, "revision main must not be negative");
    Ensure.that(rev.sub() >= 0, "revision sub must not be negative");
    byte[] key = new byte[REVISION_KEY_BYTES];
    key[0] = REVISION;
    putLong(key, 1, rev.main());
    putLong(key, 9, rev.sub());
    return key;
  }

  static Revision parseRevisionKey(byte[] key) {
    Ensure.that(key.length == REVISION_KEY_BYTES, "revision key has 17 bytes");
    Ensure.that(key[0] == REVISION, "revision key starts with the revision tag");
    return new Revision(getLong(key, 1), getLong(key, 9));
  }

  static byte[] alarmKey(AlarmMember alarm) {
    byte[] key = new byte[ALARM_KEY_BYTES];
    key[0] = META;
    key[1] = 'a';
    putLong(key, 2, alarm.memberId() ^ Long.MIN_VALUE);
    key[10] = (byte) alarm.alarm().ordinal();
    return key;
  }

  static AlarmMember parseAlarmKey(byte[] key) {
    Ensure.that(key.length == ALARM_KEY_BYTES, "alarm key has 11 bytes");
    Ensure.that(key[0] == META && key[1] == 'a', "alarm key starts with the alarm tag");
    int type = key[10];
    Ensure.that(type > 0 && type < AlarmType.values().length, "stored alarm type %d is known", type);
    return new AlarmMember(getLong(key, 2) ^ Long.MIN_VALUE, AlarmType.values()[type]);
  }

  static byte[] sessionKey(long clientId) {
    byte[] key = new byte[9];
    key[0] = SESSION;
    putLong(key, 1, clientId ^ Long.MIN_VALUE);
    return key;
  }

  static long parseSessionKey(byte[] key) {
    Ensure.that(key.length == 9, "session key has 9 bytes");
    Ensure.that(key[0] == SESSION, "session key starts with the session tag");
    return getLong(key, 1) ^ Long.MIN_VALUE;
  }

  static byte[] leaseKey(long id) {
    byte[] key = new byte[9];
    key[0] = LEASE;
    putLong(key, 1, id ^ Long.MIN_VALUE);
    return key;
  }

  static long parseLeaseKey(byte[] key) {
    Ensure.that(key.length == 9, "lease key has 9 bytes");
    Ensure.that(key[0] == LEASE, "lease key starts with the lease tag");
    return getLong(key, 1) ^ Long.MIN_VALUE;
  }

  static byte[] encodeLong(long v) {
    byte[] out = new byte[8];
    putLong(out, 0, v);
    return out;
  }

  static long decodeLong(byte[] bytes) {
    Ensure.that(bytes.length == 8, "stored number has 8 bytes");
    return getLong(bytes, 0);
  }

  private static void putLong(byte[] out, int at, long v) {
    for (int i = 0; i < 8; i++) {
      out[at + i] = (byte) (v >>> (56 - 8 * i));
    }
  }

  private static long getLong(byte[] in, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (in[at + i] & 0xff);
    }
    return v;
  }
}
