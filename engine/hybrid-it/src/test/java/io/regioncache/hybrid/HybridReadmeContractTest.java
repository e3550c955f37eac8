package io.regioncache.hybrid;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.RocksIterator;

import io.regioncache.BackingSnapshot;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.rocksdb.RocksDbBackingStore;

import static io.regioncache.hybrid.HybridTestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The promises of README.md's "The hybrid engine (RocksDB, the embedded default)" section (and what the README says
 * elsewhere about {@code HybridEngine}, {@code HybridReader}, {@code HybridScan} and {@code CrossCheck}), checked
 * through the public API only, once per store (RocksDB, LMDB; the stored-format test is RocksDB's own).
 * <p>
 * What {@link HybridEngineTest}, {@link LoadScenariosTest} and {@link HybridMultiGetTest} already check (random
 * operations against a model, split/evict during loads, multiGet against get) is not repeated here; this class
 * checks the README's individual sentences with exact result codes, values, counters and divergences.
 */
@ParameterizedClass
@EnumSource(Stores.class)
class HybridReadmeContractTest
{
    private static final long TIMEOUT_SECONDS = 30; // a bound for a hang on a loaded 2-core machine
    private static final byte[] OPEN = new byte[0];

    /** The durable store under the hybrid engine in this run. */
    @Parameter
    Stores stores;

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    private static String k(final int i)
    {
        return String.format("k%02d", i);
    }

    private static CommandResult done(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static void expect(final ResultCode code, final CompletableFuture<CommandResult> f) throws Exception
    {
        final CommandResult r = done(f);
        assertEquals(code, r.code(), r::toString);
    }

    /** The README's engine: a dedicated apply thread and loader (the defaults), over the store of this run. */
    private HybridEngine openEngine(final Path db)
    {
        return HybridEngine.owning(stores.open(db),
            RegionCacheConfig.builder().segmentSize(64 * 1024).capacityBytes(64L << 20));
    }

    /** Poll a documented API (stateOf) until the region is in the state, bounded by a generous deadline. */
    private static void awaitState(final HybridEngine engine, final long regionId, final RegionState state)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (engine.cache().stateOf(regionId) != state && System.nanoTime() < deadline)
        {
            LockSupport.parkNanos(1_000_000);
        }
        assertEquals(state, engine.cache().stateOf(regionId), "region " + regionId);
    }

    /** Read the store directly (not through the cache) at a version. */
    private static byte[] storeGet(final WritableStore store, final String key, final long version)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
        final byte[] kb = b(key);
        int n = store.get(new UnsafeBuffer(kb), 0, kb.length, version, dst, 0);
        if (n < BackingSnapshot.NOT_FOUND)
        {
            dst.checkLimit(-2 - n);
            n = store.get(new UnsafeBuffer(kb), 0, kb.length, version, dst, 0);
        }
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    private static String str(final byte[] bytes)
    {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** An INVOKER-mode harness with region 1 = everything, cached and ACTIVE at epoch 1 over k00..k09 @ version 1. */
    private HybridTestSupport cachedWholeKeySpace()
    {
        return cachedWholeKeySpace("db");
    }

    private HybridTestSupport cachedWholeKeySpace(final String db)
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve(db));
        final WriteBatch wb = new WriteBatch(1, 1, 1);
        for (int i = 0; i < 10; i++)
        {
            wb.put(b(k(i)), b("v1-" + i));
        }
        assertEquals(ResultCode.NOT_CACHED, h.run(h.engine.write(wb)).code());
        h.ok(h.engine.loadRegion(new Region(1, OPEN, OPEN, 1)));
        h.runLoads();
        assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
        return h;
    }

    // ------------------------------------------------------------------ the README's code block, call for call

    /**
     * The README's example on the default threading (apply thread and loader of their own): owning(store, config),
     * write, loadRegion until ACTIVE, split, commitMerge, deleteRange, gc, a reader's get / multiGet / scan,
     * CrossCheck.check / checkAll, close; then the store reopened holds every write.
     */
    @Test
    void readmeExampleCallForCall() throws Exception
    {
        final Path db = dir.resolve("kv");
        final HybridEngine engine = openEngine(db);
        final Region region = new Region(1, OPEN, OPEN, 1);
        // Nothing cached yet: the write reaches the store only.
        expect(ResultCode.NOT_CACHED, engine.write(new WriteBatch(1, 1, 1).put(b(k(1)), b("a1")).put(b(k(2)), b("b1"))
            .put(b(k(7)), b("g1"))));
        expect(ResultCode.OK, engine.loadRegion(region));                 // PENDING -> LOADING -> ACTIVE
        awaitState(engine, 1, RegionState.ACTIVE);
        expect(ResultCode.OK, engine.write(new WriteBatch(1, 1, 2).put(b(k(1)), b("a2")).delete(b(k(2)))));

        final HybridReader reader = engine.newReader();
        final UnsafeBuffer key = new UnsafeBuffer(b(k(1)));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        int n = reader.get(1, 1, 2, key, 0, key.capacity(), dst, 0);
        assertEquals(SnapshotStatus.OK, reader.lastStatus(), "an ACTIVE region at its epoch is served by the cache");
        assertEquals(2, n);
        assertEquals("a2", dst.getStringWithoutLengthAscii(0, n));
        n = reader.get(1, 1, 1, key, 0, key.capacity(), dst, 0);
        assertEquals("a1", dst.getStringWithoutLengthAscii(0, n), "older versions stay readable");
        final UnsafeBuffer deleted = new UnsafeBuffer(b(k(2)));
        assertEquals(-1, reader.get(1, 1, 2, deleted, 0, deleted.capacity(), dst, 0), "deleted");
        final UnsafeBuffer absent = new UnsafeBuffer(b(k(5)));
        assertEquals(-1, reader.get(1, 1, 2, absent, 0, absent.capacity(), dst, 0), "absent");

        final UnsafeBuffer keys = new UnsafeBuffer(b(k(1) + k(2) + k(7)));
        final int[] keyOffsets = {0, 3, 6};
        final int[] keyLengths = {3, 3, 3};
        final int[] valueOffsets = new int[3];
        final int[] valueLengths = new int[3];
        final int end = reader.multiGet(1, 1, 2, keys, keyOffsets, keyLengths, 3, dst, 0, valueOffsets,
            valueLengths);
        assertArrayEquals(new int[] {2, -1, 2}, valueLengths);
        assertEquals(4, end);
        assertEquals("a2", dst.getStringWithoutLengthAscii(valueOffsets[0], 2));
        assertEquals("g1", dst.getStringWithoutLengthAscii(valueOffsets[2], 2));

        final List<String> scanned = new ArrayList<>();
        try (HybridScan scan = reader.scan(1, 1, 2, b(k(0)), b(k(9))))
        {
            assertTrue(scan.servedByCache());
            while (scan.next())
            {
                scanned.add(str(scan.keyBytes()) + "=" + str(scan.valueBytes()));
            }
        }
        assertEquals(List.of("k01=a2", "k07=g1"), scanned);

        CrossCheck.Report r = CrossCheck.check(engine, 1);
        assertTrue(r.ok(), r::toString);
        assertEquals(2, r.readVersion());
        assertEquals(2, r.keysCompared());

        // split: the right piece keeps id 1, the left piece is 2, both at epoch 2 and still cached.
        expect(ResultCode.OK, engine.split(1, 1, new byte[][] {b(k(5))}, new long[] {2}, 2));
        awaitState(engine, 2, RegionState.ACTIVE);
        awaitState(engine, 1, RegionState.ACTIVE);
        assertArrayEquals(b("a2"), reader.get(2, 2, 2, b(k(1))));
        assertEquals(SnapshotStatus.OK, reader.lastStatus());
        assertArrayEquals(b("g1"), reader.get(1, 2, 2, b(k(7))));
        assertEquals(SnapshotStatus.OK, reader.lastStatus());
        final List<CrossCheck.Report> all = CrossCheck.checkAll(engine);
        assertEquals(2, all.size(), all::toString);
        for (final CrossCheck.Report each : all)
        {
            assertTrue(each.ok(), each::toString);
        }

        // commitMerge evicts both; the merged region is then served by the store.
        expect(ResultCode.OK, engine.commitMerge(1, 2));
        assertNull(engine.cache().stateOf(1));
        assertNull(engine.cache().stateOf(2));
        assertArrayEquals(b("a2"), reader.get(1, 3, 2, b(k(1))));
        assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());

        expect(ResultCode.NOT_CACHED, engine.deleteRange(b(k(0)), b(k(5)), 3));
        assertNull(reader.get(1, 3, 3, b(k(1))));
        assertArrayEquals(b("a2"), reader.get(1, 3, 2, b(k(1))));
        assertArrayEquals(b("g1"), reader.get(1, 3, 3, b(k(7))));
        assertTrue(engine.gc(3) >= 0);
        reader.close();
        engine.close();                                                    // cache, then the store

        try (WritableStore reopened = stores.open(db))
        {
            assertArrayEquals(b("g1"), storeGet(reopened, k(7), 3));
            assertNull(storeGet(reopened, k(1), 3));
            assertNull(storeGet(reopened, k(2), 3));
        }
    }

    // ------------------------------------------------------------------ writes: RocksDB first (sync), then the cache

    /**
     * "engine.write(...) // RocksDB first (sync), then the cache" and "Writes reach RocksDB before the cache's
     * command is queued": when write returns, the store already has the batch while the cache has not applied it
     * (INVOKER mode: nothing runs the apply cycle until the test does).
     */
    @Test
    void writeReachesTheStoreBeforeTheCache()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            final CompletableFuture<CommandResult> f =
                h.engine.write(new WriteBatch(1, 1, 2).put(b(k(3)), b("v2")).delete(b(k(4))));
            assertFalse(f.isDone(), "the cache has not applied it yet");
            assertArrayEquals(b("v2"), storeGet(h.engine.store(), k(3), 2), "the store has it on return");
            assertNull(storeGet(h.engine.store(), k(4), 2));
            assertEquals(ResultCode.OK, h.run(f).code());
            assertArrayEquals(b("v2"), reader.get(1, 1, 2, b(k(3))));
            assertNull(reader.get(1, 1, 2, b(k(4))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
            h.assertConsistent(1, 9);
        }
        finally
        {
            h.close();
        }
    }

    /** "engine.loadRegion(region); // PENDING -> LOADING -> ACTIVE", with the reader falling back while loading. */
    @Test
    void loadRegionGoesPendingLoadingActive()
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        try (HybridReader reader = h.engine.newReader())
        {
            assertEquals(ResultCode.NOT_CACHED, h.run(h.engine.write(new WriteBatch(1, 1, 1).put(b(k(1)), b("x"))))
                .code());
            final CompletableFuture<CommandResult> f = h.engine.loadRegion(new Region(1, OPEN, OPEN, 1));
            final RegionState first = h.engine.cache().stateOf(1);
            assertEquals(ResultCode.OK, h.run(f).code());
            final List<RegionState> seen = new ArrayList<>();
            seen.add(h.engine.cache().stateOf(1));
            for (int i = 0; i < 100 && h.loads.isEmpty(); i++)
            {
                h.cycle();
            }
            seen.add(h.engine.cache().stateOf(1));
            assertTrue(first == null || first == RegionState.PENDING, "before the apply thread ran: " + first);
            assertTrue(seen.get(0) == RegionState.PENDING || seen.get(0) == RegionState.LOADING, seen::toString);
            assertEquals(RegionState.LOADING, seen.get(1), seen::toString);
            assertArrayEquals(b("x"), reader.get(1, 1, 1, b(k(1))));
            assertEquals(SnapshotStatus.LOADING, reader.lastStatus());
            h.runLoads();
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
            assertArrayEquals(b("x"), reader.get(1, 1, 1, b(k(1))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
        }
        finally
        {
            h.close();
        }
    }

    /**
     * The bad-input rule ("Everything answered through a future answers bad input with INVALID and the reason, never
     * an exception, and changes nothing"), for the apply stream HybridEngine implements: an empty key, a key longer
     * than maxKeyLength and a negative version.
     * <p>
     * Was (failed when written): {@code HybridEngine.write} wrote the batch to the store before anything validated
     * it. Empty key: the store kept the write, the cache then answered INVALID and the engine's reconciliation
     * evicted the cached region holding it. Key over maxKeyLength: RocksDB the same; LMDB refused it and the engine
     * answered {@code STORE_ERROR}. Negative version: {@code STORE_ERROR}, not {@code INVALID}. Now the engine runs
     * {@code WriteBatch.validate} before the store.
     */
    @Test
    void badWriteIsInvalidAndChangesNothing()
    {
        final List<String> problems = new ArrayList<>();
        for (int c = 0; c < 3; c++)
        {
            final HybridTestSupport h = cachedWholeKeySpace("db" + c);
            try
            {
                final byte[] longKey = new byte[h.engine.cache().config().maxKeyLength() + 1];
                Arrays.fill(longKey, (byte)'k');
                final String what = c == 0 ? "empty key" : c == 1 ? "key over maxKeyLength" : "negative version";
                final byte[] key = c == 0 ? new byte[0] : c == 1 ? longKey : b(k(3));
                final WriteBatch batch = new WriteBatch(1, 1, c == 2 ? -5 : 2).put(key, b("bad"));
                final CommandResult r = h.run(h.engine.write(batch));
                h.cycle(); // anything the engine queued in reaction
                if (r.code() != ResultCode.INVALID)
                {
                    problems.add(what + ": answered " + r);
                }
                byte[] held;
                try
                {
                    final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(8);
                    final int n = h.engine.store().get(new UnsafeBuffer(key), 0, key.length, Long.MAX_VALUE, dst, 0);
                    held = n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
                }
                catch (final StoreException cannotHoldIt) // LMDB: keys over 439 bytes
                {
                    held = null;
                }
                if (held != null && Arrays.equals(held, b("bad")))
                {
                    problems.add(what + ": the store now holds the refused write");
                }
                if (h.engine.cache().stateOf(1) != RegionState.ACTIVE)
                {
                    problems.add(what + ": the cached region is now " + h.engine.cache().stateOf(1) +
                        " (reconciliations " + h.engine.metrics().reconciliations() + ")");
                }
                assertEquals("v1-3", str(storeGet(h.engine.store(), k(3), Long.MAX_VALUE)));
            }
            finally
            {
                h.close();
            }
        }
        assertEquals(List.of(), problems);
    }

    // ------------------------------------------------------------------ split, commitMerge, deleteRange, gc

    /**
     * split: both pieces stay cached and are served by the cache at the new epoch; the old epoch falls back to the
     * store (EPOCH_MISMATCH) with the same answer; each piece cross-checks clean with its own keys.
     */
    @Test
    void splitKeepsBothPiecesCachedAndTheOldEpochReadsTheStore()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.split(1, 1, new byte[][] {b(k(4))}, new long[] {7}, 2));
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(7));
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
            assertArrayEquals(b("v1-2"), reader.get(7, 2, 1, b(k(2))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
            assertArrayEquals(b("v1-6"), reader.get(1, 2, 1, b(k(6))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
            assertArrayEquals(b("v1-6"), reader.get(1, 1, 1, b(k(6))));
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
            final CrossCheck.Report left = CrossCheck.check(h.engine, 7);
            final CrossCheck.Report right = CrossCheck.check(h.engine, 1);
            assertTrue(left.ok() && right.ok(), left + " / " + right);
            assertEquals(4, left.keysCompared());
            assertEquals(6, right.keysCompared());
        }
        finally
        {
            h.close();
        }
    }

    /** commitMerge: both sides evicted (result OK), reads of the merged range served by the store, unchanged. */
    @Test
    void commitMergeEvictsBothSidesAndTheStoreServes()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.split(1, 1, new byte[][] {b(k(4))}, new long[] {7}, 2));
            h.ok(h.engine.commitMerge(1, 7));
            h.cycle();
            assertNull(h.engine.cache().stateOf(1));
            assertNull(h.engine.cache().stateOf(7));
            assertTrue(CrossCheck.checkAll(h.engine).isEmpty());
            for (int i = 0; i < 10; i++)
            {
                assertArrayEquals(b("v1-" + i), reader.get(1, 3, 1, b(k(i))));
                assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());
            }
        }
        finally
        {
            h.close();
        }
    }

    /**
     * deleteRange(start, end, version): tombstones at the version (history below stays readable, keys outside the
     * range untouched), every overlapping cached region evicted and the others kept; null, inverted or empty ranges
     * and a negative version are INVALID with nothing deleted or evicted.
     */
    @Test
    void deleteRangeWritesTombstonesAndEvictsOnlyOverlappingRegions()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.split(1, 1, new byte[][] {b(k(5))}, new long[] {7}, 2));
            // Refused input: nothing deleted, nothing evicted.
            assertEquals(ResultCode.INVALID, h.run(h.engine.deleteRange(null, b(k(3)), 5)).code());
            assertEquals(ResultCode.INVALID, h.run(h.engine.deleteRange(b(k(3)), b(k(1)), 5)).code());
            assertEquals(ResultCode.INVALID, h.run(h.engine.deleteRange(b(k(3)), b(k(3)), 5)).code());
            assertEquals(ResultCode.INVALID, h.run(h.engine.deleteRange(b(k(1)), b(k(3)), -1)).code());
            h.cycle();
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(7));
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
            for (int i = 0; i < 10; i++)
            {
                assertArrayEquals(b("v1-" + i), storeGet(h.engine.store(), k(i), Long.MAX_VALUE), k(i));
            }

            assertEquals(ResultCode.OK, h.run(h.engine.deleteRange(b(k(1)), b(k(3)), 5)).code());
            h.cycle();
            assertNull(h.engine.cache().stateOf(7), "the overlapping region is evicted");
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1), "the other region is kept");
            for (int i = 0; i < 5; i++)
            {
                final boolean deleted = i == 1 || i == 2;
                assertEquals(deleted ? null : "v1-" + i, str(reader.get(7, 2, 5, b(k(i)))), k(i) + "@5");
                assertEquals("v1-" + i, str(reader.get(7, 2, 4, b(k(i)))), k(i) + "@4 (history below)");
            }
            // An empty end is +infinity.
            assertEquals(ResultCode.OK, h.run(h.engine.deleteRange(b(k(8)), OPEN, 6)).code());
            h.cycle();
            assertNull(h.engine.cache().stateOf(1));
            assertEquals("v1-7", str(reader.get(1, 2, 6, b(k(7)))));
            assertNull(reader.get(1, 2, 6, b(k(8))));
            assertNull(reader.get(1, 2, 6, b(k(9))));
            assertEquals("v1-9", str(reader.get(1, 2, 5, b(k(9)))));
        }
        finally
        {
            h.close();
        }
    }

    /**
     * gc(safePoint): "first the cache's safe point, then a RocksDB sweep" of "the versions shadowed at the safe
     * point". The count is exact; cached regions carry the safe point; a region loaded after the sweep refuses
     * what the swept store cannot answer (reads below the safe point throw instead of answering wrong), reads at
     * the safe point are served by the store and above it by the cache.
     */
    @Test
    void gcRaisesTheCacheSafePointThenSweepsTheStore()
    {
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        try (HybridReader reader = h.engine.newReader())
        {
            for (int v = 1; v <= 5; v++)
            {
                assertEquals(ResultCode.NOT_CACHED, h.put(1, 1, v, "a", "a" + v)); // a: versions 1..5
            }
            h.put(1, 1, 6, "b", "b6");
            h.delete(1, 1, 7, "b");                                     // b: put 6, tombstone 7
            h.put(1, 1, 8, "c", "c8");                                  // c: one version
            // Region 2 = [c, +inf) cached before the gc; region 1 = [-inf, c) loaded after it.
            h.ok(h.engine.loadRegion(new Region(2, b("c"), OPEN, 1)));
            h.runLoads();
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(2));

            // Safe point 7: a keeps 7's newest at or below (5) and drops 1..4; b's newest at or below is a
            // tombstone, so b goes entirely (2); c keeps its only version.
            assertEquals(6, h.engine.gc(7));
            assertEquals(7, h.engine.store().gcSafePoint());
            for (final RegionInfo info : h.engine.cache().regions())
            {
                assertEquals(7, info.safePoint(), info::toString);
            }

            h.ok(h.engine.loadRegion(new Region(1, OPEN, b("c"), 1)));
            h.runLoads();
            assertEquals(RegionState.ACTIVE, h.engine.cache().stateOf(1));
            // Above the safe point: the cache.
            assertEquals("a5", str(reader.get(1, 1, 8, b("a"))));
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
            // At the safe point: the cache refuses, the store answers.
            assertEquals("a5", str(reader.get(1, 1, 7, b("a"))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, reader.lastStatus());
            assertNull(reader.get(1, 1, 7, b("b")));
            // Below: nobody can answer any more (the store dropped a1..a4), so the read is refused.
            assertThrows(StoreException.class, () -> reader.get(1, 1, 3, b("a")));
            assertThrows(StoreException.class, () -> reader.get(2, 1, 3, b("c")));
            assertTrue(CrossCheck.check(h.engine, 1).ok());
            assertTrue(CrossCheck.check(h.engine, 2).ok());
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ RocksDB's stored format

    /**
     * "The stored key is the user key in TiKV's memcomparable encoding, followed by the bitwise NOT of the version,
     * so newer versions sort first. Deletes are tombstones": the raw RocksDB entries, decoded by hand here (not by
     * the engine's codec).
     */
    @Test
    void rocksDbKeepsTikvsStoredKeyFormat()
    {
        assumeTrue(stores == Stores.ROCKSDB, "RocksDB's own format");
        final HybridTestSupport h = new HybridTestSupport(stores, dir.resolve("db"));
        try
        {
            final String longKey = "0123456789"; // two groups: one full, one with 6 bytes of padding
            h.put(1, 1, 3, "ab", "x3");
            h.put(1, 1, 9, "ab", "x9");
            h.delete(1, 1, 12, "ab");
            h.put(1, 1, 5, longKey, "L");
            h.put(1, 1, 6, "abcdefgh", "E"); // a multiple of 8: an all-padding group follows
            final List<byte[]> expectedKeys = List.of(stored(b(longKey), 5),
                stored(b("ab"), 12), stored(b("ab"), 9), stored(b("ab"), 3), stored(b("abcdefgh"), 6),
                stored(b("zz"), 20));
            final List<String> expectedValues = List.of("PL", "D", "Px9", "Px3", "PE", "P" + "\0".repeat(4096));
            final RocksDbBackingStore rocks = (RocksDbBackingStore)h.engine.store();
            // "it writes RocksDB, WAL on, before it returns": the write-ahead log grows with each write.
            final long walBefore = walBytes(rocks.dataDir());
            h.run(h.engine.write(new WriteBatch(1, 1, 20).put(b("zz"), new byte[4096])));
            assertTrue(walBytes(rocks.dataDir()) >= walBefore + 4096, "WAL " + walBefore + " -> " +
                walBytes(rocks.dataDir()));
            final List<byte[]> keys = new ArrayList<>();
            final List<String> values = new ArrayList<>();
            try (RocksIterator it = rocks.db().newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    keys.add(it.key());
                    values.add(str(it.value()));
                }
            }
            assertEquals(expectedKeys.size(), keys.size());
            for (int i = 0; i < keys.size(); i++)
            {
                assertArrayEquals(expectedKeys.get(i), keys.get(i), "entry " + i);
            }
            assertEquals(expectedValues, values);
        }
        finally
        {
            h.close();
        }
    }

    private static long walBytes(final Path dataDir)
    {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dataDir))
        {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> p.toFile().length())
                .sum();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** TiKV's encode_bytes(key) ++ bigEndian(~version), written out independently of MvccKeyCodec. */
    private static byte[] stored(final byte[] key, final long version)
    {
        final int groups = key.length / 8 + 1;
        final byte[] out = new byte[groups * 9 + 8];
        for (int g = 0; g < groups; g++)
        {
            final int from = g * 8;
            final int n = Math.max(0, Math.min(8, key.length - from));
            System.arraycopy(key, Math.min(from, key.length), out, g * 9, n);
            out[g * 9 + 8] = (byte)(n == 8 && g < groups - 1 ? 0xFF : 0xFF - (8 - n));
        }
        new UnsafeBuffer(out).putLong(groups * 9, ~version, ByteOrder.BIG_ENDIAN);
        return out;
    }

    // ------------------------------------------------------------------ reads: which source, and why

    /**
     * "It counts which source served each read and, per SnapshotStatus, why the cache could not": exact counter
     * deltas for cache and store gets, multiGets (per key) and scans, with the reason of each fallback.
     */
    @Test
    void metricsCountTheSourceAndTheReasonOfEveryRead()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            final HybridMetrics m = h.engine.metrics();
            final long cacheGets = m.cacheGets();
            final long storeGets = m.storeGets();
            final long cacheScans = m.cacheScans();
            final long storeScans = m.storeScans();
            assertEquals("v1-1", str(reader.get(1, 1, 1, b(k(1)))));                // cache
            assertEquals("v1-1", str(reader.get(1, 9, 1, b(k(1)))));                // EPOCH_MISMATCH
            assertEquals("v1-1", str(reader.get(42, 1, 1, b(k(1)))));               // NOT_CACHED
            h.ok(h.engine.advanceSafePoint(1));
            assertEquals("v1-1", str(reader.get(1, 1, 1, b(k(1)))));                // TOO_OLD_READ
            final UnsafeBuffer keys = new UnsafeBuffer(b(k(1) + k(2) + k(3)));
            final int[] offsets = {0, 3, 6};
            final int[] lengths = {3, 3, 3};
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            reader.multiGet(1, 1, 2, keys, offsets, lengths, 3, dst, 0, new int[3], new int[3]);   // cache, 3 keys
            reader.multiGet(1, 9, 2, keys, offsets, lengths, 3, dst, 0, new int[3], new int[3]);   // store, 3 keys
            try (HybridScan s = reader.scan(1, 1, 2, b(k(0)), b(k(5))))
            {
                assertTrue(s.servedByCache());
            }
            try (HybridScan s = reader.scan(42, 1, 2, b(k(0)), b(k(5))))
            {
                assertFalse(s.servedByCache());
            }
            assertEquals(1 + 3, m.cacheGets() - cacheGets, m::toString);
            assertEquals(3 + 3, m.storeGets() - storeGets, m::toString);
            assertEquals(1, m.cacheScans() - cacheScans, m::toString);
            assertEquals(1, m.storeScans() - storeScans, m::toString);
            assertEquals(1 + 3, m.fallbacks(SnapshotStatus.EPOCH_MISMATCH), m::toString);
            assertEquals(1 + 1, m.fallbacks(SnapshotStatus.NOT_CACHED), m::toString);
            assertEquals(1, m.fallbacks(SnapshotStatus.TOO_OLD_READ), m::toString);
            assertEquals(0, m.fallbacks(SnapshotStatus.OK), m::toString);
        }
        finally
        {
            h.close();
        }
    }

    /**
     * The same reads from the cache and from the store give the same answers: get's value length, -1 for absent or
     * deleted, -2 - length when dst is too small (nothing copied); a scan's keys and values (key()/value() views of
     * exactly keyLength()/valueLength() bytes); a closed scan refuses next().
     */
    @Test
    void cacheAndStoreAnswerReadsAlike()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            h.ok(h.engine.write(new WriteBatch(1, 1, 2).delete(b(k(2))).put(b(k(3)), b("longer-value-3"))));
            for (final long epoch : new long[] {1, 9}) // 1: the cache serves; 9: the store does
            {
                final SnapshotStatus why = epoch == 1 ? SnapshotStatus.OK : SnapshotStatus.EPOCH_MISMATCH;
                final UnsafeBuffer small = new UnsafeBuffer(new byte[] {'#', '#', '#', '#'});
                final UnsafeBuffer key3 = new UnsafeBuffer(b(k(3)));
                assertEquals(-2 - 14, reader.get(1, epoch, 2, key3, 0, 3, small, 0), "too small, epoch " + epoch);
                assertEquals(why, reader.lastStatus());
                assertArrayEquals(new byte[] {'#', '#', '#', '#'}, small.byteArray(), "nothing copied");
                assertEquals(-1, reader.get(1, epoch, 2, new UnsafeBuffer(b(k(2))), 0, 3, small, 0));
                assertEquals(-1, reader.get(1, epoch, 2, new UnsafeBuffer(b("k20")), 0, 3, small, 0));
                assertEquals(4, reader.get(1, epoch, 1, new UnsafeBuffer(b(k(3))), 0, 3, small, 0));

                final List<String> got = new ArrayList<>();
                final HybridScan scan = reader.scan(1, epoch, 2, b(k(1)), b(k(5)));
                try (scan)
                {
                    assertEquals(epoch == 1, scan.servedByCache());
                    while (scan.next())
                    {
                        assertEquals(scan.keyLength(), scan.key().capacity());
                        assertEquals(scan.valueLength(), scan.value().capacity());
                        got.add(str(scan.keyBytes()) + "=" + str(scan.valueBytes()));
                    }
                }
                assertEquals(List.of("k01=v1-1", "k03=longer-value-3", "k04=v1-4"), got, "epoch " + epoch);
                assertThrows(IllegalStateException.class, scan::next);
            }
        }
        finally
        {
            h.close();
        }
    }

    /**
     * "Arguments are checked before either source is chosen, so both paths throw alike" (HybridReader's Javadoc,
     * README's synchronous-throws rule): a null buffer, a key or destination slice outside its buffer, a multiGet
     * count past an array, a null scan bound, each throws the same exception type whether the cache (epoch 1) or the
     * store (epoch 9) would serve, and the reader answers normally afterwards. (Before the checks moved ahead of the
     * source, the store path threw Agrona's IndexOutOfBoundsException or read past the arrays.)
     */
    @Test
    void badArgumentsThrowAlikeOnTheCacheAndTheStorePath()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            final UnsafeBuffer key = new UnsafeBuffer(b(k(3)));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
            final UnsafeBuffer keys = new UnsafeBuffer(b(k(1) + k(2)));
            final int[] offsets = {0, 3};
            final int[] lengths = {3, 3};
            final int[] valueOffsets = new int[2];
            final int[] valueLengths = new int[2];
            for (final long epoch : new long[] {1, 9})
            {
                final String path = epoch == 1 ? "cache path" : "store path";
                assertThrows(NullPointerException.class,
                    () -> reader.get(1, epoch, 1, null, 0, 3, dst, 0), path);
                assertThrows(NullPointerException.class,
                    () -> reader.get(1, epoch, 1, key, 0, 3, null, 0), path);
                assertThrows(IllegalArgumentException.class,
                    () -> reader.get(1, epoch, 1, key, 1, 3, dst, 0), path + ": key slice past the end");
                assertThrows(IllegalArgumentException.class,
                    () -> reader.get(1, epoch, 1, key, -1, 2, dst, 0), path + ": negative key offset");
                assertThrows(IllegalArgumentException.class,
                    () -> reader.get(1, epoch, 1, key, 0, 3, dst, 17), path + ": dstOffset past the end");
                assertThrows(IllegalArgumentException.class,
                    () -> reader.multiGet(1, epoch, 1, keys, offsets, lengths, 3, dst, 0, valueOffsets, valueLengths),
                    path + ": count past the arrays");
                assertThrows(IllegalArgumentException.class,
                    () -> reader.multiGet(1, epoch, 1, keys, new int[] {0, 4}, lengths, 2, dst, 0, valueOffsets,
                        valueLengths), path + ": second key slice past the end");
                assertThrows(IllegalArgumentException.class,
                    () -> reader.multiGet(1, epoch, 1, keys, offsets, lengths, 2, dst, -1, valueOffsets,
                        valueLengths), path + ": negative dstOffset");
                assertThrows(NullPointerException.class,
                    () -> reader.multiGet(1, epoch, 1, null, offsets, lengths, 2, dst, 0, valueOffsets,
                        valueLengths), path);
                assertThrows(NullPointerException.class, () -> reader.scan(1, epoch, 1, null, b(k(5))), path);
                assertThrows(NullPointerException.class, () -> reader.scan(1, epoch, 1, b(k(1)), null), path);

                // The reader is usable after every throw, and the path is the one the epoch picks.
                assertEquals(4, reader.get(1, epoch, 1, key, 0, 3, dst, 0), path);
                assertEquals(epoch == 1 ? SnapshotStatus.OK : SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
                assertEquals(8, reader.multiGet(1, epoch, 1, keys, offsets, lengths, 2, dst, 0, valueOffsets,
                    valueLengths), path);
                assertArrayEquals(new int[] {4, 4}, valueLengths, path);
            }
        }
        finally
        {
            h.close();
        }
    }

    /**
     * "HybridReader.view(region, readVersion) returns a HybridView ... the cache when the region is ACTIVE at the
     * caller's epoch (the view pins it until closed) ... otherwise the store over the region's range": a cache-served
     * view keeps answering after its region is evicted, until closed (then it refuses reads); a store-served view has
     * the same content; a read version below the store's GC safe point is refused.
     */
    @Test
    void viewPinsTheCachedRegionAndFallsBackToTheStore()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try (HybridReader reader = h.engine.newReader())
        {
            final Region region = new Region(1, OPEN, OPEN, 1);
            final HybridView cached = reader.view(region, 1);
            assertTrue(cached.servedByCache());
            final HybridView stored = reader.view(new Region(1, OPEN, OPEN, 9), 1);
            assertFalse(stored.servedByCache());
            assertEquals(cached.asBytesMap(), stored.asBytesMap());
            assertEquals(10, cached.asBytesMap().size());
            h.ok(h.engine.evict(1, io.regioncache.EvictReason.MANUAL));
            h.cycle();
            assertNull(h.engine.cache().stateOf(1));
            assertArrayEquals(b("v1-4"), cached.asNavigableMap().get(b(k(4))), "pinned until closed");
            cached.close();
            stored.close();
            assertThrows(IllegalStateException.class, () -> cached.asNavigableMap().get(b(k(4))));
            h.put(1, 1, 5, k(4), "v5");
            assertEquals(1, h.engine.gc(5), "k04@1 is shadowed by k04@5");
            assertEquals(0, h.engine.gc(5), "a second sweep has nothing left");
            assertThrows(StoreException.class, () -> reader.view(region, 4));
            try (HybridView after = reader.view(region, 5))
            {
                assertArrayEquals(b("v5"), after.asNavigableMap().get(b(k(4))));
            }
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ CrossCheck

    /**
     * "CrossCheck compares every visible key of a cached region with RocksDB at the same version and lists each
     * divergence": the store changed behind the cache's back (as a host's bug would), each divergence listed with
     * its kind, key and both values, in key order; versions above the compared one are not divergences; a region
     * the cache does not hold reports NOT_CACHED and is not ok.
     */
    @Test
    void crossCheckListsEachDivergence()
    {
        final HybridTestSupport h = cachedWholeKeySpace();
        try
        {
            h.ok(h.engine.write(new WriteBatch(1, 1, 5).put(b(k(0)), b("v5-0"))));
            final CrossCheck.Report clean = CrossCheck.check(h.engine, 1);
            assertTrue(clean.ok(), clean::toString);
            assertEquals(5, clean.readVersion());
            assertEquals(10, clean.keysCompared());

            final WritableStore store = h.engine.store();
            store.applyBatch(new WriteBatch(1, 1, 3).put(b(k(2)), b("store-only-2")));   // DIFFERENT
            store.applyBatch(new WriteBatch(1, 1, 4).delete(b(k(6))));                   // MISSING_IN_STORE
            store.applyBatch(new WriteBatch(1, 1, 2).put(b("k55"), b("new")));           // MISSING_IN_CACHE
            store.applyBatch(new WriteBatch(1, 1, 9).put(b(k(8)), b("future")));         // above V: no divergence
            final CrossCheck.Report r = CrossCheck.check(h.engine, 1);
            assertFalse(r.ok());
            assertEquals(SnapshotStatus.OK, r.status());
            assertEquals(5, r.readVersion());
            assertEquals(11, r.keysCompared(), r::toString);
            final List<String> got = new ArrayList<>();
            for (final CrossCheck.Divergence d : r.divergences())
            {
                got.add(d.kind() + " " + str(d.key()) + " " + str(d.cacheValue()) + " " + str(d.storeValue()));
            }
            assertEquals(List.of(
                "DIFFERENT k02 v1-2 store-only-2",
                "MISSING_IN_STORE k06 v1-6 null",
                "MISSING_IN_CACHE k55 null new"), got, "divergences, in key order");

            final List<CrossCheck.Report> all = CrossCheck.checkAll(h.engine);
            assertEquals(1, all.size());
            assertEquals(r.divergences().size(), all.get(0).divergences().size());

            final CrossCheck.Report uncached = CrossCheck.check(h.engine, 42);
            assertEquals(SnapshotStatus.NOT_CACHED, uncached.status());
            assertFalse(uncached.ok());
        }
        finally
        {
            h.close();
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * "engine.close(); // cache, then RocksDB": both are closed afterwards (the cache answers CLOSED, the store
     * refuses), the owned store released its directory, and reopening it finds every write.
     */
    @Test
    void closeClosesTheCacheThenTheOwnedStore() throws Exception
    {
        final Path db = dir.resolve("kv");
        final HybridEngine engine = openEngine(db);
        expect(ResultCode.NOT_CACHED, engine.write(new WriteBatch(1, 1, 1).put(b(k(1)), b("one"))));
        expect(ResultCode.OK, engine.loadRegion(new Region(1, OPEN, OPEN, 1)));
        awaitState(engine, 1, RegionState.ACTIVE);
        expect(ResultCode.OK, engine.write(new WriteBatch(1, 1, 2).put(b(k(2)), b("two"))));
        engine.close();
        assertTrue(engine.isClosed());
        assertTrue(engine.cache().isClosed());
        expect(ResultCode.CLOSED, engine.loadRegion(new Region(3, b("x"), b("y"), 1)));
        assertThrows(StoreException.class, () -> engine.store().openSnapshot());
        engine.close(); // a second close is harmless
        try (WritableStore reopened = stores.open(db))
        {
            assertEquals("one", str(storeGet(reopened, k(1), 2)));
            assertEquals("two", str(storeGet(reopened, k(2), 2)));
        }
    }
}
