package io.synod.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The command and result codec: round trips, and refusal of every kind of malformed input. */
class KvCodecTest {
  @Test
  void randomCommandsRoundTrip() throws KvException {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      RandomRequests requests = new RandomRequests(random, 0.05);
      for (int i = 0; i < 200; i++) {
        KvRequest request = requests.request(random.nextLong(1, 50));
        KvCommand command = random.nextBoolean()
            ? KvCommand.of(request)
            : KvCommand.session(random.nextLong() | 1, random.nextLong(1, Long.MAX_VALUE), request);
        byte[] bytes = KvCodec.encodeCommand(command);
        assertThat(KvCodec.decodeCommand(bytes)).as("seed %d command %d", seed, i).isEqualTo(command);
      }
    }
  }

  @Test
  void resultsOfARandomWorkloadRoundTrip() throws KvException {
    SplittableRandom random = new SplittableRandom(7);
    RandomRequests requests = new RandomRequests(random, 0.02);
    Harness h = Harness.inMemory();
    for (int i = 0; i < 1000; i++) {
      KvResult result = h.store.apply(++h.slot, KvCommand.of(requests.request(h.store.revision())));
      assertThat(KvCodec.decodeResult(KvCodec.encodeResult(result))).as("seed 7 result %d", i).isEqualTo(result);
    }
  }

  @Test
  void everyTruncationIsRefused() {
    SplittableRandom random = new SplittableRandom(11);
    RandomRequests requests = new RandomRequests(random, 0);
    for (int i = 0; i < 100; i++) {
      byte[] bytes = KvCodec.encodeCommand(KvCommand.of(requests.request(10)));
      for (int length = 0; length < bytes.length; length++) {
        byte[] truncated = Arrays.copyOf(bytes, length);
        assertInvalid(() -> KvCodec.decodeCommand(truncated));
      }
    }
  }

  @Test
  void trailingBytesUnknownTagsVersionsAndEnumsAreRefused() {
    byte[] valid = KvCodec.encodeCommand(KvCommand.of(RangeRequest.key(Bytes.utf8("k"))));
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
    assertInvalid(() -> KvCodec.decodeCommand(trailing));
    byte[] badVersion = valid.clone();
    badVersion[0] = 9;
    assertInvalid(() -> KvCodec.decodeCommand(badVersion));
    // version, client 0, sequence 0, then an unknown request tag.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 42}));
    // A range whose sort order ordinal is 7.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 1, 1, 'k', 0, 0, 0, 7, 0, 0, 0, 0, 0, 0}));
    // A session with sequence 0, and a sequence without a session.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 2, 0, 5, 0, 0}));
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 2, 5, 0, 0}));
    // A boolean that is neither 0 nor 1.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 5, 0, 2}));
    // A put with unknown flag bits.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 2, 1, 'k', 0, 0, 8}));
    // A length far beyond the input.
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}));
    // A varint longer than 10 bytes.
    byte[] longVarint = new byte[14];
    Arrays.fill(longVarint, (byte) 0xff);
    longVarint[0] = 1;
    assertInvalid(() -> KvCodec.decodeCommand(longVarint));
    assertInvalid(() -> KvCodec.decodeResult(new byte[] {1, 0, 99, 0}));
    assertInvalid(() -> KvCodec.decodeResult(new byte[0]));
  }

  @Test
  void compactionInsideATxnIsRefused() {
    // txn: no compares, success = [compaction 1], failure = [].
    assertInvalid(() -> KvCodec.decodeCommand(new byte[] {1, 0, 0, 4, 0, 1, 5, 2, 0, 0}));
  }

  @Test
  void nestingBeyondTheDepthLimitIsRefusedWithoutStackOverflow() {
    TxnRequest txn = TxnRequest.when();
    for (int i = 0; i < KvLimits.TXN_DEPTH_MAX + 5; i++) {
      txn = TxnRequest.when().then(txn);
    }
    byte[] deep = KvCodec.encodeCommand(KvCommand.of(txn));
    assertInvalid(() -> KvCodec.decodeCommand(deep));
  }

  @Test
  void randomCorruptionNeverEscapesAsAnUncheckedException() {
    SplittableRandom random = new SplittableRandom(13);
    RandomRequests requests = new RandomRequests(random, 0);
    int decoded = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] bytes = KvCodec.encodeCommand(KvCommand.of(requests.request(10)));
      int flips = random.nextInt(1, 4);
      for (int f = 0; f < flips; f++) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      try {
        KvCommand command = KvCodec.decodeCommand(bytes);
        // Whatever decodes re-encodes to something that decodes to the same command.
        assertThat(KvCodec.decodeCommand(KvCodec.encodeCommand(command))).isEqualTo(command);
        decoded++;
      } catch (KvException e) {
        assertThat(e.code()).isEqualTo(KvException.Code.INVALID_ARGUMENT);
      }
    }
    assertThat(decoded).as("some corruptions still decode").isPositive();
  }

  @Test
  void malformedCommandsGetAnErrorReplyAndChangeNothing() throws KvException {
    Harness h = Harness.inMemory();
    h.put("k", "v");
    long hash = h.store.stateHash();
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < 200; i++) {
      byte[] garbage = new byte[random.nextInt(0, 40)];
      random.nextBytes(garbage);
      if (garbage.length > 0) {
        garbage[0] = random.nextBoolean() ? 1 : garbage[0];
      }
      byte[] reply = h.store.apply(++h.slot, garbage);
      h.store.slotApplied(h.slot);
      KvResult result = KvCodec.decodeResult(reply);
      if (result.isOk()) {
        // Random bytes that happen to form a valid read are fine; a write would change the hash.
        assertThat(result.response()).isInstanceOf(RangeResponse.class);
      } else {
        assertThat(result.errorCode()).isIn(KvException.Code.INVALID_ARGUMENT, KvException.Code.EMPTY_KEY);
      }
    }
    assertThat(h.store.stateHash()).isEqualTo(hash);
    assertThat(h.get("k")).isEqualTo("v");
  }

  @Test
  void oversizedCommandsAreRefused() throws KvException {
    Harness h = Harness.inMemory(new KvLimits(128, 2048, 10));
    byte[] big = KvCodec.encodeCommand(KvCommand.of(PutRequest.of(Bytes.utf8("k"), new byte[4096])));
    KvResult result = KvCodec.decodeResult(h.store.apply(1, big));
    assertThat(result.errorCode()).isEqualTo(KvException.Code.REQUEST_TOO_LARGE);
    assertThat(result.errorMessage()).isEqualTo("etcdserver: request is too large");
    assertThat(h.store.revision()).isEqualTo(1);
  }

  @Test
  void emptyListsAndNullReplyFieldsRoundTrip() throws KvException {
    List<KvResponse> responses = List.of(
        new RangeResponse(new ResponseHeader(3), List.of(), false, 0),
        new PutResponse(new ResponseHeader(3), null),
        new DeleteRangeResponse(new ResponseHeader(3), 0, List.of()),
        new TxnResponse(new ResponseHeader(0), false, List.of()),
        new CompactionResponse(new ResponseHeader(Long.MAX_VALUE)));
    for (KvResponse response : responses) {
      KvResult result = KvResult.ok(response);
      assertThat(KvCodec.decodeResult(KvCodec.encodeResult(result))).isEqualTo(result);
    }
    KvResult error = KvResult.error(new KvException(KvException.Code.COMPACTED));
    assertThat(KvCodec.decodeResult(KvCodec.encodeResult(error))).isEqualTo(error);
  }

  private interface Decode {
    Object run() throws KvException;
  }

  private static void assertInvalid(Decode decode) {
    try {
      Object decoded = decode.run();
      fail("decoded malformed input as " + decoded);
    } catch (KvException e) {
      assertThat(e.code()).isEqualTo(KvException.Code.INVALID_ARGUMENT);
      assertThat(e.getMessage()).startsWith("synod: malformed request: ");
    }
  }

  @Test
  void errorTableCoversEveryCodeWithEtcdsStatus() {
    for (KvException.Code code : KvException.Code.values()) {
      assertThat(KvErrors.message(code)).isNotBlank();
      assertThat(KvErrors.grpcCode(code)).isIn(
          "OUT_OF_RANGE", "INVALID_ARGUMENT", "FAILED_PRECONDITION", "RESOURCE_EXHAUSTED", "NOT_FOUND");
    }
    assertThat(KvErrors.grpcCode(KvException.Code.COMPACTED)).isEqualTo("OUT_OF_RANGE");
    assertThat(KvErrors.grpcCode(KvException.Code.FUTURE_REV)).isEqualTo("OUT_OF_RANGE");
    assertThat(KvErrors.grpcCode(KvException.Code.DUPLICATE_KEY)).isEqualTo("INVALID_ARGUMENT");
    assertThat(KvErrors.grpcCode(KvException.Code.KEY_NOT_FOUND)).isEqualTo("INVALID_ARGUMENT");
    assertThatThrownBy(() -> KvResult.error(new KvException(KvException.Code.TOO_MANY_OPS)).orThrow())
        .isInstanceOf(KvException.class)
        .hasMessage("etcdserver: too many operations in txn request");
  }
}
