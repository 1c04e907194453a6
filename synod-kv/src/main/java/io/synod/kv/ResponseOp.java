package io.synod.kv;

/** The answer to one {@link RequestOp}, in the same position of the executed branch. */
public sealed interface ResponseOp extends KvResponse
    permits RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse {}
