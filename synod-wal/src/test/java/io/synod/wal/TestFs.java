package io.synod.wal;

import io.synod.wal.fs.FileSystem;
import io.synod.wal.fs.NioFileSystem;
import io.synod.wal.fs.SimFileSystem;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The two file systems the round-trip tests run on. */
enum TestFs {
  NIO,
  SIM;

  FileSystem create(Path tempDir) {
    return this == NIO ? NioFileSystem.INSTANCE : new SimFileSystem(new SplittableRandom(7));
  }

  Path dir(Path tempDir) {
    return this == NIO ? tempDir.resolve("wal") : Path.of("/sim/wal");
  }
}
