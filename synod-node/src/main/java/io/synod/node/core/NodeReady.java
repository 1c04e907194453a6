package io.synod.node.core;

import io.synod.paxos.PersistRequest;
import io.synod.paxos.SnapshotHandle;
import java.util.List;

/**
 * What a {@link NodeCore} asks of its host after a batch of inputs. Handle the fields in any order
 * relative to each other, but each list in its own order:
 *
 * <ul>
 *   <li>{@code messages}: send now, to {@link NodeMessage#to()}. Every one is already safe to send:
 *       messages that vouch for durable state are held inside the core until it is persisted.
 *   <li>{@code storage}: carry out in this order (a log append and a snapshot write are ordered
 *       alike); after a {@link Persist} is durable call {@link NodeCore#persisted(long)} with its
 *       sequence number, after a {@link StoreSnapshot} with {@code taken} call
 *       {@link NodeCore#snapshotStored(long)}. Jobs may overlap with sending and with later inputs.
 *   <li>{@code replies}: complete these client requests. Each request accepted by
 *       {@link NodeCore#request} gets exactly one reply, unless the node stops first.
 * </ul>
 */
public record NodeReady<R>(List<NodeMessage> messages, List<StorageJob> storage, List<Reply<R>> replies) {
  /** Work for the node's storage. */
  public sealed interface StorageJob {}

  /** Make {@code request} durable (after every earlier job), then report it persisted. */
  public record Persist(PersistRequest request) implements StorageJob {}

  /**
   * Store a snapshot durably. {@code taken}: the core took it (report it stored); otherwise it was
   * installed from a peer and only needs to reach the disk.
   */
  public record StoreSnapshot(SnapshotHandle handle, byte[] data, boolean taken) implements StorageJob {}

  /** Why a request failed. */
  public enum Failure {
    /** Too many requests in flight here: refused before it was sent anywhere, certainly not applied. */
    BUSY,
    /** No outcome within the request timeout: it may or may not have been applied, or be later. */
    TIMEOUT
  }

  /**
   * The outcome of client request {@code requestId}: its result, or a failure. A read answered from
   * the local state under a read lease carries {@code validUntilNanos}: the host delivers it only if
   * its clock, read after it got this reply, is still below that, and otherwise hands the reply back
   * with {@link NodeCore#readExpired}. Every other reply carries {@link Long#MAX_VALUE}.
   * {@code arrivedNanos}: when the read reached the core (its deadlines count from there).
   */
  public record Reply<R>(long requestId, R result, Failure failure, long validUntilNanos, long arrivedNanos) {
    static <R> Reply<R> ok(long requestId, R result) {
      return new Reply<>(requestId, result, null, Long.MAX_VALUE, 0);
    }

    static <R> Reply<R> failed(long requestId, Failure failure) {
      return new Reply<>(requestId, null, failure, Long.MAX_VALUE, 0);
    }

    /** Whether this reply is a local read that must be delivered before {@link #validUntilNanos()}. */
    public boolean leased() {
      return validUntilNanos != Long.MAX_VALUE;
    }

    public boolean isOk() {
      return failure == null;
    }
  }

  public boolean isEmpty() {
    return messages.isEmpty() && storage.isEmpty() && replies.isEmpty();
  }
}
