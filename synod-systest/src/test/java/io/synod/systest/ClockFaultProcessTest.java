package io.synod.systest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose clock runs far slower than the read-lease drift bound allows: the others find it
 * out (its lease requests report less elapsed time than theirs), say so in their logs, and grant it
 * no promises, so its linearizable reads go through the log instead of being answered from a lease it
 * cannot be trusted to time.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClockFaultProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  static java.nio.file.Path dir;

  @RegisterExtension
  final LogsOnFailure logs = new LogsOnFailure();

  @Test
  void membersLogAPeerWhoseClockIsOutOfBoundAndItsReadsGoThroughTheLog() throws IOException {
    try (Cluster cluster = Cluster.create(dir.resolve("cluster"), 3,
        List.of("--read-leases", "--read-lease-ms", "1000", "--read-lease-renew-ms", "100", "--clock-drift-bound", "0.001"),
        Map.of(3, List.of("--test-only-clock-rate", "0.7")), false)) {
      logs.watch(cluster);
      cluster.startAndAwaitLeader();
      for (int grantor : List.of(1, 2)) {
        Await.until("member " + grantor + " logs member 3's clock as out of bound", WAIT,
            () -> cluster.logText(grantor).contains("member 3's clock runs outside the drift bound") ? Boolean.TRUE : null,
            cluster::logTails);
      }
      assertThat(cluster.logText(3)).as("member 3 finds no fault with the others' clocks from its side")
          .doesNotContain("clock runs outside the drift bound");
      ManagedChannel channel = ManagedChannelBuilder.forAddress(cluster.host(3), cluster.clientPort(3)).usePlaintext()
          .build();
      try {
        // Answered all the same: through the log, since no grantor promises member 3 anything.
        long[] before = readCounts(channel);
        for (int i = 0; i < 5; i++) {
          assertThat(KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build())
              .getHeader().getRevision()).isPositive();
        }
        long[] after = readCounts(channel);
        assertThat(after[0]).as("reads member 3 answered from its own state").isEqualTo(before[0]);
        assertThat(after[1] - before[1]).as("reads member 3 sent through the log").isEqualTo(5);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** The member's read counts from its Status answer's headers: {answered locally, through the log}. */
  private static long[] readCounts(ManagedChannel channel) {
    java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata> headers = new java.util.concurrent.atomic.AtomicReference<>();
    io.etcd.jetcd.api.MaintenanceGrpc.newBlockingStub(channel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(headers,
            new java.util.concurrent.atomic.AtomicReference<>()))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(io.etcd.jetcd.api.StatusRequest.getDefaultInstance());
    return new long[] {count(headers.get(), "synod-reads-local"), count(headers.get(), "synod-reads-through-log")};
  }

  private static long count(io.grpc.Metadata headers, String name) {
    String value = headers.get(io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER));
    assertThat(value).as("the Status answer's %s header", name).isNotNull();
    return Long.parseLong(value);
  }
}
