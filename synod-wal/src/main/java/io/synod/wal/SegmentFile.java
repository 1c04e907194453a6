package io.synod.wal;

import io.synod.common.Ensure;
import java.nio.file.Path;

/**
 * A segment on disk: its path and the index of its first record. Segment files are named by that
 * index, zero-padded to 20 digits so that name order is index order.
 */
record SegmentFile(long firstIndex, Path path) {
  static final String SUFFIX = ".wal";
  private static final int DIGITS = 20;

  SegmentFile {
    Ensure.that(firstIndex >= 1, "a segment's first index %d must be at least 1", firstIndex);
    Ensure.that(path.getFileName().toString().equals(nameOf(firstIndex)),
        "segment %s is named by its first index", path);
  }

  static SegmentFile in(Path dir, long firstIndex) {
    return new SegmentFile(firstIndex, dir.resolve(nameOf(firstIndex)));
  }

  static String nameOf(long firstIndex) {
    return String.format("%0" + DIGITS + "d%s", firstIndex, SUFFIX);
  }

  /** The first index a segment file name stands for, or -1 if the name is not a segment's. */
  static long parse(String name) {
    if (name.length() != DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
      return -1;
    }
    for (int i = 0; i < DIGITS; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    try {
      long index = Long.parseLong(name.substring(0, DIGITS));
      return index >= 1 ? index : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
