/**
 * The hybrid engine: a RocksDB store with a {@link io.regioncache.RegionCache} beside it
 * ({@link io.regioncache.hybrid.HybridEngine}), reads served by whichever holds the region
 * ({@link io.regioncache.hybrid.HybridReader}), and a checker that compares the two
 * ({@link io.regioncache.hybrid.CrossCheck}). Needs the optional {@code rocksdbjni} dependency.
 */
package io.regioncache.hybrid;
