package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-encoded LeaseLeases answer (jetcd's stubs lack the method) reads as etcd's message. */
class LeaseServiceTest {
  @Test
  void leaseListEncodesTheHeaderAndOneLeaseStatusPerId() throws IOException {
    io.etcd.jetcd.api.ResponseHeader header = io.etcd.jetcd.api.ResponseHeader.newBuilder()
        .setClusterId(7).setMemberId(2).setRevision(42).setRaftTerm(3).build();
    List<Long> ids = List.of(1L, 0x694d7b1e8a0c4a0bL, Long.MAX_VALUE, -5L);
    CodedInputStream in = CodedInputStream.newInstance(LeaseService.encodeLeases(header, ids));
    io.etcd.jetcd.api.ResponseHeader decodedHeader = null;
    List<Long> decoded = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      assertThat(WireFormat.getTagWireType(tag)).isEqualTo(WireFormat.WIRETYPE_LENGTH_DELIMITED);
      byte[] body = in.readByteArray();
      if (WireFormat.getTagFieldNumber(tag) == 1) {
        decodedHeader = io.etcd.jetcd.api.ResponseHeader.parseFrom(body);
      } else {
        assertThat(WireFormat.getTagFieldNumber(tag)).isEqualTo(2);
        CodedInputStream status = CodedInputStream.newInstance(body);
        int statusTag = status.readTag();
        assertThat(WireFormat.getTagFieldNumber(statusTag)).isEqualTo(1);
        assertThat(WireFormat.getTagWireType(statusTag)).isEqualTo(WireFormat.WIRETYPE_VARINT);
        decoded.add(status.readInt64());
        assertThat(status.isAtEnd()).isTrue();
      }
    }
    assertThat(decodedHeader).isEqualTo(header);
    assertThat(decoded).isEqualTo(ids);
  }

  @Test
  void anEmptyListIsTheHeaderAlone() throws IOException {
    io.etcd.jetcd.api.ResponseHeader header = io.etcd.jetcd.api.ResponseHeader.newBuilder().setRevision(1).build();
    byte[] bytes = LeaseService.encodeLeases(header, List.of());
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    assertThat(WireFormat.getTagFieldNumber(in.readTag())).isEqualTo(1);
    assertThat(io.etcd.jetcd.api.ResponseHeader.parseFrom(in.readByteArray())).isEqualTo(header);
    assertThat(in.isAtEnd()).isTrue();
  }
}
