/**
 * An LMDB (lmdbjava) MVCC store for {@link io.regioncache.hybrid.HybridEngine}: the second
 * {@link io.regioncache.WritableStore}, in the same stored-key format as the RocksDB one.
 */
package io.regioncache.lmdb;
