/**
 * Backing-store implementations that need nothing beyond the core: {@link io.regioncache.store.InMemoryBackingStore}
 * for tests and examples, and helpers for any store: {@link io.regioncache.store.MvccKeyCodec} (the MVCC stores' key
 * format) and {@link io.regioncache.store.SplitKeys} (a load's split key from the store's size estimate). RocksDB and
 * LMDB stores live in their own modules ({@code regioncache-rocksdb}, {@code regioncache-lmdb}).
 */
package io.regioncache.store;
