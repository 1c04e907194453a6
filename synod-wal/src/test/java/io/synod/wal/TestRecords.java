package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Deterministic records for tests: each record's type and payload follow from its index. */
final class TestRecords {
  private TestRecords() {}

  record Rec(long index, int type, byte[] payload) {}

  static int type(long index) {
    return (int) (index % 256);
  }

  /** 0 to 199 bytes, a function of the index only, so any record read back is checkable. */
  static byte[] payload(long index) {
    int length = (int) (((index * 2_654_435_761L) >>> 8) % 200);
    byte[] payload = new byte[length];
    for (int i = 0; i < length; i++) {
      payload[i] = (byte) (index * 31 + i * 7);
    }
    return payload;
  }

  /** Appends records {@code lastIndex + 1 ..} until {@code count} were appended. */
  static void appendDerived(SegmentedLog log, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      long index = log.lastIndex() + 1;
      assertThat(log.append(type(index), payload(index))).isEqualTo(index);
    }
  }

  static List<Rec> readAll(SegmentedLog log) throws IOException {
    List<Rec> out = new ArrayList<>();
    log.replay(log.firstIndex(), (index, type, payload) -> out.add(new Rec(index, type, payload)));
    return out;
  }

  /** Every record of the log is dense and matches its derivation. */
  static void assertDerived(SegmentedLog log) throws IOException {
    List<Rec> records = readAll(log);
    assertThat(records).hasSize((int) (log.lastIndex() - log.firstIndex() + 1));
    long expected = log.firstIndex();
    for (Rec rec : records) {
      assertThat(rec.index()).isEqualTo(expected++);
      assertThat(rec.type()).as("type of %d", rec.index()).isEqualTo(type(rec.index()));
      assertThat(rec.payload()).as("payload of %d", rec.index()).isEqualTo(payload(rec.index()));
    }
  }

  /** Byte offset of record {@code index} in a segment starting at {@code first}, all derived. */
  static long offsetOf(long first, long index) {
    long offset = SegmentHeader.BYTES;
    for (long i = first; i < index; i++) {
      offset += Frame.HEADER_BYTES + payload(i).length;
    }
    return offset;
  }

  static Path segmentPath(Path dir, long first) {
    return dir.resolve(SegmentFile.nameOf(first));
  }
}
