package io.regioncache.blackbox11c;

import static io.regioncache.blackbox11c.B11.b;
import static io.regioncache.blackbox11c.B11.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.CommandResult;
import io.regioncache.CountersFile;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.SafePointFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host threads whose interrupt flag is set before a call, or set by another thread during it, calling the public API
 * that submits, reads, publishes or touches files. The standard: nothing hangs, the engine and its files keep working
 * for every other thread and later call, the caller's interrupt flag is left as it was (none of these methods is
 * documented to consume it), and no acknowledged write is lost. When written, a counters file could not be created
 * or read, and a store's safe point could not be read or recorded, by a thread whose flag was set: the file channel
 * they open throws {@code ClosedByInterruptException} then ({@code CountersFile.read} even threw it undeclared, a
 * checked exception through Agrona's sneaky rethrow).
 */
final class InterruptedCallersTest
{
    private static String get(final Snapshot snap, final String key)
    {
        final byte[] k = b(key);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[4096]);
        final int n = snap.get(new UnsafeBuffer(k), 0, k.length, dst, 0);
        if (n < 0)
        {
            return null;
        }
        final byte[] v = new byte[n];
        dst.getBytes(0, v);
        return s(v);
    }

    @Test
    @Timeout(60)
    void aThreadInterruptedBeforeEachCallIsServedAndKeepsItsFlag(@TempDir final Path dir) throws Exception
    {
        final Path counters = dir.resolve("c.counters");
        Thread.currentThread().interrupt();
        final RegionCache cache;
        try
        {
            cache = RegionCache.create(B11.dedicated().countersFile(counters).countersIntervalMillis(10).build());
        }
        finally
        {
            assertTrue(Thread.interrupted(), "create keeps the caller's interrupt flag");
        }
        try
        {
            final List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
            Thread.currentThread().interrupt();
            futures.add(cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            for (int v = 1; v <= 50; v++)
            {
                futures.add(cache.write(new WriteBatch(1, 1, v).put(b("k" + (v % 10)), b("v" + v))));
            }
            futures.add(cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
            futures.add(cache.advanceSafePoint(1));
            futures.add(cache.setKeepCached(2, true));
            futures.add(cache.compact(1));
            final CompletableFuture<Void> published = cache.publishCounters();
            cache.metrics().toJson();
            cache.regions();
            cache.memoryInUse();
            assertTrue(Thread.currentThread().isInterrupted(), "submitting keeps the caller's interrupt flag");
            Thread.interrupted();
            for (final CompletableFuture<CommandResult> f : futures)
            {
                final CommandResult r = B11.within(f, "a command submitted by an interrupted thread");
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.SKIPPED, r::toString);
            }
            published.get(B11.WAIT_SECONDS, TimeUnit.SECONDS);
            // That publish holds what was applied when it was asked (maybe none of the commands): publish again.
            cache.publishCounters().get(B11.WAIT_SECONDS, TimeUnit.SECONDS);

            Thread.currentThread().interrupt();
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(2, 2, 100)); // the split's left piece [a, m) took id 2
            assertEquals("v50", get(snap, "k0"));
            final SnapshotIterator it = snap.iterator(b("a"), b("m"));
            int keys = 0;
            for (boolean ok = it.seek(b("a")); ok; ok = it.next())
            {
                keys++;
            }
            assertEquals(10, keys);
            snap.close();
            final Map<String, Long> read = CountersFile.read(counters);
            assertTrue(Thread.currentThread().isInterrupted(), "reads keep the caller's interrupt flag");
            Thread.interrupted();
            assertTrue(read.get("results.OK") > 0, () -> "the counters file published: " + read);
            // The file still publishes for everyone afterwards.
            cache.publishCounters().get(B11.WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(CountersFile.read(counters).get("results.OK") >= 50);
        }
        finally
        {
            Thread.currentThread().interrupt();
            cache.close();
            assertTrue(Thread.interrupted(), "close keeps the caller's interrupt flag");
        }
        assertTrue(CountersFile.read(counters).containsKey("results.OK"), "the file stays readable after close");
    }

    @Test
    @Timeout(60)
    void theSafePointFileIsReadAndRecordedByAnInterruptedThread(@TempDir final Path dir)
    {
        SafePointFile.write(dir, 5);
        for (int i = 0; i < 20; i++)
        {
            Thread.currentThread().interrupt();
            try
            {
                SafePointFile.write(dir, 10 + i);
                assertEquals(10 + i, SafePointFile.read(dir));
                assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt flag is kept");
            }
            finally
            {
                Thread.interrupted();
            }
        }
        assertEquals(29, SafePointFile.read(dir));
    }

    /**
     * A caller interrupted at random moments by a second thread while it writes, reads, asks for and reads the
     * counters, records safe points and waits on futures ({@code get} is the one call here that answers an
     * interrupt, with {@link InterruptedException}; the caller then waits again). Every write answered {@code OK} is
     * read back at the end, the counters file still publishes, and the safe point file holds the last one recorded.
     */
    @Test
    @Timeout(90)
    void aCallerInterruptedAtRandomLosesNothing(@TempDir final Path dir) throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("aCallerInterruptedAtRandomLosesNothing seed " + seed);
        final Random rnd = new Random(seed);
        final Path counters = dir.resolve("c.counters");
        final Path spDir = dir.resolve("sp");
        java.nio.file.Files.createDirectories(spDir);
        final Map<String, String> acked = new HashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Thread> target = new AtomicReference<>();
        final Thread interrupter = new Thread(() ->
        {
            final Random r = new Random(seed + 1);
            while (!stop.get())
            {
                final Thread t = target.get();
                if (t != null)
                {
                    t.interrupt();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(r.nextInt(200_000));
            }
        }, "interrupter");
        try (RegionCache cache = RegionCache.create(B11.dedicated().countersFile(counters).countersIntervalMillis(5)
            .build()))
        {
            B11.ok(cache.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            target.set(Thread.currentThread());
            interrupter.start();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            long version = 0;
            int interruptedWaits = 0;
            long lastSafePoint = -1;
            while (System.nanoTime() < end)
            {
                final String key = "k" + rnd.nextInt(64);
                final String value = "v" + (++version);
                final CompletableFuture<CommandResult> f =
                    cache.write(new WriteBatch(1, 1, version).put(b(key), b(value)));
                CommandResult r = null;
                while (r == null)
                {
                    try
                    {
                        r = f.get(B11.WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        interruptedWaits++;
                    }
                }
                if (r.code() == ResultCode.OK)
                {
                    acked.put(key, value);
                }
                else
                {
                    fail("write " + version + ": " + r);
                }
                switch (rnd.nextInt(4))
                {
                    case 0 ->
                    {
                        final Snapshot snap = cache.newSnapshot();
                        if (snap.open(1, 1, version) == SnapshotStatus.OK)
                        {
                            assertEquals(value, get(snap, key), "read-your-write at " + version);
                            snap.close();
                        }
                    }
                    case 1 -> cache.publishCounters();
                    case 2 -> CountersFile.read(counters);
                    default ->
                    {
                        SafePointFile.write(spDir, version);
                        lastSafePoint = version;
                    }
                }
            }
            target.set(null);
            stop.set(true);
            while (interrupter.isAlive())
            {
                Thread.interrupted();
                Thread.onSpinWait();
            }
            Thread.interrupted();
            System.out.println(version + " writes, " + interruptedWaits + " waits interrupted");
            final Snapshot snap = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, snap.open(1, 1, Long.MAX_VALUE));
            for (final Map.Entry<String, String> e : acked.entrySet())
            {
                assertEquals(e.getValue(), get(snap, e.getKey()), "acknowledged write of " + e.getKey());
            }
            snap.close();
            cache.publishCounters().get(B11.WAIT_SECONDS, TimeUnit.SECONDS);
            final long okCount = CountersFile.read(counters).get("results.OK");
            assertTrue(okCount >= version, () -> "the counters file still publishes: results.OK " + okCount);
            if (lastSafePoint >= 0)
            {
                assertEquals(lastSafePoint, SafePointFile.read(spDir));
            }
        }
        catch (final ExecutionException ex)
        {
            throw new AssertionError("seed " + seed, ex);
        }
        finally
        {
            target.set(null);
            stop.set(true);
            Thread.interrupted();
            interrupter.join(); // its last interrupt may land after the first clear
            Thread.interrupted();
        }
    }

    @Test
    @Timeout(60)
    void anEvictionAndCloseFromAnInterruptedThreadStillAccountEverything(@TempDir final Path dir) throws Exception
    {
        for (int cycle = 0; cycle < 10; cycle++)
        {
            final RegionCache cache = RegionCache.create(B11.dedicated().build());
            B11.ok(cache.createRegion(new Region(1, b("a"), b("z"), 1)), "create");
            final List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
            for (int v = 1; v <= 2_000; v++)
            {
                writes.add(cache.write(new WriteBatch(1, 1, v).put(b("k" + v), new byte[100])));
            }
            writes.add(cache.evict(1, EvictReason.MANUAL));
            Thread.currentThread().interrupt();
            cache.close();
            assertTrue(Thread.interrupted(), "close keeps the caller's interrupt flag");
            for (final CompletableFuture<CommandResult> w : writes)
            {
                final CommandResult r = B11.within(w, "a write queued before an interrupted close");
                assertTrue(r.code() == ResultCode.OK || r.code() == ResultCode.CLOSED, r::toString);
            }
            assertEquals(0, cache.memoryInUse(), "cycle " + cycle + ": zero bytes in use after close");
        }
    }
}
