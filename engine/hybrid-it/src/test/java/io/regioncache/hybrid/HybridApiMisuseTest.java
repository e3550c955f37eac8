package io.regioncache.hybrid;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * Lifecycle misuse of the hybrid handles over the native stores (RocksDB, LMDB), where a read after release is a
 * native use-after-free, not a Java exception: an owning engine closed while readers, a cache-served scan, a
 * store-served scan and a store-served view are still open. Each answers with its documented type (the store path
 * {@code StoreException}, the cache path keeps reading the memory its pin holds, commands {@code CLOSED},
 * {@code gc} {@code IllegalStateException}), nothing crashes the JVM, every handle still closes, and the store
 * reopened holds every write. The same misuse over the in-memory store, and every other misuse of these handles,
 * is in the core's {@code ApiMisuseTest}.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class HybridApiMisuseTest
{
    private static final byte[] OPEN = new byte[0];

    @Parameter
    Stores stores;

    @TempDir
    Path dir;

    private static String k(final int i)
    {
        return String.format("k%02d", i);
    }

    private static void closedAtCall(final String what, final CompletableFuture<CommandResult> f) throws Exception
    {
        assertTrue(f.isDone(), what + ": answered at the call");
        assertEquals(ResultCode.CLOSED, f.get().code(), () -> what + ": " + f.join());
    }

    private static void storeException(final String what, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call, what);
        assertEquals(StoreException.class, t.getClass(), () -> what + ": " + t);
    }

    @Test
    void anOwningEngineClosedUnderOpenHandlesAnswersTypedAndNeverReadsReleasedMemory() throws Exception
    {
        final Path db = dir.resolve("db");
        final HybridTestSupport h = new HybridTestSupport(stores, db, RegionCacheConfig.builder()
            .segmentSize(64 * 1024).capacityBytes(64L << 20).closeTimeoutMillis(50));
        final WriteBatch wb = new WriteBatch(1, 1, 1);
        for (int i = 0; i < 10; i++)
        {
            wb.put(b(k(i)), b("v" + i));
        }
        assertEquals(ResultCode.NOT_CACHED, h.run(h.engine.write(wb)).code());
        h.ok(h.engine.loadRegion(new Region(1, OPEN, OPEN, 1)));
        h.cycle();
        h.runLoads();
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));

        final HybridEngine engine = h.engine;
        final HybridReader cacheReader = engine.newReader();
        final HybridReader storeReader = engine.newReader();
        final HybridReader viewReader = engine.newReader();
        final HybridScan cacheScan = cacheReader.scan(1, 1, 1, OPEN, OPEN);
        assertTrue(cacheScan.servedByCache());
        assertTrue(cacheScan.next());
        final HybridScan storeScan = storeReader.scan(1, 9, 1, OPEN, OPEN); // epoch 9: the store serves
        assertFalse(storeScan.servedByCache());
        assertTrue(storeScan.next());
        assertArrayEquals(b(k(0)), storeScan.keyBytes());
        final HybridView storeView = viewReader.view(new Region(1, OPEN, OPEN, 9), 1);
        assertFalse(storeView.servedByCache());
        final NavigableMap<byte[], byte[]> map = storeView.asNavigableMap();
        assertArrayEquals(b(k(0)), map.firstKey());

        engine.close(); // the cache (its pinned region left to the GC after 50 ms), then the store
        engine.close();

        // The cache-served scan holds its pin: it reads on, from memory close could not free under it.
        assertTrue(cacheScan.next());
        assertArrayEquals(b(k(1)), cacheScan.keyBytes());
        assertArrayEquals(b("v1"), cacheScan.valueBytes());
        // The store-served handles: the store released its native iterators, so they fail typed.
        storeException("store scan next() after close", storeScan::next);
        assertThrows(IllegalStateException.class, storeScan::keyBytes, "not positioned after a failed move");
        storeException("store view after close", () -> map.get(b(k(3))));
        // New reads: the cache answers CLOSED, the closed store refuses.
        storeException("get after close", () -> cacheReader.get(1, 1, 1, b(k(2))));
        assertEquals(SnapshotStatus.CLOSED, cacheReader.lastStatus());
        final UnsafeBuffer key = new UnsafeBuffer(b(k(2)));
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
        storeException("multiGet after close", () -> storeReader.multiGet(1, 1, 1, key, new int[] {0},
            new int[] {3}, 1, dst, 0, new int[1], new int[1]));
        storeException("scan after close", () -> storeReader.scan(1, 1, 1, OPEN, OPEN));
        try (HybridReader late = engine.newReader(); // made after close: the store serves, lazily
            HybridView lateView = late.view(new Region(1, OPEN, OPEN, 1), 1))
        {
            assertFalse(lateView.servedByCache());
            storeException("a view made after close, read", () -> lateView.asNavigableMap().firstKey());
        }
        // Commands: CLOSED at the call, before the store (a closed store would have answered STORE_ERROR).
        closedAtCall("write", engine.write(new WriteBatch(1, 1, 2).put(b(k(0)), b("late"))));
        closedAtCall("deleteRange", engine.deleteRange(OPEN, OPEN, 2));
        closedAtCall("loadRegion", engine.loadRegion(new Region(2, b("x"), b("y"), 1)));
        assertThrows(IllegalStateException.class, () -> engine.gc(1));
        assertNull(engine.cache().stateOf(1));

        // Every handle still closes (twice), in any order.
        storeView.close();
        storeView.close();
        storeScan.close();
        cacheScan.close();
        cacheScan.close();
        cacheReader.close();
        storeReader.close();
        viewReader.close();
        assertThrows(IllegalStateException.class, () -> cacheReader.get(1, 1, 1, b(k(2))), "a closed reader");

        try (WritableStore reopened = stores.open(db))
        {
            for (int i = 0; i < 10; i++)
            {
                final ExpandableArrayBuffer v = new ExpandableArrayBuffer(8);
                final byte[] kb = b(k(i));
                final int n = reopened.get(new UnsafeBuffer(kb), 0, kb.length, 5, v, 0);
                assertArrayEquals(b("v" + i), Arrays.copyOf(v.byteArray(), n), "every write kept, none after close");
            }
        }
    }
}
