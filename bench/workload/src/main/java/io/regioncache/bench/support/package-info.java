/**
 * Data sets, access patterns and RegionCache helpers shared by the benchmarks.
 */
package io.regioncache.bench.support;
