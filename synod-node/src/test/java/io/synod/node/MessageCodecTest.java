package io.synod.node;

import io.synod.node.core.NodeMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.paxos.Ballot;
import io.synod.paxos.Batch;
import io.synod.paxos.Configuration;
import io.synod.paxos.Entry;
import io.synod.paxos.Message;
import io.synod.paxos.SnapshotHandle;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  private static final Ballot B = new Ballot(7, 2);
  private static final Batch BATCH = Batch.of(new byte[] {1, 2}, new byte[0], new byte[] {3});
  private static final List<Entry> ENTRIES = List.of(new Entry(5, B, BATCH), new Entry(6, new Ballot(1, 1), Batch.NOOP));

  static List<NodeMessage> samples() {
    return List.of(
        new NodeMessage.Paxos(new Message.Prepare(1, 2, 3, B, 9)),
        new NodeMessage.Paxos(new Message.Promise(1, 2, 3, B, 9, 4, 8, ENTRIES)),
        new NodeMessage.Paxos(new Message.Nack(1, 2, 3, B, new Ballot(8, 1))),
        new NodeMessage.Paxos(new Message.Accept(1, 2, 3, B, 10, List.of(BATCH, Batch.NOOP), 9)),
        new NodeMessage.Paxos(new Message.Accepted(1, 2, 3, B, 10, 2)),
        new NodeMessage.Paxos(new Message.Heartbeat(1, 2, 3, B, 9)),
        new NodeMessage.Paxos(new Message.HeartbeatAck(1, 2, 3, B, 9)),
        new NodeMessage.Paxos(new Message.CatchUpRequest(1, 2, 3, 4, 100)),
        new NodeMessage.Paxos(new Message.CatchUpReply(1, 2, 3, ENTRIES)),
        new NodeMessage.Paxos(new Message.RebuildRequest(1, 2, 3)),
        new NodeMessage.Paxos(new Message.RebuildReply(1, 2, 3, B, 4, 12)),
        new NodeMessage.Paxos(new Message.LeaseRequest(1, 2, 3, 1_700_000_000_000_000L, 5, 41, 123_456_789L)),
        new NodeMessage.Paxos(new Message.LeaseGrant(1, 2, 3, 1_700_000_000_000_001L, 5, 44)),
        new NodeMessage.Paxos(new Message.Progress(1, 2, 3, 1_700_000_000_000_000L, 41, 39)),
        new NodeMessage.Paxos(new Message.TimeoutNow(1, 2, 3, B, 3)));
  }

  @Test
  void everyMessageRoundTrips() throws IOException {
    for (NodeMessage message : samples()) {
      assertThat(MessageCodec.decode(MessageCodec.encode(message))).isEqualTo(message);
    }
    NodeMessage.Forward forward = new NodeMessage.Forward(1, 2, 3, new byte[] {9, 8, 7});
    NodeMessage.Forward decoded = (NodeMessage.Forward) MessageCodec.decode(MessageCodec.encode(forward));
    assertThat(decoded.command()).containsExactly(9, 8, 7);
    assertThat(decoded.to()).isEqualTo(3);
    Message.InstallSnapshot install = new Message.InstallSnapshot(1, 2, 3,
        new SnapshotHandle(40, Configuration.ofSize(3)), new byte[] {4, 2});
    Message.InstallSnapshot back = (Message.InstallSnapshot)
        ((NodeMessage.Paxos) MessageCodec.decode(MessageCodec.encode(new NodeMessage.Paxos(install)))).message();
    assertThat(back.handle()).isEqualTo(install.handle());
    assertThat(back.data()).containsExactly(4, 2);
  }

  @Test
  void anAcceptToSeveralPeersIsEncodedOnceAndEachFrameNamesItsReceiver() throws IOException {
    MessageCodec.Encoder encoder = new MessageCodec.Encoder();
    List<Batch> batches = List.of(BATCH, Batch.NOOP);
    byte[] toTwo = encoder.encode(new NodeMessage.Paxos(new Message.Accept(1, 1, 2, B, 10, batches, 9)));
    byte[] toThree = encoder.encode(new NodeMessage.Paxos(new Message.Accept(1, 1, 3, B, 10, batches, 9)));
    assertThat(toThree).isNotSameAs(toTwo);
    // Written in one allocation of exactly the frame's size: encoding it again gives the same bytes.
    assertThat(toTwo).isEqualTo(MessageCodec.encode(new NodeMessage.Paxos(new Message.Accept(1, 1, 2, B, 10, batches, 9))));
    assertThat(MessageCodec.decode(toTwo)).isEqualTo(
        MessageCodec.decode(MessageCodec.encode(new NodeMessage.Paxos(new Message.Accept(1, 1, 2, B, 10, batches, 9)))));
    Message.Accept decoded = (Message.Accept) ((NodeMessage.Paxos) MessageCodec.decode(toThree)).message();
    assertThat(decoded.to()).isEqualTo(3);
    assertThat(decoded.batches()).isEqualTo(batches);
    // A different Accept (another first slot) over the same list is encoded anew.
    Message.Accept other = (Message.Accept) ((NodeMessage.Paxos) MessageCodec.decode(
        encoder.encode(new NodeMessage.Paxos(new Message.Accept(1, 1, 2, B, 12, batches, 9))))).message();
    assertThat(other.firstSlot()).isEqualTo(12);
  }

  @Test
  void truncatedOrCorruptFramesAreRejectedCleanly() throws IOException {
    SplittableRandom random = new SplittableRandom(11);
    for (NodeMessage message : samples()) {
      byte[] frame = MessageCodec.encode(message);
      for (int cut = 0; cut < frame.length; cut++) {
        byte[] truncated = Arrays.copyOf(frame, cut);
        assertThatThrownBy(() -> MessageCodec.decode(truncated)).isInstanceOf(IOException.class);
      }
      for (int i = 0; i < 200; i++) {
        byte[] corrupt = frame.clone();
        corrupt[random.nextInt(corrupt.length)] ^= (byte) (1 + random.nextInt(255));
        try {
          MessageCodec.decode(corrupt);
        } catch (IOException expected) {
          // A corrupt frame may still decode into some well-formed message; it must never throw
          // anything but IOException.
        }
      }
    }
  }
}
