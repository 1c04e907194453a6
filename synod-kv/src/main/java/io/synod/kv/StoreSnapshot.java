package io.synod.kv;

import io.synod.common.Ensure;
import io.synod.kv.engine.Engine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The logical snapshot format: every engine entry of the store in key order, with the applied slot,
 * closed by a checksum. It is engine-neutral (a RocksDB store's snapshot restores into an in-memory
 * one) and the whole state travels as one array, so it suits states well below 2 GiB; a large
 * RocksDB store ships checkpoint files instead ({@code RocksDbEngine.checkpoint}).
 *
 * <pre>"SKV1" slot(varint) { 1 key(bytes) value(bytes) }* 0 checksum(8 bytes)</pre>
 */
final class StoreSnapshot {
  private static final byte[] MAGIC = {'S', 'K', 'V', '1'};

  /** A decoded snapshot: the slot and the entries in key order. */
  record Contents(long slot, List<byte[][]> entries) {}

  private StoreSnapshot() {}

  static byte[] encode(Engine engine, long slot) {
    ByteWriter out = start(engine, slot);
    engine.scan(EngineKeys.ALL_START, EngineKeys.ALL_END, (key, value) -> {
      writeEntry(out, key, value);
      return true;
    });
    return finish(out);
  }

  /** A writer holding the snapshot's head, sized for the whole state. */
  static ByteWriter start(Engine engine, long slot) {
    // Sized up front (entries plus their length prefixes), so the buffer is not regrown and copied.
    long expected = engine.sizeBytes() + engine.sizeBytes() / 16 + 4096;
    ByteWriter out = new ByteWriter((int) Math.min(expected, Integer.MAX_VALUE - 64));
    out.writeRaw(MAGIC).writeVarLong(slot);
    return out;
  }

  static void writeEntry(ByteWriter out, byte[] key, byte[] value) {
    out.writeByte(1).writeBytes(key).writeBytes(value);
  }

  /** Closes the entries and adds the checksum: the snapshot's bytes. */
  static byte[] finish(ByteWriter out) {
    out.writeByte(0);
    out.writeLong(out.hashOfContents());
    return out.toByteArray();
  }

  /** Decodes and checks a snapshot completely before anything is changed. */
  static Contents decode(byte[] bytes) {
    Ensure.argument(bytes.length >= MAGIC.length + 10, "snapshot too short");
    Ensure.argument(Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC), "not a Synod KV snapshot");
    int bodyLength = bytes.length - 8;
    try {
      ByteReader tail = new ByteReader(Arrays.copyOfRange(bytes, bodyLength, bytes.length));
      Ensure.argument(tail.readLong() == StateHash.of(bytes, bodyLength), "snapshot checksum mismatch");
      ByteReader in = new ByteReader(Arrays.copyOfRange(bytes, MAGIC.length, bodyLength));
      long slot = in.readVarLong();
      Ensure.argument(slot >= 0, "snapshot slot must not be negative");
      List<byte[][]> entries = new ArrayList<>();
      byte[] last = null;
      while (in.readBool()) {
        byte[] key = in.readBytes();
        byte[] value = in.readBytes();
        Ensure.argument(last == null || Bytes.compare(last, key) < 0, "snapshot keys are in order");
        Ensure.argument(key.length > 0 && key[0] >= EngineKeys.META && key[0] <= EngineKeys.LEASE,
            "snapshot key is one the store writes");
        entries.add(new byte[][] {key, value});
        last = key;
      }
      in.expectEnd();
      return new Contents(slot, entries);
    } catch (KvException e) {
      throw new IllegalArgumentException("malformed snapshot: " + e.getMessage(), e);
    }
  }
}
