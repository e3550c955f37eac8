package io.regioncache.blackbox4c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.Bytes;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** close() while a load or a compaction is running on its own thread and readers hammer open/get/close. */
class CloseDuringJobsTest
{
    static byte[] key(final int i)
    {
        return String.format("j%07d", i).getBytes(US_ASCII);
    }

    static RegionCache bigCache(final InMemoryBackingStore store, final int keys)
    {
        for (int v = 1; v <= 2; v++)
        {
            final WriteBatch b = new WriteBatch(1, 1, v, keys);
            for (int i = 0; i < keys; i++)
            {
                b.put(key(i), Truth.value(v, i));
            }
            store.applyBatch(b);
        }
        return RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(512L << 20)
            .maxKeyLength(16)
            .maxValueLength(1 << 10)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .backingStore(store)
            // Well above any load's or compaction's run time: README, "memory ... a still-running job pins after
            // [closeTimeoutMillis] is left to the GC ... and stays counted in memoryInUse()". A compaction of these
            // 300,000 entries took 3.5-5.7 s on a loaded 2-core machine, so with 5 s close() sometimes gave up on it
            // (by design) and the zero-bytes checks below failed. The checks are unchanged: close() must still
            // wait for the running job and leave zero bytes; only the machine's speed no longer decides the outcome.
            .closeTimeoutMillis(60_000)
            .build());
    }

    /**
     * "close() evicts every region, cancels at once every load no loader thread has started ..., and waits up to
     * closeTimeoutMillis ... for open snapshots, running loads and compactions" / "Zero bytes in use after close".
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 2, 20, 80})
    @Timeout(120) // a hang guard: close() may wait up to closeTimeoutMillis (60 s) for the running job
    void closeWhileALoadRunsLeavesZeroBytes(final int delayMillis) throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final RegionCache cache = bigCache(store, 150_000);
        final Region region = new Region(1, new byte[0], new byte[0], 1);
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread reader = hammer(cache, stop, errors, 150_000, 1);
        try
        {
            cache.loadRegion(region);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMillis));
            final long t0 = System.nanoTime();
            cache.close();
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            final long atReturn = cache.memoryInUse();
            System.out.println("load, close after " + delayMillis + " ms: close took " + ms + " ms, memoryInUse " +
                atReturn);
            stop.set(true);
            reader.join(10_000);
            assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
            assertTrue(ChurnConcurrencyTest.poll(20_000, () -> cache.memoryInUse() == 0),
                () -> "memoryInUse() after close: " + cache.memoryInUse());
            assertEquals(0, atReturn, "memoryInUse() when close() returned (no snapshot left open)");
        }
        finally
        {
            stop.set(true);
            cache.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 40})
    @Timeout(120) // a hang guard: close() may wait up to closeTimeoutMillis (60 s) for the running job
    void closeWhileACompactionRunsLeavesZeroBytes(final int delayMillis) throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final RegionCache cache = bigCache(store, 150_000);
        final Region region = new Region(1, new byte[0], new byte[0], 1);
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        try
        {
            assertEquals(ResultCode.OK, cache.loadRegion(region).get(20, TimeUnit.SECONDS).code());
            assertTrue(ChurnConcurrencyTest.poll(20_000, () -> cache.stateOf(1) == RegionState.ACTIVE));
            final Thread reader = hammer(cache, stop, errors, 150_000, 1);
            cache.advanceSafePoint(1);
            cache.compact(1);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMillis));
            final long t0 = System.nanoTime();
            cache.close();
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            final long atReturn = cache.memoryInUse();
            System.out.println("compaction, close after " + delayMillis + " ms: close took " + ms +
                " ms, memoryInUse " + atReturn);
            stop.set(true);
            reader.join(10_000);
            assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
            assertTrue(ChurnConcurrencyTest.poll(20_000, () -> cache.memoryInUse() == 0),
                () -> "memoryInUse() after close: " + cache.memoryInUse());
            assertEquals(0, atReturn, "memoryInUse() when close() returned (no snapshot left open)");
        }
        finally
        {
            stop.set(true);
            cache.close();
        }
    }

    /** A reader hammering open/get/close: OK opens must read version 2 (or 1 below the safe point... never). */
    static Thread hammer(final RegionCache cache, final AtomicBoolean stop, final List<String> errors, final int keys,
        final long seed)
    {
        final Thread t = new Thread(() ->
        {
            final SplittableRandom rnd = new SplittableRandom(seed);
            final Snapshot s = cache.newSnapshot();
            final UnsafeBuffer kb = new UnsafeBuffer(new byte[16]);
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[512]);
            try
            {
                while (!stop.get())
                {
                    final SnapshotStatus st = s.open(1, 1, Long.MAX_VALUE);
                    if (st == SnapshotStatus.OK)
                    {
                        for (int j = 0; j < 64; j++)
                        {
                            final int i = rnd.nextInt(keys);
                            final byte[] k = key(i);
                            kb.putBytes(0, k);
                            final int len = s.get(kb, 0, k.length, dst, 0);
                            final String bad = len < 0 ? "absent" : Truth.checkValue(dst, 0, len, i, 2);
                            if (bad != null && errors.size() < 20)
                            {
                                errors.add("key " + i + " at " + s.readVersion() + ": " + bad);
                            }
                        }
                        s.close();
                    }
                    else if (st == SnapshotStatus.PIN_LIMIT || st == SnapshotStatus.EPOCH_MISMATCH)
                    {
                        errors.add("open answered " + st);
                    }
                }
            }
            catch (final Throwable e)
            {
                errors.add("reader threw " + e);
            }
            finally
            {
                s.close();
            }
        }, "hammer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * "A disposed snapshot, ..., an iterator of a closed or re-opened snapshot ... throw IllegalStateException";
     * the map view is "Valid while this snapshot stays open": after the handle is re-opened on another region the
     * old view must not read the other region's values.
     */
    @Test
    @Timeout(20)
    void aMapViewOfAReopenedHandleDoesNotReadTheOtherRegion() throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .build());
        try
        {
            final byte[] a = "a".getBytes(US_ASCII);
            final byte[] m = "m".getBytes(US_ASCII);
            cache.createRegion(new Region(1, new byte[0], m, 1));
            cache.createRegion(new Region(2, m, new byte[0], 1));
            cache.write(new WriteBatch(1, 1, 1).put(a, "one".getBytes(US_ASCII)));
            assertEquals(ResultCode.OK, cache.write(new WriteBatch(2, 1, 1).put("n".getBytes(US_ASCII),
                "two".getBytes(US_ASCII))).get(5, TimeUnit.SECONDS).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
            final var map = s.asBytesMap();
            assertEquals(1, map.size());
            assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
            assertThrows(IllegalStateException.class, () -> map.firstKey(),
                "a view of the earlier open must not read region 2");
            assertThrows(IllegalStateException.class, () -> map.get(Bytes.of(a)));
            s.close();
            assertThrows(IllegalStateException.class, () -> map.size());
        }
        finally
        {
            cache.close();
        }
    }
}
