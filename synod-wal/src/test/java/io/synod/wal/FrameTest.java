package io.synod.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrameTest {
  private static final int MAX = 1024;

  private static ByteBuffer encode(int type, byte[] payload) {
    ByteBuffer buf = ByteBuffer.allocate(Frame.HEADER_BYTES + payload.length);
    Frame.putHeader(buf, type, payload, new CRC32C());
    buf.put(payload).flip();
    return buf;
  }

  /** Seeded random cases: the same frames every run, many of them. */
  private static final int CASES = 2000;

  @Test
  void aFrameDecodesToItsSize() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < CASES; i++) {
      byte[] payload = new byte[random.nextInt(MAX + 1)];
      random.nextBytes(payload);
      ByteBuffer buf = encode(random.nextInt(256), payload);
      assertThat(Frame.check(buf, 0, buf.limit(), MAX, new CRC32C())).as("case %d", i).isEqualTo(buf.limit());
    }
  }

  @Test
  void everySingleBitFlipIsCaught() {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < CASES; i++) {
      byte[] payload = new byte[random.nextInt(65)];
      random.nextBytes(payload);
      ByteBuffer buf = encode(random.nextInt(256), payload);
      int bit = random.nextInt(buf.limit() * 8);
      buf.put(bit / 8, (byte) (buf.get(bit / 8) ^ (1 << (bit % 8))));
      int result = Frame.check(buf, 0, buf.limit(), MAX, new CRC32C());
      // A flipped length bit may make the frame claim more bytes than the buffer holds (result <
      // BAD): never a valid frame either way.
      assertThat(result).as("case %d bit %d", i, bit).isLessThanOrEqualTo(Frame.ZERO);
    }
  }

  @Test
  void zerosAreNotAFrameAndLengthsBeyondTheLimitAreBad() {
    assertThat(Frame.check(ByteBuffer.allocate(20), 0, 20, MAX, new CRC32C())).isEqualTo(Frame.ZERO);
    ByteBuffer big = encode(1, new byte[MAX + 1]);
    assertThat(Frame.check(big, 0, big.limit(), MAX, new CRC32C())).isEqualTo(Frame.BAD);
    ByteBuffer cut = encode(1, new byte[100]);
    assertThat(Frame.check(cut, 0, 50, MAX, new CRC32C())).as("runs past the segment end").isEqualTo(Frame.BAD);
  }

  @Test
  void segmentHeadersRoundTripAndRejectDamage() {
    SegmentHeader header = new SegmentHeader(12345, 4096);
    assertThat(SegmentHeader.decode(header.encode())).isEqualTo(header);
    for (int bit = 0; bit < SegmentHeader.BYTES * 8; bit++) {
      ByteBuffer buf = header.encode();
      buf.put(bit / 8, (byte) (buf.get(bit / 8) ^ (1 << (bit % 8))));
      assertThat(SegmentHeader.decode(buf)).as("bit %d", bit).isNull();
    }
  }

  @Test
  void segmentNamesSortByIndex() {
    assertThat(SegmentFile.nameOf(42)).isEqualTo("00000000000000000042.wal");
    assertThat(SegmentFile.parse("00000000000000000042.wal")).isEqualTo(42);
    assertThat(SegmentFile.parse("0000000000000000004x.wal")).isEqualTo(-1);
    assertThat(SegmentFile.parse("00000000000000000000.wal")).isEqualTo(-1);
    assertThat(SegmentFile.parse("42.wal")).isEqualTo(-1);
  }
}
