package io.synod.wal;

import io.synod.common.Ensure;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The first {@value #BYTES} bytes of every segment: magic, format version, the index of the
 * segment's first record and the segment's size, protected by a CRC32C. Recovery trusts a segment's
 * first index only when this header checks out and agrees with the file name.
 *
 * <pre>
 *   0 magic u32 'SWAL'   4 version u16   6 reserved u16   8 firstIndex u64
 *  16 capacityBytes u32 20 reserved (8 zero bytes)       28 crc32c u32 over bytes [0, 28)
 * </pre>
 */
record SegmentHeader(long firstIndex, int capacityBytes) {
  static final int BYTES = 32;
  static final int MAGIC = 0x5357414C;
  static final short VERSION = 1;

  SegmentHeader {
    Ensure.that(firstIndex >= 1, "first index %d must be at least 1", firstIndex);
    Ensure.that(capacityBytes >= BYTES + Frame.HEADER_BYTES, "segment of %d bytes cannot hold a record", capacityBytes);
  }

  ByteBuffer encode() {
    ByteBuffer buf = ByteBuffer.allocate(BYTES);
    buf.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(firstIndex).putInt(capacityBytes);
    buf.putLong(0);
    buf.putInt(crcOf(buf));
    buf.flip();
    Ensure.that(buf.remaining() == BYTES, "header encodes to %d bytes", BYTES);
    return buf;
  }

  /** Decodes a header, or returns null if it is damaged, of another format or not a header at all. */
  static SegmentHeader decode(ByteBuffer buf) {
    Ensure.that(buf.remaining() >= BYTES, "decoding needs %d bytes", BYTES);
    ByteBuffer h = buf.slice(buf.position(), BYTES);
    if (h.getInt(0) != MAGIC || h.getShort(4) != VERSION) {
      return null;
    }
    ByteBuffer body = h.duplicate();
    body.position(28);
    if (crcOf(body) != h.getInt(28)) {
      return null;
    }
    long firstIndex = h.getLong(8);
    int capacity = h.getInt(16);
    if (firstIndex < 1 || capacity < BYTES + Frame.HEADER_BYTES || capacity > WalConfig.SEGMENT_BYTES_LIMIT) {
      return null;
    }
    return new SegmentHeader(firstIndex, capacity);
  }

  /** CRC32C of the bytes before {@code buf}'s position (the header fields). */
  private static int crcOf(ByteBuffer buf) {
    CRC32C crc = new CRC32C();
    crc.update(buf.slice(0, buf.position()));
    return (int) crc.getValue();
  }
}
