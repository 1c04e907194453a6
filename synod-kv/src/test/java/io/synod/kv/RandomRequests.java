package io.synod.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random requests over a small key space (single letters plus awkward multi-byte keys such as
 * "a\0", "\0" and 0xff...), so that writes collide, ranges overlap and edge cases of key order come
 * up often. {@code revision} is the store's current revision, to aim reads and compares near it.
 */
final class RandomRequests {
  private static final byte[][] KEYS = {
      b("a"), b("b"), b("c"), b("d"), b("e"), b("f"), b("g"), b("h"),
      {'a', 0}, {'a', 0, 0}, {0}, {(byte) 0xff}, {(byte) 0xff, (byte) 0xff}, b("ab"), {'b', (byte) 0xff},
  };
  private static final byte[][] VALUES = {b(""), b("0"), b("1"), b("2"), b("xyz"), {(byte) 0x80}, {0}};

  private final SplittableRandom random;
  /** Probability of an empty key, to exercise EMPTY_KEY. */
  private final double emptyKeyChance;

  RandomRequests(SplittableRandom random, double emptyKeyChance) {
    this.random = random;
    this.emptyKeyChance = emptyKeyChance;
  }

  private static byte[] b(String s) {
    return Bytes.utf8(s);
  }

  byte[] key() {
    if (random.nextDouble() < emptyKeyChance) {
      return Bytes.EMPTY;
    }
    return KEYS[random.nextInt(KEYS.length)];
  }

  byte[] value() {
    return VALUES[random.nextInt(VALUES.length)];
  }

  /** A range end for {@code key}: none, the prefix end, "\0", or another key (possibly before it). */
  byte[] rangeEnd(byte[] key) {
    return switch (random.nextInt(5)) {
      case 0, 1 -> Bytes.EMPTY;
      case 2 -> key.length == 0 ? Bytes.EMPTY : Bytes.prefixEnd(key);
      case 3 -> new byte[] {0};
      default -> KEYS[random.nextInt(KEYS.length)];
    };
  }

  /** Mostly "current", else near the head (history that tends to be retained), else anywhere. */
  long revisionNear(long revision) {
    return switch (random.nextInt(4)) {
      case 0, 1 -> 0;
      case 2 -> revision + 1 - random.nextInt(0, 12);
      default -> random.nextLong(-2, revision + 3);
    };
  }

  KvRequest request(long revision) {
    int pick = random.nextInt(100);
    if (pick < 35) {
      return put();
    }
    if (pick < 45) {
      return delete();
    }
    if (pick < 70) {
      return range(revision, true);
    }
    if (pick < 97) {
      return txn(revision, 0);
    }
    // Usually a little behind the head, so some history stays readable; sometimes anywhere.
    long target = random.nextBoolean() ? revision - random.nextInt(0, 15) : random.nextLong(-1, revision + 2);
    return CompactionRequest.of(target);
  }

  PutRequest put() {
    byte[] value = value();
    long lease = random.nextInt(4) == 0 ? random.nextInt(1, 4) : 0;
    boolean ignoreValue = random.nextInt(8) == 0;
    boolean ignoreLease = random.nextInt(8) == 0;
    // Mostly well-formed ignore requests; sometimes not, to get VALUE_PROVIDED / LEASE_PROVIDED.
    if (ignoreValue && random.nextInt(4) != 0) {
      value = Bytes.EMPTY;
    }
    if (ignoreLease && random.nextInt(4) != 0) {
      lease = 0;
    }
    return new PutRequest(key(), value, lease, random.nextBoolean(), ignoreValue, ignoreLease);
  }

  DeleteRangeRequest delete() {
    byte[] key = key();
    return new DeleteRangeRequest(key, rangeEnd(key), random.nextBoolean());
  }

  RangeRequest range(long revision, boolean extras) {
    byte[] key = random.nextInt(6) == 0 ? new byte[] {0} : key();
    byte[] end = random.nextInt(6) == 0 ? new byte[] {0} : rangeEnd(key);
    RangeRequest r = RangeRequest.range(key, end).atRevision(revisionNear(revision));
    if (random.nextInt(3) == 0) {
      r = r.withLimit(random.nextInt(0, 4));
    }
    if (random.nextInt(3) == 0) {
      RangeRequest.SortOrder[] orders = RangeRequest.SortOrder.values();
      RangeRequest.SortTarget[] targets = RangeRequest.SortTarget.values();
      r = r.sorted(orders[random.nextInt(orders.length)], targets[random.nextInt(targets.length)]);
    }
    if (extras) {
      if (random.nextInt(8) == 0) {
        r = r.withKeysOnly(true);
      }
      if (random.nextInt(10) == 0) {
        r = r.withCountOnly(true);
      }
      if (random.nextInt(6) == 0) {
        r = r.withModRevisions(random.nextLong(0, revision + 1), random.nextInt(2) == 0 ? 0 : random.nextLong(0, revision + 2));
      }
      if (random.nextInt(6) == 0) {
        r = r.withCreateRevisions(random.nextLong(0, revision + 1), random.nextInt(2) == 0 ? 0 : random.nextLong(0, revision + 2));
      }
    }
    return r;
  }

  Compare compare(long revision) {
    Compare.Result result = Compare.Result.values()[random.nextInt(4)];
    Compare.Target target = Compare.Target.values()[random.nextInt(5)];
    byte[] key = key();
    byte[] end = random.nextInt(4) == 0 ? rangeEnd(key) : Bytes.EMPTY;
    long number = switch (target) {
      case VERSION -> random.nextInt(0, 4);
      case LEASE -> random.nextInt(0, 4);
      default -> random.nextLong(0, revision + 2);
    };
    return new Compare(result, target, key, end, number, value());
  }

  TxnRequest txn(long revision, int depth) {
    List<Compare> compares = new ArrayList<>();
    int n = random.nextInt(0, 4);
    for (int i = 0; i < n; i++) {
      compares.add(compare(revision));
    }
    return new TxnRequest(compares, ops(revision, depth), ops(revision, depth));
  }

  private List<RequestOp> ops(long revision, int depth) {
    List<RequestOp> ops = new ArrayList<>();
    int n = random.nextInt(0, 4);
    for (int i = 0; i < n; i++) {
      int pick = random.nextInt(100);
      if (pick < 40) {
        ops.add(put());
      } else if (pick < 55) {
        ops.add(delete());
      } else if (pick < 85 || depth >= 2) {
        ops.add(range(revision, random.nextInt(3) == 0));
      } else {
        ops.add(txn(revision, depth + 1));
      }
    }
    return ops;
  }
}
