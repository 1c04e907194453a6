package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import io.synod.kv.engine.Engine;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exactly-once table: for each client, the sequence number and encoded reply of its last applied
 * command, so a retried command is answered with the original reply instead of running twice.
 *
 * <p>At most {@code sessionsMax} clients are remembered. When a new client would exceed that, the one
 * whose last command is oldest is forgotten; "oldest" counts applied commands (a logical clock stored
 * with the state), never time, so every replica evicts the same client. A retry from a forgotten
 * client is applied again: the bound trades that risk for memory, so size it above the number of
 * concurrently active clients.
 *
 * <p>The table is kept in memory (sequence and clock per client) and in the engine (with the reply),
 * written through the same overlay as the data so it is durable and snapshotted with it.
 */
final class Sessions {
  /** What a command's (clientId, sequence) means against the table. */
  enum Status {
    /** Not seen before: apply it and remember the reply. */
    NEW,
    /** The last applied command of this client: answer with the remembered reply. */
    DUPLICATE,
    /** Older than the last applied command: its reply is gone, refuse it. */
    STALE
  }

  private record Entry(long sequence, long lastUse) {}

  private final int sessionsMax;
  private final TreeMap<Long, Entry> byClient = new TreeMap<>();
  /** Clock value of each client's last use → client id, oldest first: the eviction order. */
  private final TreeMap<Long, Long> byUse = new TreeMap<>();
  private long clock;

  Sessions(int sessionsMax) {
    this.sessionsMax = sessionsMax;
  }

  Status check(long clientId, long sequence) {
    Entry entry = byClient.get(clientId);
    if (entry == null || sequence > entry.sequence) {
      return Status.NEW;
    }
    return sequence == entry.sequence ? Status.DUPLICATE : Status.STALE;
  }

  /** The encoded reply remembered for {@code clientId}'s last command. */
  byte[] reply(Overlay source, long clientId) {
    byte[] stored = source.get(EngineKeys.sessionKey(clientId));
    Ensure.that(stored != null, "remembered client %d has a stored reply", clientId);
    Ensure.that(stored.length >= 16, "stored session holds sequence and clock");
    return Arrays.copyOfRange(stored, 16, stored.length);
  }

  /** Remembers {@code reply} as {@code clientId}'s answer to {@code sequence}, evicting if full. */
  void record(Overlay writes, long clientId, long sequence, byte[] reply) {
    Ensure.that(check(clientId, sequence) == Status.NEW, "only a new command is recorded");
    clock++;
    Entry old = byClient.put(clientId, new Entry(sequence, clock));
    if (old != null) {
      byUse.remove(old.lastUse);
    }
    byUse.put(clock, clientId);
    writes.put(EngineKeys.sessionKey(clientId),
        new ByteWriter(16 + reply.length).writeLong(sequence).writeLong(clock).writeRaw(reply).toByteArray());
    writes.put(EngineKeys.SESSION_CLOCK, EngineKeys.encodeLong(clock));
    while (byClient.size() > sessionsMax) {
      Map.Entry<Long, Long> oldest = byUse.pollFirstEntry();
      byClient.remove(oldest.getValue());
      writes.delete(EngineKeys.sessionKey(oldest.getValue()));
      Marks.hit("kv.session-evicted");
    }
    Ensure.that(byClient.size() == byUse.size(), "session maps agree");
  }

  void load(Engine engine) {
    byClient.clear();
    byUse.clear();
    byte[] storedClock = engine.get(EngineKeys.SESSION_CLOCK);
    clock = storedClock == null ? 0 : EngineKeys.decodeLong(storedClock);
    engine.scan(EngineKeys.SESSIONS_START, EngineKeys.SESSIONS_END, (key, value) -> {
      long clientId = EngineKeys.parseSessionKey(key);
      Ensure.that(value.length >= 16, "stored session holds sequence and clock");
      long sequence = EngineKeys.decodeLong(Arrays.copyOfRange(value, 0, 8));
      long lastUse = EngineKeys.decodeLong(Arrays.copyOfRange(value, 8, 16));
      Ensure.that(lastUse >= 1 && lastUse <= clock, "stored session use is within the clock");
      Ensure.that(byUse.put(lastUse, clientId) == null, "stored session uses are distinct");
      byClient.put(clientId, new Entry(sequence, lastUse));
      return true;
    });
    Ensure.that(byClient.size() <= sessionsMax, "stored sessions fit the limit");
  }

  int size() {
    return byClient.size();
  }
}
