package io.synod.kv;

import java.util.List;

/**
 * etcd's {@code TxnRequest}: if every compare holds, run {@code success}, else {@code failure}.
 *
 * <p>Semantics kept from etcd: all compares, including those of nested transactions on the executed
 * path, are evaluated against the state before the transaction; ops run in order and a range op sees
 * the writes of earlier ops of the same transaction; the whole transaction takes one revision if it
 * writes anything; a key may be written at most once per branch (DUPLICATE_KEY), and the number of
 * ops is limited (TOO_MANY_OPS). Build with {@code TxnRequest.when(...).then(...).orElse(...)}.
 */
public record TxnRequest(List<Compare> compare, List<RequestOp> success, List<RequestOp> failure)
    implements RequestOp {

  public TxnRequest {
    compare = List.copyOf(compare);
    success = List.copyOf(success);
    failure = List.copyOf(failure);
  }

  public static TxnRequest when(Compare... compares) {
    return new TxnRequest(List.of(compares), List.of(), List.of());
  }

  public static TxnRequest when(List<Compare> compares) {
    return new TxnRequest(compares, List.of(), List.of());
  }

  public TxnRequest then(RequestOp... ops) {
    return new TxnRequest(compare, List.of(ops), failure);
  }

  public TxnRequest then(List<RequestOp> ops) {
    return new TxnRequest(compare, ops, failure);
  }

  public TxnRequest orElse(RequestOp... ops) {
    return new TxnRequest(compare, success, List.of(ops));
  }

  public TxnRequest orElse(List<RequestOp> ops) {
    return new TxnRequest(compare, success, ops);
  }
}
