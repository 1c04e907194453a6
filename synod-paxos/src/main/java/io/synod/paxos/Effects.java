package io.synod.paxos;

import io.synod.common.Ensure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The replica's pending effects: the open persist request being built, messages ready to send, and
 * messages held back until the state they vouch for is durable (the persist-before-send rule).
 *
 * <p>Persist requests are numbered from 1. A held message is tagged with the request that contains the
 * newest state it depends on: the open request if it has content, else the last one handed out. It is
 * released once {@link #persisted(long)} reaches that tag.
 */
final class Effects {
  private record Held(long seq, Message message) {}

  private final ArrayList<Message> outbox = new ArrayList<>();
  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private long issuedSeq;
  private long persistedSeq;

  private Ballot openPromised;
  private ArrayList<Entry> openEntries = new ArrayList<>();
  private long openChosenUpTo = -1;
  private long openTrimBelow;
  private boolean openRebuilt;



  boolean openHasContent() {
    return openPromised != null || !openEntries.isEmpty() || openChosenUpTo >= 0 || openTrimBelow > 0
        || openRebuilt;
  }

  boolean openHasDurableContent() {
    return openPromised != null || !openEntries.isEmpty();
  }

  void persistPromised(Ballot promised) {
    openPromised = promised;
  }

  void persistEntry(Entry entry) {
    openEntries.add(entry);
  }

  void persistChosenUpTo(long chosenUpTo) {
    openChosenUpTo = Math.max(openChosenUpTo, chosenUpTo);
  }

  void persistRebuilt() {
    openRebuilt = true;
  }

  void persistTrimBelow(long slot) {
    openTrimBelow = Math.max(openTrimBelow, slot);
  }

  /** Queues a message that needs no durable state. */
  void send(Message message) {
    outbox.add(message);
  }

  /**
   * Holds a message that may leave only once everything persisted so far is durable. Returns false,
   * holding nothing, when the message is already safe to send (all it depends on is durable).
   */
  boolean hold(Message message) {
    long tag = openHasDurableContent() ? issuedSeq + 1 : issuedSeq;
    if (tag <= persistedSeq) {
      return false;
    }
    Ensure.that(held.isEmpty() || held.peekLast().seq() <= tag, "held messages must be in tag order");
    held.addLast(new Held(tag, message));
    return true;
  }

  /** Records that every request up to {@code upTo} is durable; returns the messages now released. */
  List<Message> persisted(long upTo) {
    Ensure.that(upTo <= issuedSeq, "persisted(%d) but only %d requests were handed out", upTo, issuedSeq);
    if (upTo <= persistedSeq) {
      return List.of();
    }
    persistedSeq = upTo;
    ArrayList<Message> released = new ArrayList<>();
    while (!held.isEmpty() && held.peekFirst().seq() <= persistedSeq) {
      released.add(held.pollFirst().message());
    }
    return released;
  }

  /** Closes the open persist request (null if empty) and numbers it. */
  PersistRequest takePersist() {
    if (!openHasContent()) {
      return null;
    }
    issuedSeq++;
    PersistRequest request = new PersistRequest(
        issuedSeq, openPromised, List.copyOf(openEntries), openChosenUpTo, openTrimBelow, openRebuilt);
    openPromised = null;
    openEntries = new ArrayList<>();
    openChosenUpTo = -1;
    openTrimBelow = 0;
    openRebuilt = false;
    return request;
  }

  List<Message> takeOutbox() {
    if (outbox.isEmpty()) {
      return List.of();
    }
    List<Message> out = List.copyOf(outbox);
    outbox.clear();
    return out;
  }

}
