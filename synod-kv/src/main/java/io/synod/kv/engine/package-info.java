/**
 * Storage engines under the MVCC store: the {@link io.synod.kv.engine.Engine} contract (ordered
 * byte keys, atomic batches that record the applied slot), the in-memory engine for simulation and
 * tests, and (in {@code rocksdb}) the RocksDB engine for production.
 */
package io.synod.kv.engine;
