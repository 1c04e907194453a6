package io.synod.paxos;

import io.synod.common.Ensure;

/**
 * An accepted (or chosen) value: slot {@code slot} holds {@code batch}, accepted under {@code ballot}.
 */
public record Entry(long slot, Ballot ballot, Batch batch) {
  public Entry {
    Ensure.argument(slot >= 1, "slots start at 1");
    Ensure.notNull(ballot, "ballot");
    Ensure.notNull(batch, "batch");
  }

  @Override
  public String toString() {
    return slot + "@" + ballot + "=" + batch;
  }
}
