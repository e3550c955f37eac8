package io.regioncache.rocksdb.blackbox13b;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import io.regioncache.BackingSnapshot;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** Audit 13b: README "The hybrid engine (RocksDB, the embedded default)", RocksDB-specific promises. */
class RocksHybridAuditTest
{
    private static byte[] bytes(final int... v)
    {
        final byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++)
        {
            out[i] = (byte)v[i];
        }
        return out;
    }

    private static byte[] fill(final int n, final int b)
    {
        final byte[] out = new byte[n];
        Arrays.fill(out, (byte)b);
        return out;
    }

    private static RegionCacheConfig.Builder config()
    {
        return RegionCacheConfig.builder().capacityBytes(64L << 20).segmentSize(1 << 16)
            .threading(RegionCacheConfig.Threading.INVOKER).loaderExecutor(Runnable::run).gcExecutor(Runnable::run)
            .pipelinedLoads(false).closeTimeoutMillis(2_000);
    }

    private static void ok(final HybridEngine e, final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = e.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    /**
     * Whole-key-space region with keys at memcomparable group boundaries (7, 8, 9 bytes; 0x00 and 0xFF runs): the
     * store path (TiKV's encoding in RocksDB) and the cache path answer the same scans and gets, and CrossCheck agrees.
     */
    @Test
    void keysAtEncodingBoundariesAnswerAlikeOnBothPaths(@TempDir final Path dir)
    {
        final List<byte[]> keys = List.of(bytes(0), bytes(0, 0), fill(7, 0), fill(8, 0), fill(9, 0), bytes(0, 0xff),
            fill(7, 1), fill(8, 1), bytes(1, 1, 1, 1, 1, 1, 1, 1, 0), fill(8, 0xf7), fill(8, 0xf8), bytes(0xff),
            fill(7, 0xff), fill(8, 0xff), fill(9, 0xff), fill(17, 0xff));
        try (HybridEngine e = HybridEngine.owning(RocksDbBackingStore.open(dir), config()))
        {
            ok(e, e.createRegion(new Region(1, new byte[0], new byte[0], 5)));
            final WriteBatch w = new WriteBatch(1, 5, 10);
            for (int i = 0; i < keys.size(); i++)
            {
                w.put(keys.get(i), bytes(i));
            }
            ok(e, e.write(w));
            ok(e, e.write(new WriteBatch(1, 5, 11).delete(fill(8, 0)).delete(fill(8, 0xff))));
            final List<byte[]> sorted = new ArrayList<>(keys);
            sorted.sort(Arrays::compareUnsigned);
            try (HybridReader rd = e.newReader())
            {
                for (final long rv : new long[] {10, 11})
                {
                    final List<String> cache = scan(rd, 5, rv, new byte[0], new byte[0]);
                    assertEquals(SnapshotStatus.OK, rd.lastStatus());
                    final List<String> store = scan(rd, 6, rv, new byte[0], new byte[0]);
                    assertEquals(SnapshotStatus.EPOCH_MISMATCH, rd.lastStatus());
                    assertEquals(cache, store, "rv " + rv);
                    assertEquals(rv == 10 ? keys.size() : keys.size() - 2, cache.size());
                    // bounded scans starting at each key
                    for (final byte[] lo : sorted)
                    {
                        assertEquals(scan(rd, 5, rv, lo, new byte[0]), scan(rd, 6, rv, lo, new byte[0]), Arrays.toString(lo));
                        assertEquals(scan(rd, 5, rv, new byte[0], lo), scan(rd, 6, rv, new byte[0], lo), Arrays.toString(lo));
                    }
                }
                for (final byte[] k : keys)
                {
                    assertArrayEquals(rd.get(1, 5, 11, k), rd.get(1, 6, 11, k), Arrays.toString(k));
                    assertArrayEquals(rd.get(1, 5, 10, k), rd.get(1, 6, 10, k), Arrays.toString(k));
                }
            }
            assertTrue(CrossCheck.check(e, 1).ok(), CrossCheck.check(e, 1)::toString);
        }
    }

    private static List<String> scan(final HybridReader rd, final long epoch, final long rv, final byte[] lo, final byte[] hi)
    {
        final List<String> out = new ArrayList<>();
        try (HybridScan sc = rd.scan(1, epoch, rv, lo, hi))
        {
            while (sc.next())
            {
                out.add(Arrays.toString(sc.keyBytes()) + "=" + Arrays.toString(sc.valueBytes()));
            }
        }
        return out;
    }

    /** README 1226-1229: splitKey is null for fewer than two keys (many versions of one key are one key), and after
     * the snapshot's or the store's close; with two keys each half holds one. */
    @Test
    void splitKeyRules(@TempDir final Path dir)
    {
        final RocksDbBackingStore store = RocksDbBackingStore.open(dir);
        try
        {
            try (BackingSnapshot s = store.openSnapshot())
            {
                assertNull(s.splitKey(new byte[0], new byte[0]), "empty");
            }
            for (int v = 1; v <= 50; v++)
            {
                store.applyBatch(new WriteBatch(1, 1, v).put(bytes(0x10), new byte[100]));
            }
            try (BackingSnapshot s = store.openSnapshot())
            {
                assertNull(s.splitKey(new byte[0], new byte[0]), "one key with 50 versions is one key");
            }
            store.applyBatch(new WriteBatch(1, 1, 60).put(fill(9, 0xff), new byte[100]));
            final BackingSnapshot s = store.openSnapshot();
            final byte[] k = s.splitKey(new byte[0], new byte[0]);
            assertNotNull(k);
            assertTrue(Arrays.compareUnsigned(k, bytes(0x10)) > 0 && Arrays.compareUnsigned(k, fill(9, 0xff)) <= 0,
                Arrays.toString(k));
            assertNull(s.splitKey(bytes(0x11), new byte[0]), "one key in the range");
            s.close();
            assertNull(s.splitKey(new byte[0], new byte[0]), "after the snapshot's close");
            assertEquals(-1, s.approximateSize(new byte[0], new byte[0]));
            final BackingSnapshot s2 = store.openSnapshot();
            store.close();
            assertNull(s2.splitKey(new byte[0], new byte[0]), "after the store's close");
            s2.close();
        }
        finally
        {
            store.close();
        }
    }

    /** README 1106-1112: gcBelow(negative) drops nothing; the store reports the highest safe point swept, also after a
     * lower round and a reopen; a wrapped RocksDB starts at -1 even over a swept directory. */
    @Test
    void safePointFileRules(@TempDir final Path dir) throws Exception
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            store.applyBatch(new WriteBatch(1, 1, 5).put(bytes(1), bytes(5)));
            store.applyBatch(new WriteBatch(1, 1, 10).put(bytes(1), bytes(10)));
            assertEquals(0, store.gcBelow(-1));
            assertEquals(-1, store.gcSafePoint());
        }
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            assertEquals(-1, store.gcSafePoint(), "a negative round recorded nothing");
            store.gcBelow(10);
            assertEquals(10, store.gcSafePoint());
            store.gcBelow(7);
            assertEquals(10, store.gcSafePoint(), "the highest safe point swept");
        }
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            assertEquals(10, store.gcSafePoint());
        }
        try (HybridEngine e = HybridEngine.owning(RocksDbBackingStore.open(dir), config()))
        {
            ok(e, e.loadRegion(new Region(1, new byte[0], new byte[0], 5)));
            for (int i = 0; i < 1000 && e.cache().stateOf(1) != RegionState.ACTIVE; i++)
            {
                e.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            try (HybridReader rd = e.newReader())
            {
                assertThrows(StoreException.class, () -> rd.get(1, 5, 9, bytes(1)));
                assertEquals(SnapshotStatus.TOO_OLD_READ, rd.lastStatus());
                assertArrayEquals(bytes(10), rd.get(1, 5, 10, bytes(1)));
                assertArrayEquals(bytes(10), rd.get(1, 5, 11, bytes(1)));
                assertEquals(SnapshotStatus.OK, rd.lastStatus());
            }
        }
        RocksDB.loadLibrary();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString());
             RocksDbBackingStore wrapped = RocksDbBackingStore.wrap(db))
        {
            assertEquals(-1, wrapped.gcSafePoint(), "a wrapped RocksDB has no directory of its own");
        }
    }

    /** README 1102-1103: RocksDB's info log: LOG and the newest few LOG.old.*, not one more per open. */
    @Test
    void infoLogsDoNotGrowPerOpen(@TempDir final Path dir) throws Exception
    {
        for (int i = 0; i < 12; i++)
        {
            try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
            {
                store.applyBatch(new WriteBatch(1, 1, i).put(bytes(i + 1), bytes(i)));
            }
        }
        try (Stream<Path> files = Files.list(dir))
        {
            final long old = files.filter(p -> p.getFileName().toString().startsWith("LOG.old")).count();
            assertTrue(old <= 5, "LOG.old files: " + old);
        }
        assertTrue(Files.exists(dir.resolve("LOG")));
    }
}
