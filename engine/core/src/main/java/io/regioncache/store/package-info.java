/**
 * Backing-store implementations that need nothing beyond the core: {@link io.regioncache.store.InMemoryBackingStore}
 * for tests and examples. RocksDB and LMDB stores live in their own modules ({@code regioncache-rocksdb},
 * {@code regioncache-lmdb}).
 */
package io.regioncache.store;
