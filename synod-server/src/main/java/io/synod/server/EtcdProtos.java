package io.synod.server;

import com.google.protobuf.ByteString;
import io.synod.kv.CompactionRequest;
import io.synod.kv.Compare;
import io.synod.kv.DeleteRangeRequest;
import io.synod.kv.DeleteRangeResponse;
import io.synod.kv.KeyValue;
import io.synod.kv.PutRequest;
import io.synod.kv.PutResponse;
import io.synod.kv.RangeRequest;
import io.synod.kv.RangeResponse;
import io.synod.kv.RequestOp;
import io.synod.kv.ResponseOp;
import io.synod.kv.TxnRequest;
import io.synod.kv.TxnResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates between the etcd v3 protobuf messages and synod-kv's requests and responses. Pure
 * field mapping: semantics live in synod-kv.
 */
final class EtcdProtos {
  /** Fills the parts of a response header the store does not know. */
  interface Headers {
    io.etcd.jetcd.api.ResponseHeader header(long revision);
  }

  /** The header of a response nested in a transaction's: the revision alone. */
  private static final Headers REVISION_ONLY =
      revision -> io.etcd.jetcd.api.ResponseHeader.newBuilder().setRevision(revision).build();

  /** etcd's {@code Compare.CompareTarget.LEASE} and the {@code lease} operand's field number. */
  private static final int LEASE_TARGET = 4;
  private static final int LEASE_FIELD = 8;

  private EtcdProtos() {}

  static byte[] bytes(ByteString s) {
    return s.toByteArray();
  }

  // ---------------------------------------------------------------- requests

  static RangeRequest range(io.etcd.jetcd.api.RangeRequest r) {
    return new RangeRequest(bytes(r.getKey()), bytes(r.getRangeEnd()), r.getLimit(), r.getRevision(),
        switch (r.getSortOrder()) {
          case ASCEND -> RangeRequest.SortOrder.ASCEND;
          case DESCEND -> RangeRequest.SortOrder.DESCEND;
          default -> RangeRequest.SortOrder.NONE;
        },
        switch (r.getSortTarget()) {
          case VERSION -> RangeRequest.SortTarget.VERSION;
          case CREATE -> RangeRequest.SortTarget.CREATE;
          case MOD -> RangeRequest.SortTarget.MOD;
          case VALUE -> RangeRequest.SortTarget.VALUE;
          default -> RangeRequest.SortTarget.KEY;
        },
        r.getKeysOnly(), r.getCountOnly(), r.getMinModRevision(), r.getMaxModRevision(),
        r.getMinCreateRevision(), r.getMaxCreateRevision());
  }

  static PutRequest put(io.etcd.jetcd.api.PutRequest r) {
    return new PutRequest(bytes(r.getKey()), bytes(r.getValue()), r.getLease(), r.getPrevKv(), r.getIgnoreValue(),
        r.getIgnoreLease());
  }

  static DeleteRangeRequest deleteRange(io.etcd.jetcd.api.DeleteRangeRequest r) {
    return new DeleteRangeRequest(bytes(r.getKey()), bytes(r.getRangeEnd()), r.getPrevKv());
  }

  static TxnRequest txn(io.etcd.jetcd.api.TxnRequest r) {
    List<Compare> compares = new ArrayList<>(r.getCompareCount());
    for (io.etcd.jetcd.api.Compare c : r.getCompareList()) {
      compares.add(compare(c));
    }
    return new TxnRequest(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
  }

  private static Compare compare(io.etcd.jetcd.api.Compare c) {
    Compare.Result result = switch (c.getResult()) {
      case GREATER -> Compare.Result.GREATER;
      case LESS -> Compare.Result.LESS;
      case NOT_EQUAL -> Compare.Result.NOT_EQUAL;
      default -> Compare.Result.EQUAL;
    };
    byte[] key = bytes(c.getKey());
    Compare compare;
    if (c.getTargetValue() == LEASE_TARGET) {
      // The generated stubs predate lease compares: etcd's target LEASE (4) and its operand (field
      // 8) arrive as an unrecognized enum value and an unknown field.
      com.google.protobuf.UnknownFieldSet.Field lease = c.getUnknownFields().getField(LEASE_FIELD);
      long operand = lease == null || lease.getVarintList().isEmpty() ? 0 : lease.getVarintList().get(0);
      compare = Compare.lease(key, result, operand);
    } else {
      compare = switch (c.getTarget()) {
        case CREATE -> Compare.createRevision(key, result, c.getCreateRevision());
        case MOD -> Compare.modRevision(key, result, c.getModRevision());
        case VALUE -> Compare.value(key, result, bytes(c.getValue()));
        default -> Compare.version(key, result, c.getVersion());
      };
    }
    return c.getRangeEnd().isEmpty() ? compare : compare.withRangeEnd(bytes(c.getRangeEnd()));
  }

  private static List<RequestOp> ops(List<io.etcd.jetcd.api.RequestOp> ops) {
    List<RequestOp> out = new ArrayList<>(ops.size());
    for (io.etcd.jetcd.api.RequestOp op : ops) {
      out.add(switch (op.getRequestCase()) {
        case REQUEST_RANGE -> range(op.getRequestRange());
        case REQUEST_PUT -> put(op.getRequestPut());
        case REQUEST_DELETE_RANGE -> deleteRange(op.getRequestDeleteRange());
        case REQUEST_TXN -> txn(op.getRequestTxn());
        default -> throw new IllegalArgumentException("etcdserver: a txn operation has no request");
      });
    }
    return out;
  }

  static CompactionRequest compaction(io.etcd.jetcd.api.CompactionRequest r) {
    return new CompactionRequest(r.getRevision(), r.getPhysical());
  }

  // ---------------------------------------------------------------- responses

  static io.etcd.jetcd.api.KeyValue keyValue(KeyValue kv) {
    return io.etcd.jetcd.api.KeyValue.newBuilder()
        .setKey(ByteString.copyFrom(kv.key()))
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setValue(ByteString.copyFrom(kv.value()))
        .setLease(kv.lease())
        .build();
  }

  static io.etcd.jetcd.api.RangeResponse range(RangeResponse r, Headers headers) {
    io.etcd.jetcd.api.RangeResponse.Builder b = io.etcd.jetcd.api.RangeResponse.newBuilder()
        .setHeader(headers.header(r.header().revision()))
        .setMore(r.more())
        .setCount(r.count());
    for (KeyValue kv : r.kvs()) {
      b.addKvs(keyValue(kv));
    }
    return b.build();
  }

  static io.etcd.jetcd.api.PutResponse put(PutResponse r, Headers headers) {
    io.etcd.jetcd.api.PutResponse.Builder b = io.etcd.jetcd.api.PutResponse.newBuilder()
        .setHeader(headers.header(r.header().revision()));
    if (r.prevKv() != null) {
      b.setPrevKv(keyValue(r.prevKv()));
    }
    return b.build();
  }

  static io.etcd.jetcd.api.DeleteRangeResponse deleteRange(DeleteRangeResponse r, Headers headers) {
    io.etcd.jetcd.api.DeleteRangeResponse.Builder b = io.etcd.jetcd.api.DeleteRangeResponse.newBuilder()
        .setHeader(headers.header(r.header().revision()))
        .setDeleted(r.deleted());
    for (KeyValue kv : r.prevKvs()) {
      b.addPrevKvs(keyValue(kv));
    }
    return b.build();
  }

  static io.etcd.jetcd.api.TxnResponse txn(TxnResponse r, Headers headers) {
    io.etcd.jetcd.api.TxnResponse.Builder b = io.etcd.jetcd.api.TxnResponse.newBuilder()
        .setHeader(headers.header(r.header().revision()))
        .setSucceeded(r.succeeded());
    // As in etcd, only the outermost header is the server's: the responses of the ops inside carry
    // just their revision.
    for (ResponseOp op : r.responses()) {
      io.etcd.jetcd.api.ResponseOp.Builder ob = io.etcd.jetcd.api.ResponseOp.newBuilder();
      if (op instanceof RangeResponse rr) {
        ob.setResponseRange(range(rr, REVISION_ONLY));
      } else if (op instanceof PutResponse pr) {
        ob.setResponsePut(put(pr, REVISION_ONLY));
      } else if (op instanceof DeleteRangeResponse dr) {
        ob.setResponseDeleteRange(deleteRange(dr, REVISION_ONLY));
      } else if (op instanceof TxnResponse tr) {
        ob.setResponseTxn(txn(tr, REVISION_ONLY));
      }
      b.addResponses(ob.build());
    }
    return b.build();
  }
}
