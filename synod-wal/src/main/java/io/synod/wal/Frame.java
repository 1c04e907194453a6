package io.synod.wal;

import io.synod.common.Ensure;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing of one record: {@code [length u32][type u8][crc32c u32][payload]}, big-endian, where
 * the CRC32C covers the length, the type and the payload. A frame never crosses a segment boundary.
 *
 * <p>An all-zero header is never a valid frame (checked below), so the zeros a segment is
 * preallocated with read as "no record here" and never as an empty record.
 */
final class Frame {
  static final int HEADER_BYTES = 9;
  static final int TYPE_MAX = 255;

  /** What {@link #check} found at an offset. */
  static final int ZERO = 0;
  static final int BAD = -1;

  static {
    ByteBuffer zeros = ByteBuffer.allocate(HEADER_BYTES);
    Ensure.that(check(zeros, 0, HEADER_BYTES, 0, new CRC32C()) == ZERO, "an all-zero header must not be a valid frame");
  }

  private Frame() {}

  /** The checksum stored in a frame with this length, type and payload. */
  static int checksum(CRC32C crc, int length, int type, byte[] payload, int payloadOffset) {
    crc.reset();
    crc.update(length >>> 24);
    crc.update(length >>> 16);
    crc.update(length >>> 8);
    crc.update(length);
    crc.update(type);
    crc.update(payload, payloadOffset, length);
    return (int) crc.getValue();
  }

  /** Writes the header of a frame for {@code payload} into {@code dst} at its position. */
  static void putHeader(ByteBuffer dst, int type, byte[] payload, CRC32C crc) {
    // Plain messages: this runs for every record, and a formatted one boxes its arguments every time.
    Ensure.that(type >= 0, "type is negative");
    Ensure.that(type <= TYPE_MAX, "type does not fit a byte");
    dst.putInt(payload.length);
    dst.put((byte) type);
    dst.putInt(checksum(crc, payload.length, type, payload, 0));
  }

  /**
   * Decodes the frame starting at {@code index} of {@code buf}, with {@code available} bytes of the
   * segment from there on (which may exceed what the buffer holds). Returns the frame's total size
   * if it is valid and wholly inside the buffer, {@link #ZERO} if the header is all zeros, {@link #BAD}
   * if it is damaged or cannot be a frame, or {@code -(size)-2} when the header is sane but the
   * buffer does not yet hold the whole frame, so that the caller refills and asks again.
   */
  static int check(ByteBuffer buf, int index, long available, int recordBytesMax, CRC32C crc) {
    Ensure.that(index >= 0, "index %d is negative", index);
    Ensure.that(index + HEADER_BYTES <= buf.limit(), "the buffer must hold the frame header");
    int length = buf.getInt(index);
    int type = buf.get(index + 4) & 0xFF;
    int stored = buf.getInt(index + 5);
    if (length == 0 && type == 0 && stored == 0) {
      return ZERO;
    }
    if (length < 0 || length > recordBytesMax || HEADER_BYTES + (long) length > available) {
      return BAD;
    }
    int size = HEADER_BYTES + length;
    if (index + size > buf.limit()) {
      return -size - 2;
    }
    crc.reset();
    crc.update(buf.slice(index, 5));
    crc.update(buf.slice(index + HEADER_BYTES, length));
    return (int) crc.getValue() == stored ? size : BAD;
  }
}
