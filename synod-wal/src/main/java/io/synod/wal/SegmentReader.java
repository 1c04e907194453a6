package io.synod.wal;

import io.synod.common.Ensure;
import io.synod.wal.fs.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads one segment at a time through a large window, so recovery and replay issue one big
 * sequential read per {@code readBufferBytes} instead of a system call per record. Holds no more
 * than that window in memory. Used by one thread at a time.
 */
final class SegmentReader {
  /** {@link #frameAt} found fewer than a frame header's bytes before the end of the segment. */
  static final int END = Integer.MIN_VALUE;

  private final ByteBuffer window;
  private final int recordBytesMax;
  private final CRC32C crc = new CRC32C();
  private FileHandle handle;
  private Path path;
  private long limit;
  private long windowStart;
  private int windowLength;
  private long bytesRead;

  SegmentReader(int readBufferBytes, int recordBytesMax) {
    Ensure.that(readBufferBytes >= Frame.HEADER_BYTES + recordBytesMax, "the window must hold the largest frame");
    this.window = ByteBuffer.allocateDirect(readBufferBytes);
    this.recordBytesMax = recordBytesMax;
  }

  /** Starts reading {@code handle}, treating {@code limitBytes} as the end of the segment. */
  void reset(FileHandle handle, Path path, long limitBytes) {
    Ensure.that(limitBytes >= 0, "limit %d is negative", limitBytes);
    this.handle = handle;
    this.path = path;
    this.limit = limitBytes;
    this.windowStart = 0;
    this.windowLength = 0;
  }

  Path path() {
    return path;
  }

  long limit() {
    return limit;
  }

  /**
   * Makes bytes {@code [offset, offset + length)} available in {@link #buffer()} and returns the
   * index of the first; the buffer's limit marks the end of what it holds.
   */
  int load(long offset, int length) throws IOException {
    Ensure.that(offset >= 0, "offset %d is negative", offset);
    Ensure.that(offset + length <= limit, "bytes [%d, +%d) lie beyond the segment end %d", offset, length, limit);
    Ensure.that(length <= window.capacity(), "%d bytes do not fit the read window", length);
    if (offset >= windowStart && offset + length <= windowStart + windowLength) {
      return (int) (offset - windowStart);
    }
    int wanted = (int) Math.min(window.capacity(), limit - offset);
    window.clear();
    window.limit(wanted);
    while (window.hasRemaining()) {
      int read = handle.read(window, offset + window.position());
      if (read < 0) {
        throw new IOException(path + " ended at byte offset " + (offset + window.position())
            + " although " + limit + " bytes were expected");
      }
    }
    window.flip();
    bytesRead += wanted;
    windowStart = offset;
    windowLength = wanted;
    Ensure.that(window.limit() == wanted, "the window holds what was read");
    return 0;
  }

  /** Bytes read from files since this reader was made: what recovery scanned. */
  long bytesRead() {
    return bytesRead;
  }

  ByteBuffer buffer() {
    return window;
  }

  /**
   * Checks the frame at {@code offset}: returns its size if it is valid, {@link Frame#ZERO} for an
   * all-zero header, {@link Frame#BAD} for a damaged one, or {@link #END} when fewer than a header's
   * bytes remain. After a valid result the whole frame is in the window.
   */
  int frameAt(long offset) throws IOException {
    if (limit - offset < Frame.HEADER_BYTES) {
      return END;
    }
    int index = load(offset, Frame.HEADER_BYTES);
    int result = Frame.check(window, index, limit - offset, recordBytesMax, crc);
    if (result < Frame.BAD) {
      index = load(offset, -result - 2);
      result = Frame.check(window, index, limit - offset, recordBytesMax, crc);
      Ensure.that(result >= Frame.BAD, "a frame inside the window is decided");
    }
    return result;
  }

  /** The type of the valid frame at {@code offset}, just checked by {@link #frameAt}. */
  int typeAt(long offset) throws IOException {
    int index = load(offset, Frame.HEADER_BYTES);
    return window.get(index + 4) & 0xFF;
  }

  /** A copy of the payload of the valid frame of {@code frameBytes} at {@code offset}. */
  byte[] payloadAt(long offset, int frameBytes) throws IOException {
    Ensure.that(frameBytes >= Frame.HEADER_BYTES, "a frame has a header");
    int index = load(offset, frameBytes);
    byte[] payload = new byte[frameBytes - Frame.HEADER_BYTES];
    window.get(index + Frame.HEADER_BYTES, payload);
    Ensure.that(window.getInt(index) == payload.length, "the payload length matches the header");
    return payload;
  }

  /** The offset of the first non-zero byte in {@code [from, limit)}, or {@code limit} if none. */
  long nextNonZero(long from) throws IOException {
    long offset = from;
    while (offset < limit) {
      int index = load(offset, 1);
      int end = window.limit();
      // Eight bytes at a time: the zero tail of a preallocated segment is long.
      while (index + 8 <= end && window.getLong(index) == 0) {
        index += 8;
      }
      while (index < end && window.get(index) == 0) {
        index++;
      }
      if (index < end) {
        return windowStart + index;
      }
      offset = windowStart + end;
    }
    return limit;
  }

  /** One past the last non-zero byte in {@code [from, limit)}, or {@code from} if all are zero. */
  long endOfNonZero(long from) throws IOException {
    long end = from;
    long offset = nextNonZero(from);
    while (offset < limit) {
      int index = load(offset, 1);
      int bufferEnd = window.limit();
      for (int i = bufferEnd - 1; i >= index; i--) {
        if (window.get(i) != 0) {
          end = windowStart + i + 1;
          break;
        }
      }
      offset = nextNonZero(windowStart + bufferEnd);
    }
    Ensure.that(end >= from, "the end of non-zero bytes is not before the start");
    return end;
  }

  /**
   * The first offset in {@code [from, limit)} where a valid frame begins, or -1. A valid frame's
   * header always holds a non-zero byte, so runs of zeros are skipped without checking each offset.
   */
  long nextValidFrame(long from) throws IOException {
    long offset = from;
    while (offset + Frame.HEADER_BYTES <= limit) {
      long nonZero = nextNonZero(offset);
      if (nonZero >= limit) {
        return -1;
      }
      offset = Math.max(offset, nonZero - (Frame.HEADER_BYTES - 1));
      if (frameAt(offset) > 0) {
        return offset;
      }
      offset++;
    }
    return -1;
  }
}
