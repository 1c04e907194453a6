package io.synod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.synod.kv.CompactionRequest;
import io.synod.kv.KvCodec;
import io.synod.kv.KvCommand;
import io.synod.kv.MvccStore;
import io.synod.kv.PutRequest;
import io.synod.kv.RangeRequest;
import io.synod.kv.engine.InMemoryEngine;
import io.synod.node.ReplicaStorage;
import io.synod.paxos.Configuration;
import io.synod.wal.WalConfig;
import io.synod.wal.fs.NioFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file format and the restore that reads it. */
class SnapshotFileTest {
  @TempDir Path dir;

  private static MvccStore store(int puts) {
    MvccStore store = MvccStore.open(new InMemoryEngine());
    long slot = 0;
    for (int i = 0; i < puts; i++) {
      slot++;
      store.apply(slot, KvCodec.encodeCommand(KvCommand.of(PutRequest.of(
          ("k" + i % 7).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)))));
      store.slotApplied(slot);
    }
    slot++;
    store.apply(slot, KvCodec.encodeCommand(KvCommand.of(CompactionRequest.of(5))));
    store.slotApplied(slot);
    return store;
  }

  /** The whole file as {@code etcdctl snapshot save} writes it: the streamed body, then its SHA-256. */
  private static byte[] file(MvccStore store) {
    byte[] body = SnapshotFile.body(store.revision(), store.compactRevision(), store.appliedSlot(), store.snapshot());
    byte[] sha = SnapshotFile.sha256(body, body.length);
    byte[] whole = Arrays.copyOf(body, body.length + sha.length);
    System.arraycopy(sha, 0, whole, body.length, sha.length);
    return whole;
  }

  @Test
  void aFileRoundTripsWithItsRevisionsAndItsLengthIsWhatEtcdctlChecks() throws Exception {
    MvccStore store = store(40);
    byte[] whole = file(store);
    // etcdctl takes a file as checksummed when its length is 32 more than a multiple of 512.
    assertThat(whole.length % 512).isEqualTo(32);
    SnapshotFile.Contents contents = SnapshotFile.decode(whole);
    assertThat(contents.revision()).isEqualTo(store.revision());
    assertThat(contents.compactRevision()).isEqualTo(5);
    assertThat(contents.slot()).isEqualTo(store.appliedSlot());
    MvccStore restored = MvccStore.open(new InMemoryEngine());
    restored.restore(contents.slot(), contents.store());
    assertThat(restored.stateHash()).isEqualTo(store.stateHash());
    assertThat(restored.range(RangeRequest.all())).isEqualTo(store.range(RangeRequest.all()));
  }

  @Test
  void aTruncatedOrCorruptedFileIsRefusedSayingWhy() {
    byte[] whole = file(store(40));
    assertThatThrownBy(() -> SnapshotFile.decode(Arrays.copyOf(whole, whole.length - 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHA-256 checksum mismatch");
    assertThatThrownBy(() -> SnapshotFile.decode(Arrays.copyOf(whole, 40)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    for (int at : new int[] {8, 20, 60, whole.length / 2, whole.length - 1}) {
      byte[] flipped = whole.clone();
      flipped[at] ^= 0x10;
      assertThatThrownBy(() -> SnapshotFile.decode(flipped)).as("byte %d flipped", at)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    }
    byte[] foreign = whole.clone();
    foreign[0] = 'X';
    assertThatThrownBy(() -> SnapshotFile.decode(foreign)).hasMessageContaining("not a Synod snapshot");
  }

  @Test
  void restoreWritesAMemberDirectoryThatOpensAtTheSnapshot() throws Exception {
    MvccStore store = store(40);
    Path file = dir.resolve("snap.db");
    Files.write(file, file(store));
    List<Member> members = Member.parseAll("1=127.0.0.1:1/127.0.0.1:2,2=127.0.0.1:3/127.0.0.1:4,3=127.0.0.1:5/127.0.0.1:6");
    Path data = dir.resolve("m2");
    RestoreMain.Summary summary = RestoreMain.restore(file, 2, members, data);
    assertThat(summary.revision()).isEqualTo(store.revision());
    ReplicaStorage.Opened opened = ReplicaStorage.open(NioFileSystem.INSTANCE, data, 1,
        new Configuration(List.of(1, 2, 3)), WalConfig.defaults());
    try {
      assertThat(opened.state().snapshot().slot()).isEqualTo(store.appliedSlot());
      assertThat(opened.state().promised()).isEqualTo(io.synod.paxos.Ballot.ZERO);
      assertThat(opened.state().entries()).isEmpty();
    } finally {
      opened.storage().close();
    }
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("snap.db", "m2");
    }
  }

  @Test
  void restoreRefusesACorruptedFileOrAUsedDirectoryAndLeavesNothingBehind() throws Exception {
    byte[] whole = file(store(40));
    whole[100] ^= 1;
    Path bad = dir.resolve("bad.db");
    Files.write(bad, whole);
    List<Member> members = Member.parseAll("1=127.0.0.1:1/127.0.0.1:2");
    Path data = dir.resolve("m1");
    assertThatThrownBy(() -> RestoreMain.restore(bad, 1, members, data)).isInstanceOf(IOException.class)
        .hasMessageContaining(bad.toString()).hasMessageContaining("SHA-256 checksum mismatch");
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("bad.db");
    }
    Path used = dir.resolve("used");
    Files.createDirectories(used);
    Files.writeString(used.resolve("keep"), "x");
    Path good = dir.resolve("good.db");
    Files.write(good, file(store(10)));
    assertThatThrownBy(() -> RestoreMain.restore(good, 1, members, used)).isInstanceOf(IOException.class)
        .hasMessageContaining("is not empty");
    assertThat(Files.readString(used.resolve("keep"))).isEqualTo("x");
    assertThatThrownBy(() -> RestoreMain.restore(good, 4, members, dir.resolve("m4")))
        .hasMessageContaining("member 4 is not among the members");
  }
}
