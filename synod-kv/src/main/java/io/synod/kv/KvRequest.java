package io.synod.kv;

/** A request the store applies: one of the etcd KV service's calls. */
public sealed interface KvRequest permits RequestOp, CompactionRequest, AlarmRequest, LeaseRequest {}
