package io.synod.kv;

/**
 * One operation of a transaction branch (etcd's {@code RequestOp}): a range, put, delete-range or a
 * nested transaction. Each of these may also be sent on its own.
 */
public sealed interface RequestOp extends KvRequest
    permits RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest {}
