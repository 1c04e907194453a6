/**
 * A Wing–Gong linearizability checker with Lowe's memoization and per-key partitioning.
 *
 * <p>Record a concurrent run in a {@link io.synod.lincheck.History}, describe the sequential
 * behaviour with a {@link io.synod.lincheck.Model} (for example {@link io.synod.lincheck.KvModel}),
 * and ask {@link io.synod.lincheck.LinearizabilityChecker} whether some sequential order of the
 * operations, consistent with real time, explains every observed output.
 */
package io.synod.lincheck;
