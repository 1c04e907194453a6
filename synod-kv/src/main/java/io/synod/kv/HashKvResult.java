package io.synod.kv;

/**
 * The answer to {@link MvccStore#hashKv}: a CRC-32C over every change in revisions
 * ({@code compactRevision}, {@code revision}], the compact revision it starts after, and the store's
 * current revision when it was computed.
 */
public record HashKvResult(int hash, long compactRevision, long revision, long currentRevision) {}
