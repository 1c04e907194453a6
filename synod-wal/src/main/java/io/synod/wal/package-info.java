/** Durable storage for a replica: the segmented write-ahead log, acceptor state and snapshots. */
package io.synod.wal;
