package io.synod.systest;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.synod.lincheck.History;
import io.synod.lincheck.KvInput;
import io.synod.lincheck.KvOutput;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client of the linearizability workload: performs get, put, delete and compare-and-set over
 * raw etcd gRPC stubs (no client-side retries to blur outcomes) and records each operation in the
 * shared history. Used by one thread at a time.
 *
 * <p>A compare-and-set is an etcd txn: {@code value(key) == expected} (or {@code create_revision(key)
 * == 0} when the key must be absent), then a put. UNAVAILABLE and DEADLINE_EXCEEDED leave the
 * outcome unknown; the client then moves to the next member. Every other error is unexpected for
 * this workload: it is reported to the {@link Ledger} (so the test fails) and recorded as unknown,
 * which keeps the history sound.
 */
final class RecordingKvClient {
  /** An acknowledged write: {@code value} null for a delete. */
  record Write(String key, String value, long revision) {}

  /** What all clients of one run share: the history and what the checks need beside it. */
  static final class Ledger {
    final History<KvInput, KvOutput> history = new History<>();
    private final List<Write> acknowledged = new ArrayList<>();
    private final List<Long> okCallTimes = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private long unknown;

    synchronized void acknowledged(Write w) {
      acknowledged.add(w);
    }

    synchronized List<Write> acknowledgedWrites() {
      return List.copyOf(acknowledged);
    }

    synchronized void completed(long callNanos) {
      okCallTimes.add(callNanos);
    }

    /** How many operations called at or after {@code sinceNanos} have completed. */
    synchronized long completedSince(long sinceNanos) {
      return okCallTimes.stream().filter(t -> t - sinceNanos >= 0).count();
    }

    synchronized void unexpected(String what) {
      unexpected.add(what);
    }

    synchronized List<String> unexpectedErrors() {
      return List.copyOf(unexpected);
    }

    synchronized void unknown() {
      unknown++;
    }

    synchronized String summary() {
      return okCallTimes.size() + " completed, " + unknown + " unknown, " + acknowledged.size()
          + " acknowledged writes, " + unexpected.size() + " unexpected errors";
    }
  }

  private final int clientId;
  private final List<ManagedChannel> channels;
  private final Ledger ledger;
  private final Duration deadline;
  private int endpoint;

  /**
   * @param channels one channel per member; the client starts at {@code clientId % size} so that
   *     clients spread over leader and followers
   */
  RecordingKvClient(int clientId, List<ManagedChannel> channels, Ledger ledger, Duration deadline) {
    this.clientId = clientId;
    this.channels = List.copyOf(channels);
    this.ledger = ledger;
    this.deadline = deadline;
    this.endpoint = clientId % channels.size();
  }

  /** Performs and records {@code input}; returns its output, or null when the outcome is unknown. */
  KvOutput perform(KvInput input) {
    long call = System.nanoTime();
    long id = ledger.history.invoke(clientId, input, call);
    KvOutput output;
    try {
      output = execute(input);
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
        ledger.unexpected("client " + clientId + ": " + describe(input) + " at member index " + endpoint + " failed: "
            + e.getStatus());
      }
      ledger.history.unknown(id);
      ledger.unknown();
      channels.get(endpoint).resetConnectBackoff();
      endpoint = (endpoint + 1) % channels.size();
      return null;
    }
    ledger.history.ok(id, output, System.nanoTime());
    ledger.completed(call);
    return output;
  }

  private KvOutput execute(KvInput input) {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(endpoint))
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    ByteString key = ByteString.copyFromUtf8(input.key());
    switch (input.kind()) {
      case GET: {
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(key).build());
        return KvOutput.value(r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8());
      }
      case PUT: {
        PutResponse r = kv.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(input.value()))
            .build());
        ledger.acknowledged(new Write(input.key(), input.value(), r.getHeader().getRevision()));
        return KvOutput.ok();
      }
      case DELETE: {
        DeleteRangeResponse r = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
        if (r.getDeleted() > 0) {
          ledger.acknowledged(new Write(input.key(), null, r.getHeader().getRevision()));
        }
        return KvOutput.flag(r.getDeleted() > 0);
      }
      case CAS: {
        Compare.Builder compare = Compare.newBuilder().setKey(key).setResult(Compare.CompareResult.EQUAL);
        if (input.expected() == null) {
          compare.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(0);
        } else {
          compare.setTarget(Compare.CompareTarget.VALUE).setValue(ByteString.copyFromUtf8(input.expected()));
        }
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
            .addCompare(compare)
            .addSuccess(RequestOp.newBuilder().setRequestPut(
                PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(input.value()))))
            .build());
        if (r.getSucceeded()) {
          ledger.acknowledged(new Write(input.key(), input.value(), r.getHeader().getRevision()));
        }
        return KvOutput.flag(r.getSucceeded());
      }
      default:
        throw new IllegalArgumentException("unknown operation " + input);
    }
  }

  private static String describe(KvInput input) {
    return input.kind().name().toLowerCase(java.util.Locale.ROOT) + "(" + input.key()
        + (input.expected() != null ? ", expect " + input.expected() : "")
        + (input.value() != null ? ", " + input.value() : "") + ")";
  }
}
