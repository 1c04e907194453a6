package io.synod.kv;

import java.util.List;

/**
 * Changes read back from the store's history: every event with a revision in
 * {@code (from - 1, throughRevision]}, in revision order. A chunk never ends inside a revision.
 */
public record HistoryChunk(List<WatchEvent> events, long throughRevision) {
  public HistoryChunk {
    events = List.copyOf(events);
  }
}
