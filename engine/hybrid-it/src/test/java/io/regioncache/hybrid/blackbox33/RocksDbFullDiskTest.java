package io.regioncache.hybrid.blackbox33;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit 33, RocksDB on a full disk (a 4 MiB tmpfs; skipped where {@code mount} is not allowed): the store's own WAL
 * fills the disk. Proves that the refused write and every write after it answer {@code STORE_ERROR} with RocksDB's
 * "No space left on device", none of them visible in the cache or the store; reads, loads and the cache's compaction
 * keep working; {@code gc} and {@code deleteRange} fail typed ({@code StoreException}, {@code STORE_ERROR}) with
 * nothing lost; and pins what the README does not say: RocksDB stays read-only after space is freed (every write
 * {@code STORE_ERROR} until the engine is reopened), {@code close()} then throws {@code StoreException} ("closing
 * RocksDB failed: Seen error. Skip writing buffer.") after releasing everything, a reopen on the still-full disk
 * fails ({@code StoreException}: recovery writes an SST), and a reopen with room holds every acknowledged write.
 */
class RocksDbFullDiskTest
{
    @TempDir
    Path tmp;

    @Test
    void writesReadsLoadsGcAndDeleteRangeOnAFullDiskThenReopen()
    {
        try (Bb33.Tmpfs fs = Bb33.Tmpfs.mount(tmp, "4m"))
        {
            FullDiskScenarios.writeReadLoadFreeReopen(Bb33.Kind.ROCKSDB, fs.dir);
        }
    }

    @Test
    void closeOnAFullDiskThenReopenFullAndWithRoom()
    {
        try (Bb33.Tmpfs fs = Bb33.Tmpfs.mount(tmp, "4m"))
        {
            FullDiskScenarios.closeWhileFull(Bb33.Kind.ROCKSDB, fs.dir);
        }
    }
}
