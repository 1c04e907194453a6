package io.synod.kv.watch;

import io.synod.kv.WatchEvent;
import java.util.List;

/** What a {@link WatchHub} hands out for one watcher, in the order it must reach the client. */
public sealed interface WatchOutput {
  long watchId();

  /**
   * Events, in revision order, never splitting a revision; the watcher has seen every change of its
   * range up to {@code headerRevision}.
   */
  record Events(long watchId, List<WatchEvent> events, long headerRevision) implements WatchOutput {
    public Events {
      events = List.copyOf(events);
    }
  }

  /** Nothing changed in the watcher's range since its last events, up to {@code headerRevision}. */
  record Progress(long watchId, long headerRevision) implements WatchOutput {}

  /**
   * The watcher is gone: {@code compactRevision} is set (non-zero) when the revisions it needed were
   * compacted away, {@code reason} says why otherwise. Nothing follows for this watcher.
   */
  record Canceled(long watchId, long compactRevision, String reason, long headerRevision) implements WatchOutput {}
}
