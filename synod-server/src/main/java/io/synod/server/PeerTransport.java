package io.synod.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.synod.common.Ensure;
import io.synod.node.MessageCodec;
import io.synod.node.core.NodeMessage;
import io.synod.node.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-to-node messages over TCP with Netty: length-prefixed frames, one connection per peer
 * (opened by the sender, bound to this node's own address), many messages per flush, reconnection
 * with exponential back-off. {@link #send} never blocks: a message for a peer that is not connected,
 * or whose connection is backed up, is dropped, and the protocol retransmits.
 */
public final class PeerTransport implements Transport, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerTransport.class);
  /** Frames waiting for the event loop per peer; beyond this, sends are dropped. */
  private static final int QUEUED_FRAMES_MAX = 100_000;

  /**
   * @param selfId this node's id
   * @param listen address this node accepts peer connections on (and binds outgoing ones to)
   * @param peers every other node's id and peer address
   * @param frameBytesMax largest frame accepted or sent
   * @param reconnectMinNanos first reconnection delay; doubles up to {@code reconnectMaxNanos}
   * @param reconnectMaxNanos longest reconnection delay
   */
  public record Config(int selfId, InetSocketAddress listen, Map<Integer, InetSocketAddress> peers,
      int frameBytesMax, long reconnectMinNanos, long reconnectMaxNanos) {
    public Config {
      peers = Map.copyOf(peers);
      Ensure.argument(!peers.containsKey(selfId), "peers must not include this node");
      Ensure.argument(frameBytesMax >= 1024, "frameBytesMax must be at least 1 KiB");
      Ensure.argument(reconnectMinNanos > 0 && reconnectMaxNanos >= reconnectMinNanos, "bad reconnect delays");
    }
  }

  /** The listening socket could not be bound; the cause says why. */
  public static final class ListenException extends IOException {
    private static final long serialVersionUID = 1L;

    ListenException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Config config;
  private final Consumer<NodeMessage> receiver;
  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(2);
  private final TreeMap<Integer, Peer> peers = new TreeMap<>();
  private final Channel serverChannel;
  private volatile boolean closed;

  /** Starts listening and connecting; received messages go to {@code receiver} on Netty threads. */
  public PeerTransport(Config config, Consumer<NodeMessage> receiver) throws IOException {
    this.config = config;
    this.receiver = receiver;
    // Filled before the first inbound connection can arrive: the inbound handlers read it.
    for (Map.Entry<Integer, InetSocketAddress> e : new TreeMap<>(config.peers()).entrySet()) {
      peers.put(e.getKey(), new Peer(e.getKey(), e.getValue()));
    }
    ServerBootstrap server = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(config.frameBytesMax(), 0, 4, 0, 4));
            ch.pipeline().addLast(new Inbound());
          }
        });
    try {
      serverChannel = server.bind(config.listen()).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted binding " + config.listen(), e);
    } catch (RuntimeException e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new ListenException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
    }
    for (Peer peer : peers.values()) {
      peer.connect();
    }
  }

  /** The address actually bound (useful when the configured port was 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Used by {@link #send} alone, which only the node's loop thread calls. */
  private final MessageCodec.Encoder encoder = new MessageCodec.Encoder();

  @Override
  public void send(NodeMessage message) {
    Peer peer = peers.get(message.to());
    if (peer != null) {
      peer.send(encoder.encode(message));
    }
  }

  /** Whether a connection to {@code peerId} is up (for status pages and tests). */
  public boolean connected(int peerId) {
    Peer peer = peers.get(peerId);
    return peer != null && peer.channel != null && peer.channel.isActive();
  }

  @Override
  public void close() {
    closed = true;
    serverChannel.close();
    for (Peer peer : peers.values()) {
      Channel ch = peer.channel;
      if (ch != null) {
        ch.close();
      }
    }
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** An outgoing connection to one peer. */
  private final class Peer {
    private final int id;
    private final InetSocketAddress address;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger queuedFrames = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Channel channel;
    private long backoffNanos;
    /** When the connection to this peer was lost (0 while connected, or before the first connection). */
    private volatile long lostAtNanos;
    /** When a message from this peer last arrived (0: none yet); written by the inbound handlers. */
    private volatile long lastReceivedNanos;

    Peer(int id, InetSocketAddress address) {
      this.id = id;
      this.address = address;
      this.backoffNanos = config.reconnectMinNanos();
    }

    void connect() {
      if (closed) {
        return;
      }
      Bootstrap bootstrap = new Bootstrap()
          .group(workers)
          .channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
          .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 16 << 20))
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new LengthFieldPrepender(4));
              ch.pipeline().addLast(new Quiet());
            }
          });
      // Bind to this node's own address, so per-node network rules can tell nodes apart on loopback.
      ChannelFuture future = bootstrap.connect(address, new InetSocketAddress(config.listen().getAddress(), 0));
      future.addListener(f -> {
        if (f.isSuccess()) {
          channel = future.channel();
          backoffNanos = config.reconnectMinNanos();
          if (lostAtNanos != 0) {
            LOG.info("member {}: member {} is back (connected to {} after {} ms out of contact)", config.selfId(), id,
                Member.hostPort(address), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostAtNanos));
            lostAtNanos = 0;
          } else {
            LOG.info("member {}: connected to member {} at {}", config.selfId(), id, Member.hostPort(address));
          }
          channel.closeFuture().addListener(c -> {
            channel = null;
            if (!closed) {
              lostAtNanos = System.nanoTime();
              long heard = lastReceivedNanos;
              LOG.info("member {}: lost contact with member {} (connection to {} closed; {})", config.selfId(), id,
                  Member.hostPort(address), heard == 0 ? "no message from it yet"
                      : "no message for " + TimeUnit.NANOSECONDS.toMillis(lostAtNanos - heard) + " ms");
            }
            retryLater();
          });
        } else {
          retryLater();
        }
      });
    }

    private void retryLater() {
      if (closed) {
        return;
      }
      long delay = backoffNanos;
      backoffNanos = Math.min(backoffNanos * 2, config.reconnectMaxNanos());
      workers.schedule(this::connect, delay, TimeUnit.NANOSECONDS);
    }

    void send(byte[] frame) {
      Channel ch = channel;
      if (ch == null || !ch.isActive() || !ch.isWritable() || frame.length > config.frameBytesMax()) {
        return;
      }
      if (queuedFrames.incrementAndGet() > QUEUED_FRAMES_MAX) {
        queuedFrames.decrementAndGet();
        return;
      }
      queue.add(frame);
      // One task on the event loop writes everything queued so far and flushes once.
      if (drainScheduled.compareAndSet(false, true)) {
        ch.eventLoop().execute(() -> drain(ch));
      }
    }

    private void drain(Channel ch) {
      drainScheduled.set(false);
      byte[] frame;
      int written = 0;
      while ((frame = queue.poll()) != null) {
        queuedFrames.decrementAndGet();
        if (ch.isActive()) {
          ch.write(Unpooled.wrappedBuffer(frame), ch.voidPromise());
          written++;
        }
      }
      if (written > 0) {
        ch.flush();
      }
    }
  }

  /** Ends an outgoing connection that failed; the reconnect logic opens a new one. */
  private static final class Quiet extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("outgoing peer connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** Decodes frames from a peer and hands them to the node. */
  private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      byte[] bytes = new byte[frame.readableBytes()];
      frame.readBytes(bytes);
      NodeMessage message;
      try {
        message = MessageCodec.decode(bytes);
      } catch (IOException e) {
        LOG.warn("node {}: dropping a malformed frame from {}: {}", config.selfId(), ctx.channel().remoteAddress(),
            e.getMessage());
        return;
      }
      if (message.to() != config.selfId() || !config.peers().containsKey(message.from())) {
        LOG.warn("node {}: dropping a message from {} to {}", config.selfId(), message.from(), message.to());
        return;
      }
      Peer from = peers.get(message.from());
      if (from != null) {
        from.lastReceivedNanos = System.nanoTime();
      }
      receiver.accept(message);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("peer connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
