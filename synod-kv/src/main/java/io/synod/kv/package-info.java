/**
 * Synod's key-value state machine: etcd v3's multi-version key-value store (ranges, puts, delete
 * ranges, transactions, compaction, with etcd's revisions, errors and quirks), applied
 * deterministically from the Paxos log by {@link io.synod.kv.MvccStore}.
 *
 * <p>The request and response records mirror etcd's protobuf messages without depending on them;
 * the server translates between the two. {@link io.synod.kv.KvCodec} is the log's binary format,
 * {@link io.synod.kv.KvErrors} maps errors to gRPC statuses, and {@link io.synod.kv.RequestChecks}
 * lets the server refuse a bad request before proposing it.
 *
 * <p>Everything here except {@code io.synod.kv.engine.rocksdb} is checked by forbidden-apis: no
 * clock, randomness, threads or I/O.
 */
package io.synod.kv;
