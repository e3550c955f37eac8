/**
 * The {@code regioncache} command-line tool: {@code drive} (a workload driver that embeds a
 * {@link io.regioncache.hybrid.HybridEngine} on RocksDB, simulates a replicated store with regions, splits, MVCC
 * versions, GC and the hot-region policy, and reports latency, hit ratio, region life cycle and a cross-check) and
 * {@code regions} (prints the region catalog another process publishes).
 */
package io.regioncache.bench.drive;
