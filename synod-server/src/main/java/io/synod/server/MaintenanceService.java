package io.synod.server;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.stub.StreamObserver;
import io.synod.kv.KvResult;
import io.synod.node.Node;
import io.synod.node.core.NodeCore;

/** The parts of etcd's Maintenance service that `etcdctl endpoint status` uses. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** The etcd API version Synod speaks; clients gate features on it. */
  static final String API_VERSION = "3.5.0";

  private final Node<KvResult> node;
  private final EtcdProtos.Headers headers;

  MaintenanceService(Node<KvResult> node, EtcdProtos.Headers headers) {
    this.node = node;
    this.headers = headers;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    // Only cheap reads on the node's loop: the engine keeps its size as it goes.
    node.query(machine -> new long[] {((StoreMachine) machine).store().revision(),
            ((StoreMachine) machine).store().sizeBytes()})
        .whenComplete((state, error) -> {
          if (error != null) {
            out.onError(KvService.toStatus(error));
            return;
          }
          NodeCore.Status status = node.status();
          out.onNext(StatusResponse.newBuilder()
              .setHeader(headers.header(state[0]))
              .setVersion(API_VERSION)
              .setDbSize(state[1])
              .setDbSizeInUse(state[1])
              .setLeader(status.leaderId())
              .setRaftIndex(status.chosenUpTo())
              .setRaftTerm(status.ballotRound())
              .setRaftAppliedIndex(status.appliedUpTo())
              .build());
          out.onCompleted();
        });
  }
}
