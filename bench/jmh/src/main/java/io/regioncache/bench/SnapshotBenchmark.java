package io.regioncache.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import io.regioncache.RegionCache;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;

/**
 * Pin and unpin: {@code open} then {@code close} of a reused {@link Snapshot} on one region (an atomic add on the
 * handle's pin cell and a read of the region's state word each way; the region lookup is skipped, as for any handle
 * that reopens the region it last pinned while the region index is unchanged; {@code PinPathProbe} times the parts). One thread, then two
 * threads pinning the same region: each handle has its own cell, so the two share only read-only lines (the target
 * is two threads at most 1.5x one thread; before pins moved off the state word both CASed one word: 9x).
 */
@BenchmarkMode(Mode.AverageTime)
public class SnapshotBenchmark extends ForkedBenchmark
{
    private static final long REGION = 1;
    private static final long EPOCH = 1;

    /** The engine with one small region. */
    @State(Scope.Benchmark)
    public static class Engine
    {
        RegionCache cache;

        /** Build it (not measured). */
        @Setup(Level.Trial)
        public void setup()
        {
            cache = RegionCaches.create(RegionCaches.READ_CAPACITY);
            RegionCaches.createAndLoad(cache, REGION, EPOCH, KeySpace.of(1000));
        }

        /** Close it. */
        @TearDown(Level.Trial)
        public void close()
        {
            cache.close();
        }
    }

    /** One thread's reusable handle. */
    @State(Scope.Thread)
    public static class Handle
    {
        Snapshot snapshot;

        /** @param e the engine. */
        @Setup(Level.Trial)
        public void setup(final Engine e)
        {
            snapshot = e.cache.newSnapshot();
        }

        /** Release the handle. */
        @TearDown(Level.Trial)
        public void close()
        {
            snapshot.dispose();
        }
    }

    private static SnapshotStatus pinUnpinOnce(final Handle h)
    {
        final SnapshotStatus s = h.snapshot.open(REGION, EPOCH, RegionCaches.LATEST);
        if (s != SnapshotStatus.OK)
        {
            throw new IllegalStateException("open failed: " + s);
        }
        h.snapshot.close();
        return s;
    }

    /**
     * @param h this thread's handle.
     * @return the open status, consumed by JMH.
     */
    @Benchmark
    @Threads(1)
    public SnapshotStatus pinUnpin(final Handle h)
    {
        return pinUnpinOnce(h);
    }

    /**
     * The same with two threads on the same region.
     *
     * @param h this thread's handle.
     * @return the open status, consumed by JMH.
     */
    @Benchmark
    @Threads(2)
    public SnapshotStatus pinUnpinTwoThreads(final Handle h)
    {
        return pinUnpinOnce(h);
    }
}
