package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.synod.kv.KeyValue;
import io.synod.kv.PutResponse;
import io.synod.kv.RangeResponse;
import io.synod.kv.ResponseHeader;
import io.synod.kv.TxnResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdProtosTest {
  private static final EtcdProtos.Headers SERVER = revision -> io.etcd.jetcd.api.ResponseHeader.newBuilder()
      .setClusterId(7).setMemberId(9).setRaftTerm(3).setRevision(revision).build();

  @Test
  void responsesInsideATxnCarryOnlyTheirRevisionAsEtcdsDo() {
    KeyValue kv = new KeyValue(new byte[] {'k'}, 4, 5, 2, new byte[] {'v'}, 0);
    TxnResponse inner = new TxnResponse(new ResponseHeader(6), true,
        List.of(new PutResponse(new ResponseHeader(6), null)));
    TxnResponse txn = new TxnResponse(new ResponseHeader(6), true,
        List.of(new RangeResponse(new ResponseHeader(6), List.of(kv), false, 1), inner));

    io.etcd.jetcd.api.TxnResponse proto = EtcdProtos.txn(txn, SERVER);

    assertThat(proto.getHeader()).isEqualTo(SERVER.header(6));
    io.etcd.jetcd.api.ResponseHeader revisionOnly = io.etcd.jetcd.api.ResponseHeader.newBuilder().setRevision(6).build();
    assertThat(proto.getResponses(0).getResponseRange().getHeader()).isEqualTo(revisionOnly);
    assertThat(proto.getResponses(1).getResponseTxn().getHeader()).isEqualTo(revisionOnly);
    assertThat(proto.getResponses(1).getResponseTxn().getResponses(0).getResponsePut().getHeader()).isEqualTo(revisionOnly);
  }
}
