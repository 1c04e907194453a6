package io.synod.server;

import io.synod.common.Ensure;
import io.synod.kv.MvccStore;
import io.synod.kv.engine.InMemoryEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The file {@code etcdctl snapshot save} writes from a Synod member: the store's whole state at one
 * revision, with what a restore needs, closed by a SHA-256 of everything before it (etcd closes its
 * snapshot stream the same way, so the file carries its own checksum).
 *
 * <pre>
 * "SYNODSNP" version(4) revision(8) compactRevision(8) slot(8) storeBytes(8)
 * store snapshot (storeBytes bytes, synod-kv's StoreSnapshot format, with its own checksum)
 * zeros up to a multiple of 512 bytes
 * sha256(32) of all bytes above
 * </pre>
 *
 * The padding is for etcdctl: it takes a file whose length is not 32 more than a multiple of 512
 * (etcd's database pages) as one without a checksum and refuses to save it.
 *
 * All numbers are big-endian. {@code slot} is the log slot the state reflects on the member it came
 * from; a restored cluster starts its log after it.
 */
final class SnapshotFile {
  static final byte[] MAGIC = {'S', 'Y', 'N', 'O', 'D', 'S', 'N', 'P'};
  static final int VERSION = 1;
  static final int HEADER_BYTES = MAGIC.length + 4 + 8 + 8 + 8 + 8;
  static final int SHA256_BYTES = 32;
  static final int ALIGN_BYTES = 512;

  /** A snapshot read back and checked: its header fields and the store snapshot. */
  record Contents(long revision, long compactRevision, long slot, byte[] store) {}

  private SnapshotFile() {}

  /** The file's content without the trailing checksum (what the server streams before the hash). */
  static byte[] body(long revision, long compactRevision, long slot, byte[] store) {
    Ensure.argument(slot >= 0, "slot must not be negative");
    int unpadded = HEADER_BYTES + store.length;
    int padded = (unpadded + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
    return ByteBuffer.allocate(padded)
        .put(MAGIC).putInt(VERSION).putLong(revision).putLong(compactRevision).putLong(slot)
        .putLong(store.length).put(store).array();
  }

  static byte[] sha256(byte[] bytes, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes, 0, length);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * Reads {@code file} and checks it completely: length, magic, version, the SHA-256 at its end, and
   * the store snapshot itself (decoded into a store, whose revisions must match the header).
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static Contents read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException("cannot read snapshot file " + file + ": " + e.getMessage(), e);
    }
    try {
      return decode(bytes);
    } catch (IllegalArgumentException e) {
      throw new IOException("snapshot file " + file + " is not usable: " + e.getMessage(), e);
    }
  }

  /** Checks and decodes a whole file's bytes; a bad one throws IllegalArgumentException saying why. */
  static Contents decode(byte[] bytes) {
    Ensure.argument(bytes.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC),
        "not a Synod snapshot (it does not start with " + new String(MAGIC, java.nio.charset.StandardCharsets.US_ASCII)
            + ")");
    Ensure.argument(bytes.length >= HEADER_BYTES + SHA256_BYTES,
        "truncated: " + bytes.length + " bytes, shorter than a header and a checksum");
    int bodyLength = bytes.length - SHA256_BYTES;
    byte[] expected = Arrays.copyOfRange(bytes, bodyLength, bytes.length);
    Ensure.argument(MessageDigest.isEqual(expected, sha256(bytes, bodyLength)),
        "SHA-256 checksum mismatch (the file is truncated or corrupted)");
    ByteBuffer in = ByteBuffer.wrap(bytes, MAGIC.length, bodyLength - MAGIC.length);
    int version = in.getInt();
    Ensure.argument(version == VERSION, "unknown snapshot format version " + version);
    long revision = in.getLong();
    long compactRevision = in.getLong();
    long slot = in.getLong();
    long storeBytes = in.getLong();
    Ensure.argument(slot >= 0, "negative slot " + slot);
    Ensure.argument(storeBytes >= 0 && storeBytes <= in.remaining() && in.remaining() - storeBytes < ALIGN_BYTES,
        "header says " + storeBytes + " store bytes, the file holds " + in.remaining());
    byte[] store = new byte[(int) storeBytes];
    in.get(store);
    while (in.hasRemaining()) {
      Ensure.argument(in.get() == 0, "padding after the store snapshot is not zeros");
    }
    // The store checks its own format and checksum; its revisions must be the header's.
    MvccStore check = MvccStore.open(new InMemoryEngine());
    check.restore(slot, store);
    Ensure.argument(check.revision() == revision,
        "header revision " + revision + " but the store is at revision " + check.revision());
    Ensure.argument(check.compactRevision() == compactRevision,
        "header compact revision " + compactRevision + " but the store's is " + check.compactRevision());
    return new Contents(revision, compactRevision, slot, store);
  }
}
