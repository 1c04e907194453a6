package io.synod.wal;

import java.io.IOException;

/**
 * Receives records from {@link SegmentedLog#replay}, in index order, on the replaying thread. It must
 * not append to or trim the log it is visiting.
 */
@FunctionalInterface
public interface RecordVisitor {
  /** One record; {@code payload} is a fresh copy the visitor may keep. */
  void visit(long index, int type, byte[] payload) throws IOException;
}
