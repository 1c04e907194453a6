package io.synod.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary form of commands (what goes into the log) and results (what the applier hands
 * back). Integers are varints (zig-zag for signed), byte strings are length-prefixed, enums are
 * ordinals, and each form starts with a version byte so the format can evolve.
 *
 * <p>Decoding treats its input as hostile: a truncated, overlong, trailing-garbage or out-of-range
 * input fails with {@link KvException.Code#INVALID_ARGUMENT}, never with an unchecked exception, and
 * nesting deeper than {@link KvLimits#TXN_DEPTH_MAX} is refused before it can exhaust the stack.
 */
public final class KvCodec {
  static final int VERSION = 1;

  private static final int TAG_ERROR = 0;
  private static final int TAG_RANGE = 1;
  private static final int TAG_PUT = 2;
  private static final int TAG_DELETE = 3;
  private static final int TAG_TXN = 4;
  private static final int TAG_COMPACTION = 5;
  private static final int TAG_ALARM = 6;
  private static final int TAG_LEASE = 7;

  private static final KvException.Code[] CODES = KvException.Code.values();
  private static final RangeRequest.SortOrder[] SORT_ORDERS = RangeRequest.SortOrder.values();
  private static final RangeRequest.SortTarget[] SORT_TARGETS = RangeRequest.SortTarget.values();
  private static final Compare.Result[] COMPARE_RESULTS = Compare.Result.values();
  private static final Compare.Target[] COMPARE_TARGETS = Compare.Target.values();
  private static final AlarmRequest.Action[] ALARM_ACTIONS = AlarmRequest.Action.values();
  private static final AlarmType[] ALARM_TYPES = AlarmType.values();
  private static final LeaseRequest.Op[] LEASE_OPS = LeaseRequest.Op.values();

  private KvCodec() {}

  // ---- commands ----

  public static byte[] encodeCommand(KvCommand command) {
    ByteWriter out = new ByteWriter(sizeHint(command.request()));
    out.writeByte(VERSION);
    out.writeZigZag(command.clientId());
    out.writeZigZag(command.sequence());
    writeRequest(out, command.request());
    return out.toByteArray();
  }

  /** Room for most encodings of {@code request} in one allocation (a put carries its key and value). */
  private static int sizeHint(KvRequest request) {
    if (request instanceof PutRequest put) {
      return 48 + put.key().length + put.value().length;
    }
    return 64;
  }

  public static KvCommand decodeCommand(byte[] bytes) throws KvException {
    return decodeCommand(bytes, 0, bytes.length);
  }

  /** Decodes the command in {@code bytes[offset, offset + length)}, in place. */
  public static KvCommand decodeCommand(byte[] bytes, int offset, int length) throws KvException {
    ByteReader in = new ByteReader(bytes, offset, length);
    readVersion(in);
    long clientId = in.readZigZag();
    long sequence = in.readZigZag();
    if (clientId == 0 ? sequence != 0 : sequence < 1) {
      throw KvException.invalid("bad session (client " + clientId + ", sequence " + sequence + ")");
    }
    KvRequest request = readRequest(in, 0);
    in.expectEnd();
    return new KvCommand(clientId, sequence, request);
  }

  private static void readVersion(ByteReader in) throws KvException {
    int version = in.readByte();
    if (version != VERSION) {
      throw KvException.invalid("unknown encoding version " + version);
    }
  }

  private static void writeRequest(ByteWriter out, KvRequest request) {
    if (request instanceof RangeRequest r) {
      out.writeByte(TAG_RANGE);
      out.writeBytes(r.key()).writeBytes(r.rangeEnd());
      out.writeZigZag(r.limit()).writeZigZag(r.revision());
      out.writeVarLong(r.sortOrder().ordinal()).writeVarLong(r.sortTarget().ordinal());
      out.writeByte((r.keysOnly() ? 1 : 0) | (r.countOnly() ? 2 : 0));
      out.writeZigZag(r.minModRevision()).writeZigZag(r.maxModRevision());
      out.writeZigZag(r.minCreateRevision()).writeZigZag(r.maxCreateRevision());
    } else if (request instanceof PutRequest p) {
      out.writeByte(TAG_PUT);
      out.writeBytes(p.key()).writeBytes(p.value()).writeZigZag(p.lease());
      out.writeByte((p.prevKv() ? 1 : 0) | (p.ignoreValue() ? 2 : 0) | (p.ignoreLease() ? 4 : 0));
    } else if (request instanceof DeleteRangeRequest d) {
      out.writeByte(TAG_DELETE);
      out.writeBytes(d.key()).writeBytes(d.rangeEnd()).writeBool(d.prevKv());
    } else if (request instanceof TxnRequest t) {
      out.writeByte(TAG_TXN);
      out.writeVarLong(t.compare().size());
      for (Compare c : t.compare()) {
        out.writeVarLong(c.result().ordinal()).writeVarLong(c.target().ordinal());
        out.writeBytes(c.key()).writeBytes(c.rangeEnd()).writeZigZag(c.number()).writeBytes(c.value());
      }
      writeOps(out, t.success());
      writeOps(out, t.failure());
    } else if (request instanceof CompactionRequest c) {
      out.writeByte(TAG_COMPACTION);
      out.writeZigZag(c.revision()).writeBool(c.physical());
    } else if (request instanceof AlarmRequest a) {
      out.writeByte(TAG_ALARM);
      out.writeVarLong(a.action().ordinal()).writeZigZag(a.memberId()).writeVarLong(a.alarm().ordinal());
    } else if (request instanceof LeaseRequest l) {
      out.writeByte(TAG_LEASE);
      out.writeVarLong(l.op().ordinal()).writeZigZag(l.id()).writeZigZag(l.ttlSeconds());
      out.writeZigZag(l.remainingMillis()).writeZigZag(l.renewal());
    } else {
      throw new IllegalArgumentException("unknown request type " + request.getClass().getName());
    }
  }

  private static void writeOps(ByteWriter out, List<RequestOp> ops) {
    out.writeVarLong(ops.size());
    for (RequestOp op : ops) {
      writeRequest(out, op);
    }
  }

  private static KvRequest readRequest(ByteReader in, int depth) throws KvException {
    int tag = in.readByte();
    switch (tag) {
      case TAG_RANGE: {
        byte[] key = in.readBytes();
        byte[] rangeEnd = in.readBytes();
        long limit = in.readZigZag();
        long revision = in.readZigZag();
        RangeRequest.SortOrder order = in.readEnum(SORT_ORDERS);
        RangeRequest.SortTarget target = in.readEnum(SORT_TARGETS);
        int flags = readFlags(in, 2);
        return new RangeRequest(key, rangeEnd, limit, revision, order, target, (flags & 1) != 0, (flags & 2) != 0,
            in.readZigZag(), in.readZigZag(), in.readZigZag(), in.readZigZag());
      }
      case TAG_PUT: {
        byte[] key = in.readBytes();
        byte[] value = in.readBytes();
        long lease = in.readZigZag();
        int flags = readFlags(in, 3);
        return new PutRequest(key, value, lease, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
      }
      case TAG_DELETE:
        return new DeleteRangeRequest(in.readBytes(), in.readBytes(), in.readBool());
      case TAG_TXN:
        return readTxn(in, depth);
      case TAG_COMPACTION:
        if (depth > 0) {
          throw KvException.invalid("compaction inside a transaction");
        }
        return new CompactionRequest(in.readZigZag(), in.readBool());
      case TAG_ALARM:
        if (depth > 0) {
          throw KvException.invalid("alarm inside a transaction");
        }
        return new AlarmRequest(in.readEnum(ALARM_ACTIONS), in.readZigZag(), in.readEnum(ALARM_TYPES));
      case TAG_LEASE:
        if (depth > 0) {
          throw KvException.invalid("lease command inside a transaction");
        }
        return readLease(in);
      default:
        throw KvException.invalid("unknown request tag " + tag);
    }
  }

  private static LeaseRequest readLease(ByteReader in) throws KvException {
    LeaseRequest.Op op = in.readEnum(LEASE_OPS);
    long id = in.readZigZag();
    long ttl = in.readZigZag();
    long remaining = in.readZigZag();
    long renewal = in.readZigZag();
    try {
      return new LeaseRequest(op, id, ttl, remaining, renewal);
    } catch (IllegalArgumentException e) {
      throw KvException.invalid(e.getMessage());
    }
  }

  private static TxnRequest readTxn(ByteReader in, int depth) throws KvException {
    if (depth >= KvLimits.TXN_DEPTH_MAX) {
      throw KvException.invalid("transactions nested deeper than " + KvLimits.TXN_DEPTH_MAX);
    }
    // A compare takes at least 6 bytes: two enums, three lengths and a number.
    int compareCount = in.readCount(6);
    List<Compare> compares = new ArrayList<>(compareCount);
    for (int i = 0; i < compareCount; i++) {
      Compare.Result result = in.readEnum(COMPARE_RESULTS);
      Compare.Target target = in.readEnum(COMPARE_TARGETS);
      compares.add(new Compare(result, target, in.readBytes(), in.readBytes(), in.readZigZag(), in.readBytes()));
    }
    List<RequestOp> success = readOps(in, depth);
    List<RequestOp> failure = readOps(in, depth);
    return new TxnRequest(compares, success, failure);
  }

  private static List<RequestOp> readOps(ByteReader in, int depth) throws KvException {
    // An op takes at least 4 bytes (a delete: tag, two lengths, a flag).
    int count = in.readCount(4);
    List<RequestOp> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      KvRequest op = readRequest(in, depth + 1);
      ops.add((RequestOp) op);
    }
    return ops;
  }

  private static int readFlags(ByteReader in, int bits) throws KvException {
    int flags = in.readByte();
    if ((flags >>> bits) != 0) {
      throw KvException.invalid("unknown flag bits " + flags);
    }
    return flags;
  }

  // ---- results ----

  public static byte[] encodeResult(KvResult result) {
    ByteWriter out = new ByteWriter();
    out.writeByte(VERSION);
    if (!result.isOk()) {
      out.writeByte(TAG_ERROR);
      out.writeVarLong(result.errorCode().ordinal());
      out.writeString(result.errorMessage());
    } else {
      writeResponse(out, result.response());
    }
    return out.toByteArray();
  }

  public static KvResult decodeResult(byte[] bytes) throws KvException {
    ByteReader in = new ByteReader(bytes);
    readVersion(in);
    int tag = in.readByte();
    KvResult result;
    if (tag == TAG_ERROR) {
      KvException.Code code = in.readEnum(CODES);
      result = KvResult.error(new KvException(code, in.readString()));
    } else {
      result = KvResult.ok(readResponseBody(in, tag, 0));
    }
    in.expectEnd();
    return result;
  }

  private static void writeResponse(ByteWriter out, KvResponse response) {
    if (response instanceof RangeResponse r) {
      out.writeByte(TAG_RANGE);
      out.writeZigZag(r.header().revision());
      out.writeVarLong(r.kvs().size());
      for (KeyValue kv : r.kvs()) {
        writeKeyValue(out, kv);
      }
      out.writeBool(r.more()).writeZigZag(r.count());
    } else if (response instanceof PutResponse p) {
      out.writeByte(TAG_PUT);
      out.writeZigZag(p.header().revision());
      out.writeBool(p.prevKv() != null);
      if (p.prevKv() != null) {
        writeKeyValue(out, p.prevKv());
      }
    } else if (response instanceof DeleteRangeResponse d) {
      out.writeByte(TAG_DELETE);
      out.writeZigZag(d.header().revision()).writeZigZag(d.deleted());
      out.writeVarLong(d.prevKvs().size());
      for (KeyValue kv : d.prevKvs()) {
        writeKeyValue(out, kv);
      }
    } else if (response instanceof TxnResponse t) {
      out.writeByte(TAG_TXN);
      out.writeZigZag(t.header().revision()).writeBool(t.succeeded());
      out.writeVarLong(t.responses().size());
      for (ResponseOp op : t.responses()) {
        writeResponse(out, op);
      }
    } else if (response instanceof CompactionResponse c) {
      out.writeByte(TAG_COMPACTION);
      out.writeZigZag(c.header().revision());
    } else if (response instanceof AlarmResponse a) {
      out.writeByte(TAG_ALARM);
      out.writeZigZag(a.header().revision());
      out.writeVarLong(a.alarms().size());
      for (AlarmMember m : a.alarms()) {
        out.writeZigZag(m.memberId()).writeVarLong(m.alarm().ordinal());
      }
    } else if (response instanceof LeaseResponse l) {
      out.writeByte(TAG_LEASE);
      out.writeZigZag(l.header().revision()).writeZigZag(l.id()).writeZigZag(l.ttlSeconds()).writeBool(l.changed());
    } else {
      throw new IllegalArgumentException("unknown response type " + response.getClass().getName());
    }
  }

  private static KvResponse readResponse(ByteReader in, int depth) throws KvException {
    return readResponseBody(in, in.readByte(), depth);
  }

  private static KvResponse readResponseBody(ByteReader in, int tag, int depth) throws KvException {
    switch (tag) {
      case TAG_RANGE: {
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        List<KeyValue> kvs = readKeyValues(in);
        return new RangeResponse(header, kvs, in.readBool(), in.readZigZag());
      }
      case TAG_PUT: {
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        KeyValue prev = in.readBool() ? readKeyValue(in) : null;
        return new PutResponse(header, prev);
      }
      case TAG_DELETE: {
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        long deleted = in.readZigZag();
        return new DeleteRangeResponse(header, deleted, readKeyValues(in));
      }
      case TAG_TXN: {
        if (depth >= KvLimits.TXN_DEPTH_MAX) {
          throw KvException.invalid("transaction responses nested deeper than " + KvLimits.TXN_DEPTH_MAX);
        }
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        boolean succeeded = in.readBool();
        int count = in.readCount(2);
        List<ResponseOp> responses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          KvResponse op = readResponse(in, depth + 1);
          if (!(op instanceof ResponseOp responseOp)) {
            throw KvException.invalid("compaction response inside a transaction");
          }
          responses.add(responseOp);
        }
        return new TxnResponse(header, succeeded, responses);
      }
      case TAG_COMPACTION:
        return new CompactionResponse(new ResponseHeader(in.readZigZag()));
      case TAG_ALARM: {
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        // An alarm takes at least 2 bytes: a member id and a type.
        int count = in.readCount(2);
        List<AlarmMember> alarms = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          alarms.add(new AlarmMember(in.readZigZag(), in.readEnum(ALARM_TYPES)));
        }
        return new AlarmResponse(header, alarms);
      }
      case TAG_LEASE: {
        if (depth > 0) {
          throw KvException.invalid("lease response inside a transaction");
        }
        ResponseHeader header = new ResponseHeader(in.readZigZag());
        long id = in.readZigZag();
        long ttl = in.readZigZag();
        if (ttl < 0) {
          throw KvException.invalid("negative lease TTL");
        }
        return new LeaseResponse(header, id, ttl, in.readBool());
      }
      default:
        throw KvException.invalid("unknown response tag " + tag);
    }
  }

  private static void writeKeyValue(ByteWriter out, KeyValue kv) {
    out.writeBytes(kv.key()).writeZigZag(kv.createRevision()).writeZigZag(kv.modRevision());
    out.writeZigZag(kv.version()).writeBytes(kv.value()).writeZigZag(kv.lease());
  }

  private static List<KeyValue> readKeyValues(ByteReader in) throws KvException {
    // A key-value takes at least 6 bytes: two lengths and four numbers.
    int count = in.readCount(6);
    List<KeyValue> kvs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      kvs.add(readKeyValue(in));
    }
    return kvs;
  }

  private static KeyValue readKeyValue(ByteReader in) throws KvException {
    return new KeyValue(in.readBytes(), in.readZigZag(), in.readZigZag(), in.readZigZag(), in.readBytes(),
        in.readZigZag());
  }
}
