/**
 * The hybrid engine: a durable {@link io.regioncache.WritableStore} (RocksDB, LMDB, ...) with a
 * {@link io.regioncache.RegionCache} beside it, written in step ({@link io.regioncache.hybrid.HybridEngine}), read
 * through one reader that serves each read from the cache when it can and from the store otherwise
 * ({@link io.regioncache.hybrid.HybridReader}), and cross-checked against each other
 * ({@link io.regioncache.hybrid.CrossCheck}). Depends on the core only: the store adapter brings its own library.
 */
package io.regioncache.hybrid;
