package io.synod.kv;

import io.synod.common.Ensure;

/**
 * The outcome of applying a command: a response, or an error (code and etcd message). This is what a
 * reply carries through the log and the exactly-once table; {@link #orThrow()} turns it back into a
 * response or a {@link KvException}.
 */
public record KvResult(KvResponse response, KvException.Code errorCode, String errorMessage) {
  public KvResult {
    Ensure.argument((response == null) != (errorCode == null), "exactly one of response and error");
    Ensure.argument((errorCode == null) == (errorMessage == null), "an error has a message");
  }

  public static KvResult ok(KvResponse response) {
    return new KvResult(Ensure.notNull(response, "response"), null, null);
  }

  public static KvResult error(KvException e) {
    return new KvResult(null, e.code(), e.getMessage());
  }

  public boolean isOk() {
    return response != null;
  }

  /** The response, or the error as a {@link KvException}. */
  public KvResponse orThrow() throws KvException {
    if (response == null) {
      throw new KvException(errorCode, errorMessage);
    }
    return response;
  }

  /** The response cast to {@code type}, or the error as a {@link KvException}. */
  public <T extends KvResponse> T orThrow(Class<T> type) throws KvException {
    return type.cast(orThrow());
  }
}
