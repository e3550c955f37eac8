/**
 * Backing-store implementations that need nothing beyond the core: {@link io.regioncache.store.InMemoryBackingStore}
 * for tests and examples, and helpers for any store: {@link io.regioncache.store.MvccKeyCodec} (the MVCC stores' key
 * format), {@link io.regioncache.store.SplitKeys} (a load's split key from the store's size estimate) and
 * {@link io.regioncache.store.KeyedHash} (a keyed hash for hash maps over client keys). RocksDB and
 * LMDB stores live in their own modules ({@code regioncache-rocksdb}, {@code regioncache-lmdb}).
 */
package io.regioncache.store;
