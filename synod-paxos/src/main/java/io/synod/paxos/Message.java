package io.synod.paxos;

import java.util.List;

/**
 * Messages between replicas of one group. Every message names its group, sender and receiver, so one
 * node can host many groups over one transport. The transport may lose, duplicate, reorder and delay
 * any of them; the protocol tolerates all four.
 */
public sealed interface Message {
  int groupId();

  int from();

  int to();

  /** Phase 1a: {@code from} asks for a promise for {@code ballot} on every slot ≥ {@code fromSlot}. */
  record Prepare(int groupId, int from, int to, Ballot ballot, long fromSlot) implements Message {}

  /**
   * Phase 1b: the acceptor promised {@code ballot} for every slot ≥ {@code fromSlot} and reports what it
   * accepted there. {@code logStart} is its first untrimmed slot: when it is above {@code fromSlot} the
   * report is incomplete and the candidate must catch up first. Sent only once the promise is durable.
   */
  record Promise(
      int groupId, int from, int to, Ballot ballot, long fromSlot, long logStart, long chosenUpTo,
      List<Entry> accepted) implements Message {}

  /** The acceptor refused {@code ballot} because it promised the higher {@code promised}. */
  record Nack(int groupId, int from, int to, Ballot ballot, Ballot promised) implements Message {}

  /**
   * Phase 2a: accept {@code batches} in slots {@code firstSlot}, {@code firstSlot + 1}, ... under
   * {@code ballot}; the leader knows every slot ≤ {@code commitUpTo} is chosen.
   */
  record Accept(
      int groupId, int from, int to, Ballot ballot, long firstSlot, List<Batch> batches, long commitUpTo)
      implements Message {}

  /**
   * Phase 2b, sent to every replica: {@code from} accepted slots {@code firstSlot .. firstSlot+count-1}
   * under {@code ballot}. Sent only once those entries are durable.
   */
  record Accepted(int groupId, int from, int to, Ballot ballot, long firstSlot, int count) implements Message {}

  /** The leader of {@code ballot} is alive and knows every slot ≤ {@code commitUpTo} is chosen. */
  record Heartbeat(int groupId, int from, int to, Ballot ballot, long commitUpTo) implements Message {}

  /** Answer to a heartbeat: the sender follows {@code ballot} and knows slots ≤ {@code chosenUpTo}. */
  record HeartbeatAck(int groupId, int from, int to, Ballot ballot, long chosenUpTo) implements Message {}

  /** Asks for chosen entries from {@code fromSlot}, at most {@code maxSlots} of them. */
  record CatchUpRequest(int groupId, int from, int to, long fromSlot, int maxSlots) implements Message {}

  /** Chosen entries, in slot order, contiguous. */
  record CatchUpReply(int groupId, int from, int to, List<Entry> chosen) implements Message {}

  /**
   * From a replica that lost its durable state: asks for the receiver's promise and how far its log
   * reaches, to rebuild before it votes again.
   */
  record RebuildRequest(int groupId, int from, int to) implements Message {}

  /** The sender's promised ballot, chosen prefix and highest slot holding an accepted entry. */
  record RebuildReply(int groupId, int from, int to, Ballot promised, long chosenUpTo, long lastSlot)
      implements Message {}

  /**
   * Leadership transfer (after Raft's TimeoutNow, Ongaro's thesis §3.10): the leader of
   * {@code ballot} has stepped down in favour of {@code target}. The target campaigns at once; every
   * other receiver stops holding its leader lease for the sender, so it promises the target's ballot
   * without waiting out an election timeout.
   */
  record TimeoutNow(int groupId, int from, int to, Ballot ballot, int target) implements Message {}

  /** The sender's latest snapshot, for a receiver behind the sender's trimmed log. */
  record InstallSnapshot(int groupId, int from, int to, SnapshotHandle handle, byte[] data) implements Message {}

  /**
   * Read leases: {@code from}, in its incarnation {@code incarnation}, asks {@code to} for a promise.
   * {@code prefix}: every slot up to it is accepted or known chosen at the sender. {@code clockNanos}:
   * the sender's clock when it sent this, for comparing clock rates.
   */
  record LeaseRequest(int groupId, int from, int to, long incarnation, long number, long prefix, long clockNanos)
      implements Message {}

  /**
   * Read leases: a promise answering request {@code number} of the holder; {@code accepted} is the
   * highest slot the grantor had accepted when it granted, which the holder must apply before relying
   * on the promise.
   */
  record LeaseGrant(int groupId, int from, int to, long incarnation, long number, long accepted)
      implements Message {}

  /**
   * Read leases: the sender's progress in its incarnation {@code incarnation}: every slot up to
   * {@code prefix} is accepted or known chosen there, and it vouches for every slot up to
   * {@code vouched} (docs/READ-LEASES.md, "Vouching").
   */
  record Progress(int groupId, int from, int to, long incarnation, long prefix, long vouched) implements Message {}
}
