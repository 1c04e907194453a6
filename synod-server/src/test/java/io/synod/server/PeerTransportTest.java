package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.node.core.NodeMessage;
import io.synod.paxos.Ballot;
import io.synod.paxos.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerTransportTest {
  private static PeerTransport.Config config(int self, int selfPort, int peer, int peerPort) {
    InetAddress lo = InetAddress.getLoopbackAddress();
    return new PeerTransport.Config(self, new InetSocketAddress(lo, selfPort),
        Map.of(peer, new InetSocketAddress(lo, peerPort)), 1 << 20, 10_000_000L, 200_000_000L);
  }

  private static NodeMessage heartbeat(int from, int to, long commit) {
    return new NodeMessage.Paxos(new Message.Heartbeat(1, from, to, new Ballot(1, from), commit));
  }

  /** Sends probes until one arrives (bounded): the connection is then up. */
  private static void awaitConnected(PeerTransport sender, LinkedBlockingQueue<NodeMessage> inbox) throws Exception {
    for (int i = 0; i < 500; i++) {
      sender.send(heartbeat(1, 2, -1));
      if (inbox.poll(10, TimeUnit.MILLISECONDS) != null) {
        inbox.clear();
        return;
      }
    }
    throw new AssertionError("no connection within the bound");
  }

  @Test
  void deliversFramesInOrderAndReconnectsAfterThePeerRestarts() throws Exception {
    List<Integer> ports = TestPorts.free(2);
    int p1 = ports.get(0);
    int p2 = ports.get(1);
    LinkedBlockingQueue<NodeMessage> inbox2 = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<NodeMessage> inbox1 = new LinkedBlockingQueue<>();
    try (PeerTransport t1 = new PeerTransport(config(1, p1, 2, p2), inbox1::add)) {
      PeerTransport t2 = new PeerTransport(config(2, p2, 1, p1), inbox2::add);
      try {
        awaitConnected(t1, inbox2);
        for (int i = 0; i < 2_000; i++) {
          t1.send(heartbeat(1, 2, i));
        }
        for (int i = 0; i < 2_000; i++) {
          NodeMessage m = inbox2.poll(10, TimeUnit.SECONDS);
          assertThat(m).as("message %d", i).isNotNull();
          long commit = ((Message.Heartbeat) ((NodeMessage.Paxos) m).message()).commitUpTo();
          if (commit < 0) {
            i--; // a late connection probe
            continue;
          }
          assertThat(commit).isEqualTo(i);
        }
        // Messages to a node that is not this one's peer are dropped by the receiver.
        t2.send(heartbeat(2, 1, 5));
        assertThat(inbox1.poll(10, TimeUnit.SECONDS)).isNotNull();
      } finally {
        t2.close();
      }
      // The peer restarts on the same address; the sender reconnects by itself.
      LinkedBlockingQueue<NodeMessage> inbox2b = new LinkedBlockingQueue<>();
      try (PeerTransport t2b = new PeerTransport(config(2, p2, 1, p1), inbox2b::add)) {
        awaitConnected(t1, inbox2b);
        t1.send(heartbeat(1, 2, 42));
        NodeMessage m = inbox2b.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(t2b.localAddress().getPort()).isEqualTo(p2);
      }
    }
  }
}
