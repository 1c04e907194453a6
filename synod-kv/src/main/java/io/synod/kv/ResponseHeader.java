package io.synod.kv;

/**
 * The store's part of etcd's response header: the revision of the store after the operation. The
 * server adds cluster_id, member_id and raft_term. Inside a transaction each op's header carries the
 * revision that op saw (etcd's behaviour), and a nested transaction's header is revision 0 because
 * etcd leaves it unset.
 */
public record ResponseHeader(long revision) {}
