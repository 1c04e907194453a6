package io.synod.kv;

/** The successful answer to a {@link KvRequest}; {@link #header()} carries the store revision. */
public sealed interface KvResponse permits ResponseOp, CompactionResponse, AlarmResponse, LeaseResponse {
  ResponseHeader header();
}
