package io.synod.lincheck;

import io.synod.common.Ensure;

/**
 * An operation on a key-value store, as recorded for {@link KvModel}.
 *
 * @param kind which operation
 * @param key the key it acts on; never null
 * @param value the value written by PUT and CAS (null for GET and DELETE; for CAS, null removes)
 * @param expected the value CAS compares against; null means "key absent"
 */
public record KvInput(Kind kind, String key, String value, String expected) {
  public enum Kind {
    GET,
    PUT,
    DELETE,
    CAS
  }

  public KvInput {
    Ensure.notNull(kind, "kind");
    Ensure.notNull(key, "key");
    Ensure.argument(kind != Kind.PUT || value != null, "put needs a value; use delete to remove");
  }

  public static KvInput get(String key) {
    return new KvInput(Kind.GET, key, null, null);
  }

  public static KvInput put(String key, String value) {
    return new KvInput(Kind.PUT, key, value, null);
  }

  public static KvInput delete(String key) {
    return new KvInput(Kind.DELETE, key, null, null);
  }

  /**
   * Compare-and-set: succeeds iff the key's current value equals {@code expected} ({@code null}
   * meaning the key is absent), and then sets {@code value}.
   */
  public static KvInput cas(String key, String expected, String value) {
    return new KvInput(Kind.CAS, key, value, expected);
  }
}
