package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.List;

/**
 * etcd's alarms as replicated state: raising or clearing one is a command of the log, so every
 * member agrees on the raised set at every slot; while NOSPACE is raised, requests that add data
 * (puts, lease grants, and transactions holding a put) are refused with etcd's "database space exceeded" at apply,
 * as etcd's capped applier does, while reads, deletes and compaction still work.
 */
final class Alarms {
  private Alarms() {}

  static AlarmResponse execute(StoreState state, AlarmRequest request) throws KvException {
    if (request.alarm() == AlarmType.NONE) {
      throw KvException.invalid("alarm type NONE cannot be raised or cleared");
    }
    AlarmMember alarm = new AlarmMember(request.memberId(), request.alarm());
    boolean changed;
    if (request.action() == AlarmRequest.Action.ACTIVATE) {
      changed = state.alarms.add(alarm);
      if (changed) {
        Marks.hit("kv.alarm-raised");
        state.slotWrites.put(EngineKeys.alarmKey(alarm), new byte[0]);
      }
    } else {
      changed = state.alarms.remove(alarm);
      if (changed) {
        Marks.hit("kv.alarm-cleared");
        state.slotWrites.delete(EngineKeys.alarmKey(alarm));
      }
    }
    Ensure.that(state.alarms.contains(alarm) == (request.action() == AlarmRequest.Action.ACTIVATE),
        "the alarm is raised exactly after ACTIVATE");
    return new AlarmResponse(new ResponseHeader(state.currentRevision), changed ? List.of(alarm) : List.of());
  }

  /** Whether {@code request} adds data: refused while NOSPACE is raised. */
  static boolean addsData(KvRequest request) {
    if (request instanceof PutRequest) {
      return true;
    }
    if (request instanceof LeaseRequest lease && lease.op() == LeaseRequest.Op.GRANT) {
      return true; // etcd's capped applier refuses grants too.
    }
    if (request instanceof TxnRequest txn) {
      for (List<RequestOp> branch : List.of(txn.success(), txn.failure())) {
        for (RequestOp op : branch) {
          if (addsData(op)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
