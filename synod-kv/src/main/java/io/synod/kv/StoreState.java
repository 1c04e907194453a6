package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.kv.engine.Engine;
import java.util.Arrays;

/**
 * The mutable state of an {@link MvccStore}, shared by the executors: the key index, the revision
 * counters, the exactly-once table and the overlay of the slot being applied. One thread uses it.
 */
final class StoreState {
  /** The revision of a new store; the first write gets the next one (etcd starts at 1 as well). */
  static final long INITIAL_REVISION = 1;
  /** "Never compacted": etcd's initial compact revision, below any revision a client can send. */
  static final long NEVER_COMPACTED = -1;

  final Engine engine;
  final KvLimits limits;
  final KeyIndex index = new KeyIndex();
  final Sessions sessions;
  final Overlay slotWrites;
  long currentRevision = INITIAL_REVISION;
  long compactRevision = NEVER_COMPACTED;
  /** Whether write transactions record their changes as watch events (a listener is set). */
  boolean eventsWanted;
  /** The events of the slot being applied, in revision order; handed out when the slot commits. */
  final java.util.List<WatchEvent> slotEvents = new java.util.ArrayList<>();
  /** The raised alarms, in engine key order (member id, then type). */
  final java.util.TreeSet<AlarmMember> alarms = new java.util.TreeSet<>();
  /** The leases and their attached keys. */
  final Leases leases = new Leases();

  StoreState(Engine engine, KvLimits limits) {
    this.engine = engine;
    this.limits = limits;
    this.sessions = new Sessions(limits.sessionsMax());
    this.slotWrites = Overlay.over(engine);
  }

  /** Rebuilds the in-memory state from what the engine holds (after open or restore). */
  void load() {
    Ensure.that(slotWrites.isEmpty(), "load with writes pending");
    index.clear();
    byte[] current = engine.get(EngineKeys.CURRENT_REVISION);
    currentRevision = current == null ? INITIAL_REVISION : EngineKeys.decodeLong(current);
    byte[] compact = engine.get(EngineKeys.COMPACT_REVISION);
    compactRevision = compact == null ? NEVER_COMPACTED : EngineKeys.decodeLong(compact);
    Ensure.that(currentRevision >= INITIAL_REVISION, "stored current revision is at least 1");
    Ensure.that(compactRevision <= currentRevision, "stored compact revision is not ahead of the current one");
    alarms.clear();
    engine.scan(EngineKeys.ALARMS_START, EngineKeys.ALARMS_END, (key, value) -> {
      alarms.add(EngineKeys.parseAlarmKey(key));
      return true;
    });
    Revision[] last = {new Revision(0, 0)};
    engine.scan(EngineKeys.REVISIONS_START, EngineKeys.REVISIONS_END, (key, value) -> {
      Revision rev = EngineKeys.parseRevisionKey(key);
      Ensure.that(rev.main() <= currentRevision, "stored change %s is newer than revision %d", rev, currentRevision);
      Ensure.that(rev.compareTo(last[0]) > 0, "stored changes come in revision order");
      StoredRecord record = StoredRecord.decode(value);
      index.append(record.key(), rev, record.tombstone());
      last[0] = rev;
      return true;
    });
    sessions.load(engine);
    leases.load(this);
  }

  /** The stored change at {@code rev} as {@code source} sees it; it must exist. */
  StoredRecord record(Overlay source, Revision rev) {
    byte[] bytes = source.get(EngineKeys.revisionKey(rev));
    Ensure.that(bytes != null, "indexed revision %s has no stored change", rev);
    return StoredRecord.decode(bytes);
  }

  /** The key-value that index hit {@code hit} points at. */
  KeyValue keyValue(Overlay source, KeyIndex.Hit hit) {
    StoredRecord record = record(source, hit.revision());
    Ensure.that(!record.tombstone(), "a live index entry points at a put");
    Ensure.that(Arrays.equals(record.key(), hit.key()), "index and stored change agree on the key");
    return record.toKeyValue(hit.revision().main());
  }

  void setCurrentRevision(Overlay writes, long revision) {
    Ensure.that(revision == currentRevision + 1, "revisions advance by one");
    currentRevision = revision;
    writes.put(EngineKeys.CURRENT_REVISION, EngineKeys.encodeLong(revision));
  }

  /** Whether the NOSPACE alarm is raised by any member. */
  boolean noSpace() {
    for (AlarmMember alarm : alarms) {
      if (alarm.alarm() == AlarmType.NOSPACE) {
        return true;
      }
    }
    return false;
  }

  void setCompactRevision(Overlay writes, long revision) {
    Ensure.that(revision > compactRevision, "compact revision advances");
    Ensure.that(revision <= currentRevision, "compact revision is not ahead of the current one");
    compactRevision = revision;
    writes.put(EngineKeys.COMPACT_REVISION, EngineKeys.encodeLong(revision));
  }
}
