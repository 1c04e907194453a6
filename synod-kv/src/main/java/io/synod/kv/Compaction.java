package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.common.Marks;
import java.util.List;

/**
 * etcd's compaction: refuse a revision at or below the last compaction (COMPACTED) or above the
 * current revision (FUTURE_REV); otherwise drop every change that no read at or after the revision
 * can see. It runs to completion before it returns, so {@code physical} is always honoured.
 */
final class Compaction {
  private Compaction() {}

  static CompactionResponse execute(StoreState state, CompactionRequest request) throws KvException {
    long rev = request.revision();
    if (rev <= state.compactRevision) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    if (rev > state.currentRevision) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    List<Revision> removed = state.index.compact(rev);
    for (Revision r : removed) {
      // Only history at or below the compact revision may go; anything newer is still readable.
      Ensure.that(r.main() <= rev, "compaction drops only revisions at or below its own");
      state.slotWrites.delete(EngineKeys.revisionKey(r));
    }
    if (!removed.isEmpty()) {
      Marks.hit("kv.compaction-dropped-history");
    }
    state.setCompactRevision(state.slotWrites, rev);
    return new CompactionResponse(new ResponseHeader(state.currentRevision));
  }
}
