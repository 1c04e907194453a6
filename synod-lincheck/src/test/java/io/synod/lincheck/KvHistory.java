package io.synod.lincheck;

/** A terse builder for hand-written key-value histories in tests. */
final class KvHistory {
  final History<KvInput, KvOutput> history = new History<>();

  /** An operation that ran from {@code call} to {@code ret} and returned {@code output}. */
  KvHistory ok(int client, long call, long ret, KvInput input, KvOutput output) {
    history.ok(history.invoke(client, input, call), output, ret);
    return this;
  }

  /** An operation called at {@code call} whose outcome is unknown. */
  KvHistory unknown(int client, long call, KvInput input) {
    history.unknown(history.invoke(client, input, call));
    return this;
  }

  /** An operation called at {@code call} that never finished before the check. */
  KvHistory pending(int client, long call, KvInput input) {
    history.invoke(client, input, call);
    return this;
  }

  KvHistory get(int client, long call, long ret, String key, String read) {
    return ok(client, call, ret, KvInput.get(key), KvOutput.value(read));
  }

  KvHistory put(int client, long call, long ret, String key, String value) {
    return ok(client, call, ret, KvInput.put(key, value), KvOutput.ok());
  }

  KvHistory delete(int client, long call, long ret, String key, boolean existed) {
    return ok(client, call, ret, KvInput.delete(key), KvOutput.flag(existed));
  }

  KvHistory cas(
      int client, long call, long ret, String key, String expected, String value, boolean ok) {
    return ok(client, call, ret, KvInput.cas(key, expected, value), KvOutput.flag(ok));
  }

  CheckResult check() {
    return LinearizabilityChecker.check(history, new KvModel());
  }

  CheckResult check(long maxStates) {
    return LinearizabilityChecker.check(history, new KvModel(), maxStates);
  }
}
