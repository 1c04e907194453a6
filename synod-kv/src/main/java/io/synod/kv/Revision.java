package io.synod.kv;

/**
 * A point in the store's history: {@code main} is the revision of the write transaction, {@code sub}
 * the position of the change within it (0, 1, 2...). Clients only see main revisions; sub-revisions
 * order the changes of one transaction, so a key deleted and re-created in one txn has two entries.
 */
record Revision(long main, long sub) implements Comparable<Revision> {
  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }

  @Override
  public String toString() {
    return main + "." + sub;
  }
}
