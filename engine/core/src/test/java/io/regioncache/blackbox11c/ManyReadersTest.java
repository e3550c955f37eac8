package io.regioncache.blackbox11c;

import static io.regioncache.blackbox11c.B11.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * More readers than cores against the apply thread: 64 platform threads (this host has two cores) and, on JDK 21+,
 * 256 virtual threads (reached by reflection: the tests also run on JDK 17, where that case is skipped) that hold
 * snapshots open across yields and across the writer's next acknowledged write (a virtual thread unmounts and may resume on another carrier), while a
 * writer rewrites every key at each version and a driver evicts, reloads and compacts. Each write at version V puts
 * the same value, V, under every key of the region, so a snapshot at read version R must read one value for all keys,
 * at most R, and at least the last version acknowledged before it opened. At the end every pin is gone: zero records
 * draining, and zero bytes in use after close.
 */
final class ManyReadersTest
{
    private static final int KEYS = 16;

    /**
     * The readers' pause with a snapshot open: wait for the work's own signal, the writer acknowledging a newer
     * version, so the pin is held across at least one write applied (and, now and then, an eviction, load or
     * compaction) rather than for a length of time. Bounded (50 ms) so that a writer that stopped, or an eviction
     * waiting on these very pins, cannot hold a reader for good.
     */
    private static void holdAcrossAWrite(final AtomicLong acked)
    {
        final long seen = acked.get();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        while (acked.get() == seen && System.nanoTime() < deadline)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    private static long value(final Snapshot snap, final int key, final UnsafeBuffer dst)
    {
        final byte[] k = b("k" + key);
        final int n = snap.get(new UnsafeBuffer(k), 0, k.length, dst, 0);
        if (n < 0)
        {
            return -1;
        }
        return Long.parseLong(dst.getStringWithoutLengthAscii(0, n));
    }

    /** One reader's loop: open, read every key (pausing with {@code pause} in between), check, close. */
    private static void readLoop(final RegionCache cache, final AtomicLong acked, final AtomicBoolean stop,
        final ConcurrentLinkedQueue<String> failures, final Consumer<AtomicLong> pause, final long seed)
    {
        final Random rnd = new Random(seed);
        final Snapshot snap = cache.newSnapshot();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        while (!stop.get() && failures.isEmpty())
        {
            final long floor = acked.get();
            final long readVersion = floor + rnd.nextInt(3);
            if (snap.open(1, 1, readVersion) != SnapshotStatus.OK)
            {
                Thread.yield();
                continue;
            }
            try
            {
                final long first = value(snap, 0, dst);
                for (int key = 1; key < KEYS; key++)
                {
                    if ((key & 3) == 0)
                    {
                        pause.accept(acked); // held across a yield or the next write
                    }
                    final long v = value(snap, key, dst);
                    if (v != first)
                    {
                        failures.add("key " + key + " read " + v + " where key 0 read " + first + " at " + readVersion);
                    }
                }
                if (first > readVersion || (floor > 0 && first < floor))
                {
                    failures.add("read " + first + " at read version " + readVersion + ", acknowledged " + floor);
                }
            }
            finally
            {
                snap.close();
            }
        }
    }

    private static void run(final int readers, final Function<Runnable, Thread> newThread, final Consumer<AtomicLong> pause,
        final String what) throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println(what + " seed " + seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final HybridEngine engine = HybridEngine.create(store, B11.dedicated().capacityBytes(32L << 20));
        final RegionCache cache = engine.cache();
        final Region region = new Region(1, b("a"), b("z"), 1);
        engine.await(engine.createRegion(region));
        final AtomicLong acked = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();
        try
        {
            for (int i = 0; i < readers; i++)
            {
                final long s = seed + i;
                final Thread t = newThread.apply(() -> readLoop(cache, acked, stop, failures, pause, s));
                threads.add(t);
                t.start();
            }
            final Random rnd = new Random(seed);
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            long version = 0;
            int evictions = 0;
            while (System.nanoTime() < end && failures.isEmpty())
            {
                final WriteBatch batch = new WriteBatch(1, 1, ++version);
                for (int key = 0; key < KEYS; key++)
                {
                    batch.put(b("k" + key), b(Long.toString(version)));
                }
                final CommandResult r = engine.await(engine.write(batch));
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.NOT_CACHED ||
                    r.code() == ResultCode.SKIPPED, r::toString);
                acked.set(version);
                final int dice = rnd.nextInt(50);
                if (dice == 0)
                {
                    engine.await(engine.evict(1, EvictReason.MANUAL));
                    evictions++;
                }
                else if (dice == 1 && cache.stateOf(1) == null)
                {
                    engine.await(engine.loadRegion(region));
                }
                else if (dice == 2)
                {
                    cache.compact(1);
                }
            }
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(TimeUnit.SECONDS.toMillis(B11.WAIT_SECONDS));
                assertTrue(!t.isAlive(), what + ": a reader did not stop within " + B11.WAIT_SECONDS + " s");
            }
            System.out.println(what + ": " + version + " versions, " + evictions + " evictions, " +
                cache.metrics().get("snapshots.leaked") + " leaked");
            assertTrue(failures.isEmpty(), () -> what + " (seed " + seed + "): " + failures.peek());
            final HybridReader reader = engine.newReader();
            assertEquals(Long.toString(version), new String(reader.get(1, 1, version, b("k3")),
                java.nio.charset.StandardCharsets.US_ASCII));
            engine.await(engine.evict(1, EvictReason.MANUAL));
            engine.await(engine.advanceSafePoint(0));
            assertEquals(0L, cache.metrics().get("regions.draining"), "every pin released");
        }
        finally
        {
            stop.set(true);
            engine.close();
        }
        assertEquals(0, cache.memoryInUse(), "zero bytes in use after close");
    }

    @Test
    @Timeout(90)
    void sixtyFourPlatformReadersHoldingSnapshotsRaceTheApplyThread() throws Exception
    {
        run(64, r ->
        {
            final Thread t = new Thread(r, "reader");
            t.setDaemon(true);
            return t;
        }, ManyReadersTest::holdAcrossAWrite, "64 platform readers");
    }

    @Test
    @Timeout(90)
    void virtualThreadReadersHoldSnapshotsAcrossYields() throws Exception
    {
        final java.lang.reflect.Method ofVirtual;
        try
        {
            ofVirtual = Thread.class.getMethod("ofVirtual");
        }
        catch (final NoSuchMethodException ex)
        {
            Assumptions.abort("virtual threads need JDK 21+ (this is " + Runtime.version() + ")");
            return;
        }
        final Object builder = ofVirtual.invoke(null);
        final java.lang.reflect.Method unstarted =
            Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class);
        final AtomicLong turns = new AtomicLong();
        run(256, r ->
        {
            try
            {
                return (Thread)unstarted.invoke(builder, r);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new AssertionError(ex);
            }
        }, acked ->
        {
            if ((turns.incrementAndGet() & 1) == 0)
            {
                Thread.yield(); // a virtual thread unmounts here and may resume on another carrier
            }
            else
            {
                holdAcrossAWrite(acked); // parks: a virtual thread unmounts here too
            }
        }, "256 virtual readers");
    }
}
