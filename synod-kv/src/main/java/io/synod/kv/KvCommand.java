package io.synod.kv;

import io.synod.common.Ensure;

/**
 * A command as it travels through the log: the request and, for exactly-once writes, the client
 * session it belongs to. {@code clientId} 0 means "no session"; otherwise {@code sequence} numbers
 * the client's requests from 1, and a command whose (clientId, sequence) was already applied gets
 * the original reply instead of being applied again.
 */
public record KvCommand(long clientId, long sequence, KvRequest request) {
  public KvCommand {
    Ensure.notNull(request, "request");
    Ensure.argument(clientId != 0 || sequence == 0, "a command without a client has sequence 0");
    Ensure.argument(clientId == 0 || sequence >= 1, "a client's sequence starts at 1");
  }

  /** A command outside any exactly-once session. */
  public static KvCommand of(KvRequest request) {
    return new KvCommand(0, 0, request);
  }

  /** An exactly-once command: request number {@code sequence} of client {@code clientId}. */
  public static KvCommand session(long clientId, long sequence, KvRequest request) {
    Ensure.argument(clientId != 0, "clientId 0 means no session");
    return new KvCommand(clientId, sequence, request);
  }

  public boolean hasSession() {
    return clientId != 0;
  }
}
