package io.synod.wal;

import static io.synod.wal.TestRecords.appendDerived;
import static io.synod.wal.TestRecords.assertDerived;
import static io.synod.wal.TestRecords.payload;
import static io.synod.wal.TestRecords.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.wal.fs.FileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SegmentedLogTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void roundTripSurvivesReopen(TestFs kind) throws IOException {
    FileSystem fs = kind.create(tmp);
    Path dir = kind.dir(tmp);
    try (SegmentedLog log = SegmentedLog.open(fs, dir, WalConfig.defaults().withSegmentBytes(8 << 20)).log()) {
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).isZero();
      appendDerived(log, 100);
      assertThat(log.durableIndex()).isZero();
      log.sync();
      assertThat(log.durableIndex()).isEqualTo(100);
    }
    SegmentedLog.Recovered reopened = SegmentedLog.open(fs, dir, WalConfig.defaults().withSegmentBytes(8 << 20));
    try (SegmentedLog log = reopened.log()) {
      assertThat(reopened.report().tornTailTruncated()).isFalse();
      assertThat(reopened.report().lastIndex()).isEqualTo(100);
      assertThat(log.lastIndex()).isEqualTo(100);
      assertThat(log.durableIndex()).isEqualTo(100);
      assertDerived(log);
      appendDerived(log, 5);
      log.sync();
      assertDerived(log);
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void rollsAcrossManySegmentsAndReplaysFromTheMiddle(TestFs kind) throws IOException {
    FileSystem fs = kind.create(tmp);
    Path dir = kind.dir(tmp);
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      appendDerived(log, 2000);
      log.sync();
      assertThat(log.segmentCount()).isGreaterThan(20);
    }
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(2000);
      assertThat(fs.list(dir)).hasSize(log.segmentCount());
      assertDerived(log);
      List<Long> seen = new ArrayList<>();
      log.replay(777, (index, type, payload) -> {
        assertThat(payload).isEqualTo(payload(index));
        seen.add(index);
      });
      assertThat(seen).hasSize(2000 - 777 + 1).startsWith(777L).endsWith(2000L);
      seen.clear();
      log.replay(1500, 1510, (index, type, payload) -> seen.add(index));
      assertThat(seen).containsExactly(1500L, 1501L, 1502L, 1503L, 1504L, 1505L, 1506L, 1507L, 1508L, 1509L, 1510L);
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void replaySeesRecordsNotYetSynced(TestFs kind) throws IOException {
    try (SegmentedLog log = SegmentedLog.open(kind.create(tmp), kind.dir(tmp), WalConfig.small()).log()) {
      appendDerived(log, 30);
      assertDerived(log);
      assertThat(log.durableIndex()).isLessThan(30);
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void trimBeforeDeletesOnlyWholeOldSegments(TestFs kind) throws IOException {
    FileSystem fs = kind.create(tmp);
    Path dir = kind.dir(tmp);
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      appendDerived(log, 1000);
      log.sync();
      List<Long> firsts = segmentFirsts(fs, dir);
      long middle = firsts.get(5) + 3;
      log.trimBefore(middle);
      // The segment holding `middle` stays, with its records below `middle`.
      assertThat(log.firstIndex()).isEqualTo(firsts.get(5));
      assertThat(segmentFirsts(fs, dir)).isEqualTo(firsts.subList(5, firsts.size()));
      assertDerived(log);
      log.trimBefore(firsts.get(7));
      assertThat(log.firstIndex()).isEqualTo(firsts.get(7));
      assertThatThrownBy(() -> log.replay(firsts.get(7) - 1, (i, t, p) -> { }))
          .isInstanceOf(IllegalArgumentException.class);
      log.trimBefore(Long.MAX_VALUE);
      assertThat(log.segmentCount()).isEqualTo(1);
      assertThat(log.firstIndex()).isEqualTo(firsts.get(firsts.size() - 1));
      appendDerived(log, 10);
      log.sync();
    }
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      assertThat(log.lastIndex()).isEqualTo(1010);
      assertDerived(log);
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void recordsLargerThanTheWriteBufferRoundTrip(TestFs kind) throws IOException {
    FileSystem fs = kind.create(tmp);
    Path dir = kind.dir(tmp);
    WalConfig config = WalConfig.small();
    List<byte[]> written = new ArrayList<>();
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      for (int i = 0; i < 60; i++) {
        byte[] payload = new byte[i % 3 == 0 ? config.recordBytesMax() : i];
        java.util.Arrays.fill(payload, (byte) i);
        written.add(payload);
        log.append(1, payload);
      }
      log.sync();
    }
    try (SegmentedLog log = SegmentedLog.open(fs, dir, config).log()) {
      List<TestRecords.Rec> records = TestRecords.readAll(log);
      assertThat(records).hasSize(60);
      for (int i = 0; i < 60; i++) {
        assertThat(records.get(i).payload()).isEqualTo(written.get(i));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void refusesToGrowBeyondSegmentsMaxUntilTrimmed(TestFs kind) throws IOException {
    WalConfig config = WalConfig.small().withSegmentsMax(3);
    try (SegmentedLog log = SegmentedLog.open(kind.create(tmp), kind.dir(tmp), config).log()) {
      assertThatThrownBy(() -> appendDerived(log, 1000))
          .isInstanceOf(IOException.class).hasMessageContaining("segmentsMax");
      long last = log.lastIndex();
      log.sync();
      log.trimBefore(last);
      appendDerived(log, 5);
      log.sync();
      assertDerived(log);
    }
  }

  @ParameterizedTest
  @EnumSource(TestFs.class)
  void rejectsBadInput(TestFs kind) throws IOException {
    WalConfig config = WalConfig.small();
    try (SegmentedLog log = SegmentedLog.open(kind.create(tmp), kind.dir(tmp), config).log()) {
      assertThatThrownBy(() -> log.append(256, new byte[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.append(-1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.append(0, new byte[config.recordBytesMax() + 1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(log.lastIndex()).isZero();
      long syncs = log.syncCount();
      log.sync();
      assertThat(log.syncCount()).as("a sync with nothing new does not touch the disk").isEqualTo(syncs);
      log.append(type(1), payload(1));
    }
  }

  private static List<Long> segmentFirsts(FileSystem fs, Path dir) throws IOException {
    List<Long> firsts = new ArrayList<>();
    for (Path p : fs.list(dir)) {
      firsts.add(SegmentFile.parse(p.getFileName().toString()));
    }
    return firsts;
  }
}
