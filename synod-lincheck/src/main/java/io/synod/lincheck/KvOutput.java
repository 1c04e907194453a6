package io.synod.lincheck;

/**
 * What a key-value operation returned.
 *
 * <p>GET: {@code value} is the value read (null when the key is absent). PUT: {@link #ok()}.
 * DELETE: {@code flag} is whether the key existed. CAS: {@code flag} is whether it succeeded.
 */
public record KvOutput(String value, boolean flag) {
  private static final KvOutput OK = new KvOutput(null, false);

  public static KvOutput ok() {
    return OK;
  }

  public static KvOutput value(String valueOrNull) {
    return new KvOutput(valueOrNull, false);
  }

  public static KvOutput flag(boolean b) {
    return new KvOutput(null, b);
  }
}
