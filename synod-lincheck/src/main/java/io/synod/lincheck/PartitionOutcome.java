package io.synod.lincheck;

/**
 * What the search of one partition found.
 *
 * @param verdict the partition's verdict
 * @param longestPrefix when not linearizable, the longest linearizable prefix found, as indexes
 *     into the partition's operations in linearization order; empty otherwise
 * @param linearizedCompleted how many completed operations the deepest configuration linearized
 * @param states the search states used (memo entries plus unknown-outcome run states)
 */
record PartitionOutcome(
    Verdict verdict, int[] longestPrefix, int linearizedCompleted, long states) {}
