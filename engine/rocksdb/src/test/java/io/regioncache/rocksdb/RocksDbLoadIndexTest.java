package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.FlushOptions;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RocksDB's size estimate ({@link RocksDbSnapshot#approximateSize}) and what a load does with it: a region larger
 * than the inline part of a load sizes its hash index at the hand-over to the scan thread and fills it while the copy
 * waits on the scan; every read then goes through that index.
 */
class RocksDbLoadIndexTest
{
    private static final int KEYS = 150_000;

    @TempDir
    Path dir;

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(12).putInt(0x6b657900).putLong(i).array();
    }

    private static byte[] value(final int i, final int v)
    {
        return ByteBuffer.allocate(24).putLong(i).putLong(v).putLong(~i).array();
    }

    @Test
    void approximateSizeIsProportionalToTheRange() throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            for (int i = 0; i < KEYS; i++)
            {
                store.put(key(i), 1, value(i, 1));
            }
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true))
            {
                store.db().flush(flush);
            }
            try (RocksDbSnapshot snapshot = store.openSnapshot())
            {
                final long whole = snapshot.approximateSize(new byte[0], new byte[0]);
                final long firstHalf = snapshot.approximateSize(new byte[0], key(KEYS / 2));
                final long quarter = snapshot.approximateSize(key(KEYS / 4), key(KEYS / 2));
                assertTrue(whole > 0, "whole " + whole);
                assertTrue(firstHalf > whole * 0.35 && firstHalf < whole * 0.65, firstHalf + " of " + whole);
                assertTrue(quarter > whole * 0.15 && quarter < whole * 0.35, quarter + " of " + whole);
            }
            final RocksDbSnapshot late = store.openSnapshot();
            store.close(); // releases the snapshot too
            assertEquals(-1, late.approximateSize(new byte[0], new byte[0]), "a closed store estimates nothing");
        }
    }

    /**
     * The split key a load asks for to scan its two halves at once: strictly inside the range, and halving it by
     * RocksDB's own estimate, for sequential ids (one bisection step per bit of their spread) and for hashed keys.
     */
    @Test
    void splitKeyHalvesTheRangeByTheStoresEstimate() throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            final java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            for (int i = 0; i < KEYS; i++)
            {
                store.put(key(i), 1, value(i, 1));
                final byte[] hashed = new byte[16];
                random.nextBytes(hashed);
                hashed[0] = (byte)0xF0; // a second population of keys, after every sequential one
                store.put(hashed, 1, value(i, 1));
            }
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true))
            {
                store.db().flush(flush);
            }
            try (RocksDbSnapshot snapshot = store.openSnapshot())
            {
                // Sequential ids: from the 1,000th id to the 120,000th.
                final byte[] from = key(1_000);
                final byte[] to = key(120_000);
                final byte[] split = snapshot.splitKey(from, to);
                assertTrue(java.util.Arrays.compareUnsigned(split, from) > 0, "after the start");
                assertTrue(java.util.Arrays.compareUnsigned(split, to) < 0, "before the end");
                final long whole = snapshot.approximateSize(from, to);
                final long left = snapshot.approximateSize(from, split);
                assertTrue(left > whole * 0.4 && left < whole * 0.6, left + " of " + whole);
                final long at = ByteBuffer.wrap(java.util.Arrays.copyOf(split, 12)).getLong(4);
                assertTrue(at > 50_000 && at < 71_000, "the split falls near id 60,500: " + at);

                // Hashed keys, the range unbounded above.
                final byte[] hashedFrom = {(byte)0xF0};
                final byte[] hashedSplit = snapshot.splitKey(hashedFrom, new byte[0]);
                final long hashedWhole = snapshot.approximateSize(hashedFrom, new byte[0]);
                final long hashedLeft = snapshot.approximateSize(hashedFrom, hashedSplit);
                assertTrue(hashedLeft > hashedWhole * 0.4 && hashedLeft < hashedWhole * 0.6,
                    hashedLeft + " of " + hashedWhole);

                assertNull(snapshot.splitKey(key(5), key(6)), "one key: nothing to split");
                assertNull(snapshot.splitKey(new byte[] {(byte)0xF1}, new byte[0]), "no key: nothing to split");
            }
            final RocksDbSnapshot late = store.openSnapshot();
            store.close();
            assertNull(late.splitKey(key(1), new byte[0]), "a closed store offers no split");
        }
    }

    @ParameterizedTest(name = "loadScanThreads {0}")
    @ValueSource(ints = {1, 2})
    void aLargeLoadFillsItsIndexDuringTheCopy(final int scanThreads)
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            for (int i = 0; i < KEYS; i++)
            {
                store.put(key(i), 10, value(i, 1));
                if (i % 5 == 0)
                {
                    store.put(key(i), 20, value(i, 2));
                }
                if (i % 11 == 0)
                {
                    store.delete(key(i), 30);
                }
            }
            // In SST files, where RocksDB's size estimates are block-accurate (those of its write buffers are coarse,
            // and a load that finds them wrong builds its index after the copy, as without an estimate).
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true))
            {
                store.db().flush(flush);
            }
            catch (final org.rocksdb.RocksDBException ex)
            {
                throw new AssertionError(ex);
            }
            try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
                .threading(RegionCacheConfig.Threading.INVOKER)
                .backingStore(store)
                .loaderExecutor(Runnable::run)
                .pipelinedLoads(true)
                .loadScanThreads(scanThreads) // 2: the rest scanned in two halves at once, split by RocksDB's estimate
                .build()))
            {
                final CompletableFuture<CommandResult> load = cache.loadRegion(new Region(1, new byte[0], new byte[0], 1));
                while (!load.isDone())
                {
                    cache.applyCycle();
                }
                assertEquals(ResultCode.OK, load.join().code());
                for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
                {
                    cache.applyCycle();
                }
                assertEquals(RegionState.ACTIVE, cache.stateOf(1));
                assertEquals(1L, cache.metrics().get("loads.index_filled_during_copy"), "the index was sized from the estimate");
                final Snapshot s = cache.newSnapshot();
                for (final long at : new long[] {15, 25, 35})
                {
                    assertEquals(SnapshotStatus.OK, s.open(1, 1, at));
                    for (int i = 0; i < KEYS; i++)
                    {
                        final byte[] got = s.get(key(i));
                        if (at > 30 && i % 11 == 0)
                        {
                            assertNull(got, "key " + i + " deleted at 30");
                        }
                        else
                        {
                            assertArrayEquals(value(i, at > 20 && i % 5 == 0 ? 2 : 1), got, "key " + i + " at " + at);
                        }
                    }
                    s.close();
                }
                s.dispose();
            }
        }
    }
}
