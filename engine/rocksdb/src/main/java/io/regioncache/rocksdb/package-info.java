/**
 * A RocksDB {@link io.regioncache.BackingStore}: MVCC entries keyed by memcomparable user key and inverted
 * version, as in TiKV's write column family. Needs the optional {@code org.rocksdb:rocksdbjni} dependency; the
 * engine core never loads these classes unless the host uses them.
 */
package io.regioncache.rocksdb;
