package io.synod.server;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.stub.StreamObserver;

/** The etcd v3 Cluster service, read-only: the configured members. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final ServerConfig config;
  private final EtcdProtos.Headers headers;

  ClusterService(ServerConfig config, EtcdProtos.Headers headers) {
    this.config = config;
    this.headers = headers;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    MemberListResponse.Builder b = MemberListResponse.newBuilder().setHeader(headers.header(0));
    for (Member m : config.members()) {
      b.addMembers(io.etcd.jetcd.api.Member.newBuilder()
          .setID(m.memberId())
          .setName(m.name())
          .addPeerURLs(m.peerUrl())
          .addClientURLs(m.clientUrl())
          .build());
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}
