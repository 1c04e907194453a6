package io.synod.node;

import io.synod.common.Ensure;
import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.Entry;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary forms of what a replica stores: log records (accepted entries, chosen hints, trims, the end
 * of a rebuild), the acceptor state file and snapshot metadata. Every decoder checks lengths and
 * throws {@link IOException} on a malformed payload instead of returning garbage.
 *
 * <p>Every log record and the acceptor state name their Paxos group, so that one node can later keep
 * many groups (key ranges with leaders of their own) on one log. Record types 1 to 4 were the same
 * records without a group; they are refused by name rather than misread.
 */
final class StorageCodec {
  static final int ENTRY = 5;
  static final int CHOSEN = 6;
  static final int TRIM = 7;
  static final int REBUILT = 8;
  /** Record types of the format before group ids. */
  static final int OLDEST_FORMAT_TYPE_MAX = 4;
  /** First four bytes of the acceptor state file in this format. */
  private static final int ACCEPTOR_STATE_FORMAT = 0x53594e02;

  private static final int COMMANDS_MAX = 1 << 20;

  private StorageCodec() {}

  static byte[] encodeEntry(int groupId, Entry entry) {
    Batch batch = entry.batch();
    ByteBuffer out = ByteBuffer.allocate(4 + 8 + 8 + 4 + 4 + 4 * batch.size() + batch.byteSize());
    out.putInt(groupId).putLong(entry.slot()).putLong(entry.ballot().round()).putInt(entry.ballot().replicaId());
    out.putInt(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      byte[] command = batch.command(i);
      out.putInt(command.length).put(command);
    }
    Ensure.that(!out.hasRemaining(), "entry encoding must fill its buffer exactly");
    return out.array();
  }

  /** The group a log record belongs to (its first four bytes). */
  static int groupOf(byte[] payload) throws IOException {
    if (payload.length < 4) {
      throw new IOException("log record of " + payload.length + " bytes has no group id");
    }
    return ByteBuffer.wrap(payload).getInt();
  }

  /** An entry record's entry, after its group id. */
  static Entry decodeEntry(byte[] payload) throws IOException {
    try {
      ByteBuffer in = ByteBuffer.wrap(payload);
      in.getInt();
      long slot = in.getLong();
      Ballot ballot = new Ballot(in.getLong(), in.getInt());
      int count = in.getInt();
      if (count < 0 || count > COMMANDS_MAX) {
        throw new IOException("entry record holds an impossible command count " + count);
      }
      List<byte[]> commands = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw new IOException("entry record command " + i + " has a bad length " + length);
        }
        byte[] command = new byte[length];
        in.get(command);
        commands.add(command);
      }
      if (in.hasRemaining()) {
        throw new IOException("entry record has " + in.remaining() + " trailing bytes");
      }
      return new Entry(slot, ballot, Batch.of(commands));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("malformed entry record: " + e.getMessage(), e);
    }
  }

  /** A record of the group holding one number (a chosen hint, a trim point); the end of a rebuild holds none. */
  static byte[] encodeGroupRecord(int groupId, long value) {
    return ByteBuffer.allocate(4 + 8).putInt(groupId).putLong(value).array();
  }

  static long decodeGroupRecord(byte[] payload) throws IOException {
    if (payload.length != 4 + 8) {
      throw new IOException("expected a 12-byte record, found " + payload.length + " bytes");
    }
    return ByteBuffer.wrap(payload, 4, 8).getLong();
  }

  static byte[] encodeLong(long value) {
    return ByteBuffer.allocate(8).putLong(value).array();
  }

  static long decodeLong(byte[] payload) throws IOException {
    if (payload.length != 8) {
      throw new IOException("expected an 8-byte record, found " + payload.length + " bytes");
    }
    return ByteBuffer.wrap(payload).getLong();
  }

  /** The acceptor state file: format, group, promised ballot and configuration. */
  static byte[] encodeAcceptorState(int groupId, Ballot promised, Configuration configuration) {
    ByteBuffer out = ByteBuffer.allocate(4 + 4 + 8 + 4 + 4 + 4 * configuration.size());
    out.putInt(ACCEPTOR_STATE_FORMAT).putInt(groupId).putLong(promised.round()).putInt(promised.replicaId());
    putConfiguration(out, configuration);
    return out.array();
  }

  record AcceptorState(int groupId, Ballot promised, Configuration configuration) {}

  static AcceptorState decodeAcceptorState(byte[] payload) throws IOException {
    try {
      ByteBuffer in = ByteBuffer.wrap(payload);
      if (in.getInt() != ACCEPTOR_STATE_FORMAT) {
        throw new IOException("acceptor state in an older format (without a group id), which this version cannot read");
      }
      int groupId = in.getInt();
      Ballot promised = new Ballot(in.getLong(), in.getInt());
      Configuration configuration = getConfiguration(in);
      if (in.hasRemaining()) {
        throw new IOException("acceptor state has trailing bytes");
      }
      return new AcceptorState(groupId, promised, configuration);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("malformed acceptor state: " + e.getMessage(), e);
    }
  }

  static byte[] encodeConfiguration(Configuration configuration) {
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * configuration.size());
    putConfiguration(out, configuration);
    return out.array();
  }

  static Configuration decodeConfiguration(byte[] payload) throws IOException {
    try {
      return getConfiguration(ByteBuffer.wrap(payload));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("malformed configuration: " + e.getMessage(), e);
    }
  }

  private static void putConfiguration(ByteBuffer out, Configuration configuration) {
    out.putInt(configuration.size());
    for (int member : configuration.members()) {
      out.putInt(member);
    }
  }

  private static Configuration getConfiguration(ByteBuffer in) throws IOException {
    int size = in.getInt();
    if (size < 1 || size > 63) {
      throw new IOException("configuration with " + size + " members");
    }
    List<Integer> members = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      members.add(in.getInt());
    }
    return new Configuration(members);
  }
}
