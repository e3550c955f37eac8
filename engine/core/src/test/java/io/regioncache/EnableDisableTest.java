package io.regioncache;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Online disable and enable (issue #13 item 7; TiKV could not, tikv#18101), under load: a writer applies batches to
 * the store and the cache, readers read every region through snapshots (and report store reads so the load policy
 * sees the traffic), while the cache is disabled and enabled three times. Disabled: every region is evicted with
 * {@link EvictReason#DISABLED}, loads and creations are refused, writes answer NOT_CACHED, snapshots NOT_CACHED.
 * Enabled again: the load policy brings the regions back, and what they serve matches what was written.
 * <p>
 * No sleeps: the engine runs on a manual clock, so policy rounds happen when the test moves it; the apply thread's
 * idle strategy counts its duty cycles ({@link CycleSignal}), so the test waits for whole cycles that began after a
 * clock move; the worker threads count their operations down on a latch, so "under load" means operations ran.
 */
class EnableDisableTest
{
    private static final int REGIONS = 8;
    private static final int KEYS_PER_REGION = 200;

    private static byte[] key(final int region, final int k)
    {
        return new byte[] {(byte)(region + 1), (byte)(k >> 8), (byte)k};
    }

    private static Region region(final int i)
    {
        return new Region(i, new byte[] {(byte)(i + 1)}, new byte[] {(byte)(i + 2)}, 1);
    }

    private static byte[] value(final int region, final int k, final long version)
    {
        return ByteBuffer.allocate(16).putInt(region).putInt(k).putLong(version).array();
    }

    /** More than a policy interval (and any load backoff): moving the clock by it makes the next cycle a round. */
    private static final long ROUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Counts worker operations down, so the test can wait until some ran. */
    private static final class Progress
    {
        private volatile CountDownLatch latch = new CountDownLatch(0);

        void onOperation()
        {
            latch.countDown();
        }

        void await(final int operations) throws InterruptedException
        {
            final CountDownLatch l = new CountDownLatch(operations);
            latch = l;
            assertTrue(l.await(20, TimeUnit.SECONDS), "the writer and readers made no progress");
        }
    }

    /** Report store reads of every region (what readers do for uncached ones), then let a policy round run. */
    private static void policyRound(final RegionCache cache, final CachedNanoClock clock, final CycleSignal cycles)
        throws InterruptedException
    {
        for (int r = 0; r < REGIONS; r++)
        {
            cache.recordStoreRead(region(r), 10, 1);
        }
        clock.advance(ROUND_NANOS);
        cycles.awaitCycle();
    }

    @Test
    void disableEvictsEverythingAndRefusesLoadsEnableLetsThePolicyLoadAgain() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final ConcurrentHashMap<String, byte[]> latest = new ConcurrentHashMap<>();
        final AtomicLong version = new AtomicLong(1);
        for (int r = 0; r < REGIONS; r++)
        {
            for (int k = 0; k < KEYS_PER_REGION; k++)
            {
                final long v = version.incrementAndGet();
                store.put(key(r, k), v, value(r, k, v));
                latest.put(r + "/" + k, value(r, k, v));
            }
        }
        final CachedNanoClock clock = new CachedNanoClock();
        final CycleSignal cycles = new CycleSignal();
        final Progress progress = new Progress();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).backingStore(store)
            .nanoClock(clock).idleStrategy(cycles)
            .policyIntervalMillis(20).autoLoad(REGIONS, 0).build());
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong notCachedWrites = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final Object writeLock = new Object(); // the host's apply stream is one ordered stream: writes and toggles
        try
        {
            for (int r = 0; r < REGIONS; r++)
            {
                assertEquals(ResultCode.OK, cache.loadRegion(region(r)).get(30, TimeUnit.SECONDS).code());
            }
            awaitAllActive(cache, clock, cycles);
            final Thread writer = new Thread(() ->
            {
                final java.util.Random rnd = new java.util.Random(1);
                while (!stop.get() && failure.get() == null)
                {
                    final int r = rnd.nextInt(REGIONS);
                    final int k = rnd.nextInt(KEYS_PER_REGION);
                    try
                    {
                        synchronized (writeLock)
                        {
                            final long v = version.incrementAndGet();
                            final byte[] val = value(r, k, v);
                            store.put(key(r, k), v, val); // the store first, as a host does
                            latest.put(r + "/" + k, val);
                            final CommandResult res =
                                cache.write(new WriteBatch(r, 1, v).put(key(r, k), val)).get(30, TimeUnit.SECONDS);
                            if (res.code() == ResultCode.NOT_CACHED)
                            {
                                notCachedWrites.incrementAndGet();
                            }
                            else if (res.code() != ResultCode.OK && res.code() != ResultCode.SKIPPED)
                            {
                                throw new AssertionError("write " + r + "/" + k + "@" + v + ": " + res);
                            }
                            progress.onOperation();
                        }
                    }
                    catch (final Throwable t)
                    {
                        failure.compareAndSet(null, t);
                    }
                }
            }, "writer");
            final List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final int seed = t;
                readers.add(new Thread(() ->
                {
                    final java.util.Random rnd = new java.util.Random(100 + seed);
                    final Snapshot s = cache.newSnapshot();
                    while (!stop.get() && failure.get() == null)
                    {
                        final int r = rnd.nextInt(REGIONS);
                        final int k = rnd.nextInt(KEYS_PER_REGION);
                        try
                        {
                            final SnapshotStatus st = s.open(r, 1, Long.MAX_VALUE);
                            if (st == SnapshotStatus.OK)
                            {
                                final byte[] v = s.get(key(r, k));
                                s.close();
                                // Every value served names its key (no torn or foreign value across evictions).
                                final ByteBuffer bb = ByteBuffer.wrap(v);
                                if (bb.getInt() != r || bb.getInt() != k)
                                {
                                    throw new AssertionError("region " + r + " key " + k + " served a foreign value");
                                }
                                reads.incrementAndGet();
                                progress.onOperation();
                            }
                            else
                            {
                                // Served by the store: report it so the load policy sees the traffic.
                                cache.recordStoreRead(region(r), 10, 1);
                            }
                        }
                        catch (final Throwable e)
                        {
                            failure.compareAndSet(null, e);
                        }
                    }
                    s.dispose();
                }, "reader-" + t));
            }
            writer.start();
            readers.forEach(Thread::start);
            for (int round = 0; round < 3 && failure.get() == null; round++)
            {
                progress.await(200); // under load: writes and cached reads ran since the last round
                final long disabledBefore = cache.counters().evictions(EvictReason.DISABLED);
                final int cached = cache.regions().size();
                final CommandResult off = cache.setEnabled(false).get(30, TimeUnit.SECONDS);
                assertEquals(ResultCode.OK, off.code(), off.toString());
                assertFalse(cache.isEnabled());
                assertTrue(cache.regions().isEmpty(), "disabled, yet cached: " + cache.regions());
                assertEquals(disabledBefore + cached, cache.counters().evictions(EvictReason.DISABLED),
                    "every region evicted with reason DISABLED");
                final long notCachedBefore = notCachedWrites.get();
                progress.await(50); // still under load (writes answer NOT_CACHED now)
                policyRound(cache, clock, cycles); // disabled: a round that sees every region hot loads nothing
                assertTrue(cache.regions().isEmpty(), "a region came back while disabled: " + cache.regions());
                assertEquals(ResultCode.SKIPPED, cache.loadRegion(region(0)).get(30, TimeUnit.SECONDS).code());
                assertEquals(ResultCode.SKIPPED,
                    cache.createRegion(new Region(99, new byte[] {50}, new byte[] {51}, 1)).get(30, TimeUnit.SECONDS)
                        .code());
                assertTrue(notCachedWrites.get() > notCachedBefore, "writes while disabled answer NOT_CACHED");
                assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(0, 1, Long.MAX_VALUE));
                assertEquals(ResultCode.SKIPPED, cache.setEnabled(false).get(30, TimeUnit.SECONDS).code());
                assertEquals(ResultCode.OK, cache.setEnabled(true).get(30, TimeUnit.SECONDS).code());
                assertTrue(cache.isEnabled());
                awaitAllActive(cache, clock, cycles); // the load policy brings them back from the store traffic
            }
            stop.set(true);
            writer.join();
            for (final Thread t : readers)
            {
                t.join();
            }
            if (failure.get() != null)
            {
                throw new AssertionError("under load", failure.get());
            }
            assertTrue(reads.get() > 0, "no cached read was served");
            // What the reloaded regions serve is what was written last.
            final Snapshot s = cache.newSnapshot();
            for (int r = 0; r < REGIONS; r++)
            {
                assertEquals(SnapshotStatus.OK, s.open(r, 1, Long.MAX_VALUE), "region " + r);
                for (int k = 0; k < KEYS_PER_REGION; k++)
                {
                    assertArrayEquals(latest.get(r + "/" + k), s.get(key(r, k)), "region " + r + " key " + k);
                }
                s.close();
            }
        }
        finally
        {
            stop.set(true);
            cache.close();
        }
        assertEquals(0, cache.memoryInUse());
        assertNull(cache.stateOf(0));
    }

    /** Policy rounds (each after store traffic on every region) until every region is ACTIVE. */
    private static void awaitAllActive(final RegionCache cache, final CachedNanoClock clock, final CycleSignal cycles)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true)
        {
            int active = 0;
            for (int r = 0; r < REGIONS; r++)
            {
                active += cache.stateOf(r) == RegionState.ACTIVE ? 1 : 0;
            }
            if (active == REGIONS)
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "only " + active + " of " + REGIONS + " regions ACTIVE");
            policyRound(cache, clock, cycles); // blocks until the apply thread ran a whole cycle
        }
    }
}
