/**
 * The file-system seam of the write-ahead log. Everything in synod-wal reaches the disk through
 * {@link io.synod.wal.fs.FileSystem}, so the simulator can substitute a deterministic in-memory
 * file system that loses unsynced writes, tears the last one and flips bits.
 */
package io.synod.wal.fs;
