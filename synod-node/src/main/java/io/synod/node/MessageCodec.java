package io.synod.node;

import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.Entry;
import io.synod.node.core.NodeMessage;
import io.synod.paxos.Message;
import io.synod.paxos.SnapshotHandle;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of {@link NodeMessage}s between nodes: one type byte, then the fields in order,
 * big-endian. A decoder never trusts a length: a malformed frame is an {@link IOException}, never a
 * half-built message.
 */
public final class MessageCodec {
  private static final byte PREPARE = 1;
  private static final byte PROMISE = 2;
  private static final byte NACK = 3;
  private static final byte ACCEPT = 4;
  private static final byte ACCEPTED = 5;
  private static final byte HEARTBEAT = 6;
  private static final byte HEARTBEAT_ACK = 7;
  private static final byte CATCH_UP_REQUEST = 8;
  private static final byte CATCH_UP_REPLY = 9;
  private static final byte INSTALL_SNAPSHOT = 10;
  private static final byte REBUILD_REQUEST = 11;
  private static final byte REBUILD_REPLY = 12;
  private static final byte LEASE_REQUEST = 13;
  private static final byte LEASE_GRANT = 14;
  private static final byte PROGRESS = 15;
  private static final byte TIMEOUT_NOW = 16;
  private static final byte FORWARD = 20;

  private static final int BALLOT_BYTES = 8 + 4;

  /** Upper bound on list lengths a frame may claim, so a corrupt count cannot exhaust memory. */
  private static final int COUNT_MAX = 1 << 24;

  /** Where a frame holds the receiver's id: after the type byte, the group and the sender. */
  private static final int TO_OFFSET = 1 + 4 + 4;

  private MessageCodec() {}

  /**
   * Encodes messages for one sending thread, encoding an Accept that goes to several peers once: the
   * leader sends each peer its own {@link Message.Accept} over the same list of batches, so a frame
   * that differs from the previous one only in its receiver is the previous frame with the receiver
   * patched in. Not thread-safe: one per sending thread.
   */
  public static final class Encoder {
    private Message.Accept lastAccept;
    private byte[] lastFrame;

    public byte[] encode(NodeMessage message) {
      if (message instanceof NodeMessage.Paxos p && p.message() instanceof Message.Accept a) {
        Message.Accept last = lastAccept;
        // The same list object (not merely equal batches): sent to several peers in one go.
        if (last != null && last.batches() == a.batches() && last.groupId() == a.groupId()
            && last.from() == a.from() && last.ballot().equals(a.ballot()) && last.firstSlot() == a.firstSlot()
            && last.commitUpTo() == a.commitUpTo()) {
          byte[] frame = lastFrame.clone();
          ByteBuffer.wrap(frame).putInt(TO_OFFSET, a.to());
          return frame;
        }
        byte[] frame = MessageCodec.encode(message);
        lastAccept = a;
        lastFrame = frame;
        return frame;
      }
      return MessageCodec.encode(message);
    }
  }

  public static byte[] encode(NodeMessage message) {
    Writer w = new Writer(sizeHint(message));
    if (message instanceof NodeMessage.Forward f) {
      w.b(FORWARD).i(f.groupId()).i(f.from()).i(f.to()).bytes(f.command());
      return w.done();
    }
    Message m = ((NodeMessage.Paxos) message).message();
    if (m instanceof Message.Prepare p) {
      w.b(PREPARE).head(p).ballot(p.ballot()).l(p.fromSlot());
    } else if (m instanceof Message.Promise p) {
      w.b(PROMISE).head(p).ballot(p.ballot()).l(p.fromSlot()).l(p.logStart()).l(p.chosenUpTo()).entries(p.accepted());
    } else if (m instanceof Message.Nack n) {
      w.b(NACK).head(n).ballot(n.ballot()).ballot(n.promised());
    } else if (m instanceof Message.Accept a) {
      w.b(ACCEPT).head(a).ballot(a.ballot()).l(a.firstSlot()).l(a.commitUpTo()).i(a.batches().size());
      for (Batch batch : a.batches()) {
        w.batch(batch);
      }
    } else if (m instanceof Message.Accepted a) {
      w.b(ACCEPTED).head(a).ballot(a.ballot()).l(a.firstSlot()).i(a.count());
    } else if (m instanceof Message.Heartbeat h) {
      w.b(HEARTBEAT).head(h).ballot(h.ballot()).l(h.commitUpTo());
    } else if (m instanceof Message.HeartbeatAck h) {
      w.b(HEARTBEAT_ACK).head(h).ballot(h.ballot()).l(h.chosenUpTo());
    } else if (m instanceof Message.CatchUpRequest c) {
      w.b(CATCH_UP_REQUEST).head(c).l(c.fromSlot()).i(c.maxSlots());
    } else if (m instanceof Message.CatchUpReply c) {
      w.b(CATCH_UP_REPLY).head(c).entries(c.chosen());
    } else if (m instanceof Message.InstallSnapshot s) {
      w.b(INSTALL_SNAPSHOT).head(s).l(s.handle().slot()).i(s.handle().configuration().size());
      for (int member : s.handle().configuration().members()) {
        w.i(member);
      }
      w.bytes(s.data());
    } else if (m instanceof Message.RebuildRequest r) {
      w.b(REBUILD_REQUEST).head(r);
    } else if (m instanceof Message.RebuildReply r) {
      w.b(REBUILD_REPLY).head(r).ballot(r.promised()).l(r.chosenUpTo()).l(r.lastSlot());
    } else if (m instanceof Message.LeaseRequest r) {
      w.b(LEASE_REQUEST).head(r).l(r.incarnation()).l(r.number()).l(r.prefix()).l(r.clockNanos());
    } else if (m instanceof Message.LeaseGrant g) {
      w.b(LEASE_GRANT).head(g).l(g.incarnation()).l(g.number()).l(g.accepted());
    } else if (m instanceof Message.Progress p) {
      w.b(PROGRESS).head(p).l(p.incarnation()).l(p.prefix()).l(p.vouched());
    } else if (m instanceof Message.TimeoutNow t) {
      w.b(TIMEOUT_NOW).head(t).ballot(t.ballot()).i(t.target());
    } else {
      throw new IllegalArgumentException("no wire form for " + m);
    }
    return w.done();
  }

  /**
   * The frame's size, exactly for the messages that carry client commands (forwards and accepts, the
   * bulk of the traffic) so they are written in one allocation, and a small guess for the rest.
   */
  private static int sizeHint(NodeMessage message) {
    if (message instanceof NodeMessage.Forward f) {
      return 1 + 4 + 4 + 4 + 4 + f.command().length;
    }
    if (((NodeMessage.Paxos) message).message() instanceof Message.Accept a) {
      int bytes = 1 + 4 + 4 + 4 + BALLOT_BYTES + 8 + 8 + 4;
      for (Batch batch : a.batches()) {
        bytes += 4 + 4 * batch.size() + batch.byteSize();
      }
      return bytes;
    }
    return 256;
  }

  public static NodeMessage decode(byte[] frame) throws IOException {
    try {
      ByteBuffer in = ByteBuffer.wrap(frame);
      byte type = in.get();
      int group = in.getInt();
      int from = in.getInt();
      int to = in.getInt();
      NodeMessage message = switch (type) {
        case FORWARD -> new NodeMessage.Forward(group, from, to, bytes(in));
        case PREPARE -> paxos(new Message.Prepare(group, from, to, ballot(in), in.getLong()));
        case PROMISE -> paxos(new Message.Promise(group, from, to, ballot(in), in.getLong(), in.getLong(),
            in.getLong(), entries(in)));
        case NACK -> paxos(new Message.Nack(group, from, to, ballot(in), ballot(in)));
        case ACCEPT -> {
          Ballot ballot = ballot(in);
          long firstSlot = in.getLong();
          long commitUpTo = in.getLong();
          int count = count(in);
          List<Batch> batches = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            batches.add(batch(in));
          }
          yield paxos(new Message.Accept(group, from, to, ballot, firstSlot, batches, commitUpTo));
        }
        case ACCEPTED -> paxos(new Message.Accepted(group, from, to, ballot(in), in.getLong(), in.getInt()));
        case HEARTBEAT -> paxos(new Message.Heartbeat(group, from, to, ballot(in), in.getLong()));
        case HEARTBEAT_ACK -> paxos(new Message.HeartbeatAck(group, from, to, ballot(in), in.getLong()));
        case CATCH_UP_REQUEST -> paxos(new Message.CatchUpRequest(group, from, to, in.getLong(), in.getInt()));
        case CATCH_UP_REPLY -> paxos(new Message.CatchUpReply(group, from, to, entries(in)));
        case INSTALL_SNAPSHOT -> {
          long slot = in.getLong();
          int members = count(in);
          List<Integer> ids = new ArrayList<>(members);
          for (int i = 0; i < members; i++) {
            ids.add(in.getInt());
          }
          SnapshotHandle handle = new SnapshotHandle(slot, new Configuration(ids));
          yield paxos(new Message.InstallSnapshot(group, from, to, handle, bytes(in)));
        }
        case REBUILD_REQUEST -> paxos(new Message.RebuildRequest(group, from, to));
        case REBUILD_REPLY -> paxos(new Message.RebuildReply(group, from, to, ballot(in), in.getLong(), in.getLong()));
        case LEASE_REQUEST -> paxos(new Message.LeaseRequest(group, from, to, in.getLong(), in.getLong(),
            in.getLong(), in.getLong()));
        case LEASE_GRANT -> paxos(new Message.LeaseGrant(group, from, to, in.getLong(), in.getLong(), in.getLong()));
        case PROGRESS -> paxos(new Message.Progress(group, from, to, in.getLong(), in.getLong(), in.getLong()));
        case TIMEOUT_NOW -> paxos(new Message.TimeoutNow(group, from, to, ballot(in), in.getInt()));
        default -> throw new IOException("unknown message type " + type);
      };
      if (in.hasRemaining()) {
        throw new IOException("message of type " + type + " has " + in.remaining() + " trailing bytes");
      }
      return message;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("malformed message frame: " + e, e);
    }
  }

  private static NodeMessage paxos(Message message) {
    return new NodeMessage.Paxos(message);
  }

  private static int count(ByteBuffer in) throws IOException {
    int count = in.getInt();
    if (count < 0 || count > COUNT_MAX || count > in.remaining()) {
      throw new IOException("impossible count " + count);
    }
    return count;
  }

  private static byte[] bytes(ByteBuffer in) throws IOException {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IOException("impossible length " + length);
    }
    byte[] out = new byte[length];
    in.get(out);
    return out;
  }

  private static Ballot ballot(ByteBuffer in) {
    return new Ballot(in.getLong(), in.getInt());
  }

  private static Batch batch(ByteBuffer in) throws IOException {
    int count = count(in);
    List<byte[]> commands = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      commands.add(bytes(in));
    }
    return Batch.of(commands);
  }

  private static List<Entry> entries(ByteBuffer in) throws IOException {
    int count = count(in);
    List<Entry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long slot = in.getLong();
      Ballot ballot = ballot(in);
      entries.add(new Entry(slot, ballot, batch(in)));
    }
    return entries;
  }

  /** A growable big-endian buffer. */
  private static final class Writer {
    private ByteBuffer buf;

    Writer(int expectedBytes) {
      buf = ByteBuffer.allocate(Math.max(64, expectedBytes));
    }

    private void room(int bytes) {
      if (buf.remaining() < bytes) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + bytes));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    Writer b(byte v) {
      room(1);
      buf.put(v);
      return this;
    }

    Writer i(int v) {
      room(4);
      buf.putInt(v);
      return this;
    }

    Writer l(long v) {
      room(8);
      buf.putLong(v);
      return this;
    }

    Writer bytes(byte[] v) {
      i(v.length);
      room(v.length);
      buf.put(v);
      return this;
    }

    Writer head(Message m) {
      return i(m.groupId()).i(m.from()).i(m.to());
    }

    Writer ballot(Ballot ballot) {
      return l(ballot.round()).i(ballot.replicaId());
    }

    Writer batch(Batch batch) {
      i(batch.size());
      for (int k = 0; k < batch.size(); k++) {
        bytes(batch.command(k));
      }
      return this;
    }

    Writer entries(List<Entry> entries) {
      i(entries.size());
      for (Entry e : entries) {
        l(e.slot()).ballot(e.ballot()).batch(e.batch());
      }
      return this;
    }

    /** The frame; the buffer's own array when it is exactly full (the writer is not used after). */
    byte[] done() {
      if (buf.position() == buf.capacity()) {
        return buf.array();
      }
      byte[] out = new byte[buf.position()];
      buf.flip();
      buf.get(out);
      return out;
    }
  }
}
