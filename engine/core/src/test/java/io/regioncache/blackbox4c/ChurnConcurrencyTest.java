package io.regioncache.blackbox4c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Readers on their own threads against the dedicated apply thread doing writes (every batch writes every key of its
 * region with the batch's version), splits, merges, evictions, loads, compactions with safe points, setEnabled, and
 * finally close() while readers are mid-read. Every answer of an OK snapshot is checked against the host's history
 * at the snapshot's read version.
 */
class ChurnConcurrencyTest
{
    static final int KEYS = 32;

    record Route(long id, int lo, int hi, long epoch)
    {
        Region region()
        {
            return new Region(id, Truth.bound(lo, KEYS), Truth.bound(hi, KEYS), epoch);
        }
    }

    static int index(final byte[] bound)
    {
        if (bound.length == 1)
        {
            return bound[0] == 'k' ? 0 : KEYS;
        }
        return Truth.keyIndex(bound);
    }

    static RegionCacheConfig.Builder config(final InMemoryBackingStore store)
    {
        return RegionCacheConfig.builder()
            .capacityBytes(256L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(16)
            .maxValueLength(1 << 10)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .backingStore(store)
            .closeTimeoutMillis(3_000);
    }

    final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    final Map<SnapshotStatus, AtomicLong> statuses = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> results = new ConcurrentHashMap<>();
    volatile Route[] routes;
    /** Routes as they were a while ago: readers use them too (a stale router). */
    volatile Route[] oldRoutes;

    private void count(final String what, final CompletableFuture<CommandResult> f)
    {
        f.whenComplete((r, t) -> results.computeIfAbsent(what + ":" + (r == null ? t : r.code()), x -> new AtomicLong())
            .incrementAndGet());
    }

    /** The host: one thread feeding the apply stream in order. */
    final class Driver
    {
        final RegionCache cache;
        final InMemoryBackingStore store;
        final Truth truth;
        final SplittableRandom rnd;
        final List<Route> table = new ArrayList<>();
        final List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
        long version;
        long nextId = 2;
        boolean enabled = true;
        int disabledSteps;

        Driver(final RegionCache cache, final InMemoryBackingStore store, final Truth truth, final long seed)
        {
            this.cache = cache;
            this.store = store;
            this.truth = truth;
            this.rnd = new SplittableRandom(seed);
            table.add(new Route(1, 0, KEYS, 1));
            publish();
        }

        void publish()
        {
            final Route[] now = table.toArray(new Route[0]);
            oldRoutes = routes == null ? now : routes;
            routes = now;
        }

        void write(final Route r) throws Exception
        {
            final long v = ++version;
            final boolean delete = rnd.nextInt(40) == 0;
            final WriteBatch b = new WriteBatch(r.id, r.epoch, v);
            // Ascending or descending key order: both orders of the apply thread's batch walk.
            final boolean up = rnd.nextBoolean();
            for (int j = 0; j < r.hi - r.lo; j++)
            {
                final int i = up ? r.lo + j : r.hi - 1 - j;
                truth.append(i, v, delete);
                if (delete)
                {
                    b.delete(Truth.key(i));
                }
                else
                {
                    b.put(Truth.key(i), Truth.value(v, i));
                }
            }
            // "Each batch goes into the store before the cache's write, whole"
            store.applyBatch(b);
            CompletableFuture<CommandResult> f;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true)
            {
                f = cache.write(b);
                if (!(f.isDone() && f.getNow(null).code() == ResultCode.QUEUE_FULL) || System.nanoTime() > deadline)
                {
                    break;
                }
                LockSupport.parkNanos(50_000);
            }
            count("write", f);
            writes.add(f);
            if (writes.size() >= 128)
            {
                drain();
            }
        }

        void drain() throws Exception
        {
            for (final CompletableFuture<CommandResult> f : writes)
            {
                final CommandResult r = f.get(10, TimeUnit.SECONDS);
                // A write the cache dropped while the region stays cached would diverge: only these are fine.
                if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED && r.code() != ResultCode.SKIPPED)
                {
                    errors.add("write answered " + r);
                }
            }
            writes.clear();
        }

        void step() throws Exception
        {
            if (!enabled && --disabledSteps <= 0)
            {
                count("enable", cache.setEnabled(true));
                enabled = true;
                for (final Route r : table)
                {
                    count("load", cache.loadRegion(r.region()));
                }
            }
            final int p = rnd.nextInt(1000);
            final Route r = table.get(rnd.nextInt(table.size()));
            if (p < 800)
            {
                write(r);
            }
            else if (p < 840)
            {
                if (r.hi - r.lo >= 2)
                {
                    final int mid = r.lo + 1 + rnd.nextInt(r.hi - r.lo - 1);
                    final long left = nextId++;
                    final long ep = r.epoch + 1;
                    count("split", cache.split(r.id, r.epoch, new byte[][] {Truth.key(mid)}, new long[] {left}, ep));
                    final int at = table.indexOf(r);
                    table.set(at, new Route(r.id, mid, r.hi, ep));
                    table.add(at, new Route(left, r.lo, mid, ep));
                    publish();
                }
            }
            else if (p < 855)
            {
                final int at = table.indexOf(r);
                if (at + 1 < table.size())
                {
                    final Route s = table.get(at + 1);
                    count("prepareMerge", cache.prepareMerge(s.id));
                    count("commitMerge", cache.commitMerge(r.id, s.id));
                    final Route m = new Route(r.id, r.lo, s.hi, Math.max(r.epoch, s.epoch) + 1);
                    table.set(at, m);
                    table.remove(at + 1);
                    publish();
                    if (rnd.nextInt(10) < 7)
                    {
                        count("load", cache.loadRegion(m.region()));
                    }
                }
            }
            else if (p < 870)
            {
                count("evict", cache.evict(r.id, EvictReason.MANUAL));
            }
            else if (p < 930)
            {
                count("load", cache.loadRegion(r.region()));
            }
            else if (p < 975)
            {
                if (version > 30)
                {
                    count("safePoint", cache.advanceSafePoint(version - 20));
                }
                count("compact", cache.compact(r.id));
            }
            else if (p < 977 && enabled)
            {
                count("disable", cache.setEnabled(false));
                enabled = false;
                disabledSteps = 20 + rnd.nextInt(100);
            }
            else
            {
                // a burst of writes to one region
                for (int i = 0; i < 8; i++)
                {
                    write(r);
                }
            }
        }
    }

    /** A reader thread: opens routes (current and stale), checks every read path, sometimes holds a snapshot. */
    final class Reader implements Runnable
    {
        final RegionCache cache;
        final Truth truth;
        final SplittableRandom rnd;
        final AtomicBoolean stop;
        final Verifier verifier;
        final AtomicLong oks = new AtomicLong();
        final AtomicLong checks = new AtomicLong();
        /** Set while the engine is closing: hold a snapshot across close() and read it after. */
        final AtomicBoolean holdAcrossClose;
        final CountDownLatch holding;
        final CountDownLatch closed;

        Reader(final RegionCache cache, final Truth truth, final long seed, final AtomicBoolean stop,
            final AtomicBoolean holdAcrossClose, final CountDownLatch holding, final CountDownLatch closed)
        {
            this.cache = cache;
            this.truth = truth;
            this.rnd = new SplittableRandom(seed);
            this.stop = stop;
            this.verifier = new Verifier(truth, errors);
            this.holdAcrossClose = holdAcrossClose;
            this.holding = holding;
            this.closed = closed;
        }

        @Override
        public void run()
        {
            Snapshot snap = cache.newSnapshot();
            boolean heldAcross = false;
            try
            {
                while (!stop.get())
                {
                    if (pause)
                    {
                        snap.close();
                        paused.incrementAndGet();
                        while (pause && !stop.get())
                        {
                            LockSupport.parkNanos(100_000);
                        }
                        paused.decrementAndGet();
                    }
                    final Route[] rs = rnd.nextInt(5) == 0 ? oldRoutes : routes;
                    final Route r = rs[rnd.nextInt(rs.length)];
                    final long rv = rnd.nextInt(4) == 0 ? Math.max(1, truthVersionHint() - rnd.nextInt(50)) :
                        Long.MAX_VALUE;
                    final SnapshotStatus st = snap.open(r.id, r.epoch, rv);
                    statuses.computeIfAbsent(st, x -> new AtomicLong()).incrementAndGet();
                    if (st == SnapshotStatus.PIN_LIMIT)
                    {
                        // "PIN_LIMIT is never returned by this version"
                        errors.add("open answered PIN_LIMIT");
                    }
                    if (st != SnapshotStatus.OK)
                    {
                        if (st == SnapshotStatus.CLOSED && !cache.isClosed())
                        {
                            errors.add("CLOSED before close()");
                        }
                        LockSupport.parkNanos(20_000);
                        continue;
                    }
                    oks.incrementAndGet();
                    final Region reg = snap.region();
                    final int lo = index(reg.start());
                    final int hi = index(reg.end());
                    if (reg.id() != r.id || reg.epochVersion() != r.epoch)
                    {
                        errors.add("opened " + r + " but pinned " + reg);
                    }
                    verifier.verify(snap, lo, hi, "open", rnd.nextInt(8) == 0);
                    checks.incrementAndGet();
                    if (holdAcrossClose.get() && !heldAcross)
                    {
                        // "a snapshot open when close() begins still reads"
                        heldAcross = true;
                        holding.countDown();
                        // Close the snapshot while close() runs (within closeTimeoutMillis), reading it first.
                        if (!poll(20_000, cache::isClosed))
                        {
                            errors.add("close() did not begin in 20 s");
                        }
                        verifier.verify(snap, lo, hi, "held while close() runs", false);
                        LockSupport.parkNanos(rnd.nextInt(20_000_000));
                        verifier.verify(snap, lo, hi, "held across close()", true);
                        snap.close();
                        continue;
                    }
                    if (rnd.nextInt(6) == 0)
                    {
                        // Hold it while the apply thread moves on: splits, merges, evictions, compactions.
                        for (int i = 0; i < 4 && !stop.get(); i++)
                        {
                            LockSupport.parkNanos(rnd.nextInt(2_000_000));
                            verifier.verify(snap, lo, hi, "held " + i, false);
                        }
                    }
                    if (leak && rnd.nextInt(200) == 0)
                    {
                        // a handle dropped open, left to the Cleaner
                        snap = cache.newSnapshot();
                        leaked.incrementAndGet();
                    }
                    else
                    {
                        snap.close();
                    }
                }
            }
            catch (final Throwable t)
            {
                final java.io.StringWriter sw = new java.io.StringWriter();
                t.printStackTrace(new java.io.PrintWriter(sw));
                errors.add("reader threw " + sw);
            }
            finally
            {
                snap.close();
                if (!heldAcross)
                {
                    holding.countDown();
                }
            }
        }
    }

    final AtomicLong leaked = new AtomicLong();
    volatile boolean leak;
    volatile boolean pause;
    final java.util.concurrent.atomic.AtomicInteger paused = new java.util.concurrent.atomic.AtomicInteger();
    final AtomicLong versionHint = new AtomicLong();

    long truthVersionHint()
    {
        return versionHint.get();
    }

    void churn(final long seed, final long millis, final boolean closeFromCallback, final boolean leaks) throws Exception
    {
        leak = leaks;
        System.out.println("ChurnConcurrencyTest seed " + seed + " closeFromCallback " + closeFromCallback);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final Truth truth = new Truth(KEYS, 160_000);
        final RegionCache cache = RegionCache.create(config(store).build());
        final Driver d = new Driver(cache, store, truth, seed);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean holdAcross = new AtomicBoolean();
        final int readers = 2;
        final CountDownLatch holding = new CountDownLatch(readers);
        final CountDownLatch closed = new CountDownLatch(1);
        final List<Reader> rs = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        try
        {
            assertEquals(ResultCode.OK, cache.loadRegion(d.table.get(0).region()).get(10, TimeUnit.SECONDS).code());
            for (int i = 0; i < readers; i++)
            {
                final Reader r = new Reader(cache, truth, seed * 31 + i, stop, holdAcross, holding, closed);
                rs.add(r);
                final Thread t = new Thread(r, "reader-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            int steps = 0;
            while (System.nanoTime() < end && errors.isEmpty() && d.version < 150_000)
            {
                d.step();
                versionHint.set(d.version);
                LockSupport.parkNanos(30_000);
                if ((++steps & 255) == 0)
                {
                    d.drain();
                    // bounded: the readers need the cores too
                    Thread.yield();
                }
            }
            d.drain();
            if (leak)
            {
                // "A snapshot handle dropped while open is found by a Cleaner: its pin is released": with the
                // readers paused (their own snapshots closed), collections must bring every region's pins to 0.
                leak = false;
                pause = true;
                poll(5_000, () -> paused.get() == readers);
                final boolean drained = poll(10_000, () ->
                {
                    System.gc();
                    return cache.regions().stream().mapToInt(i -> i.pins()).sum() == 0;
                });
                if (!drained)
                {
                    errors.add("leaked handles still pin regions after collections: " + cache.regions());
                }
                pause = false;
            }
            // Everything cached again for the close phase.
            if (!d.enabled)
            {
                count("enable", cache.setEnabled(true));
                d.enabled = true;
            }
            for (final Route r : d.table)
            {
                cache.loadRegion(r.region()).get(10, TimeUnit.SECONDS);
            }
            // Close while readers are mid-read; each reader holds one snapshot across it.
            holdAcross.set(true);
            if (!holding.await(10, TimeUnit.SECONDS))
            {
                errors.add("readers did not hold snapshots");
            }
            final long closeStart = System.nanoTime();
            if (closeFromCallback)
            {
                // "close() may be called from any thread, also from a command future's callback"
                final CompletableFuture<Void> second = new CompletableFuture<>();
                final Thread racer = new Thread(() ->
                {
                    // "A second close() racing the first returns when the first's shutdown has ended"
                    cache.close();
                    second.complete(null);
                });
                final Route r0 = d.table.get(0);
                final long v = ++d.version;
                truth.append(r0.lo, v, false);
                cache.write(new WriteBatch(r0.id, r0.epoch, v).put(Truth.key(r0.lo), Truth.value(v, r0.lo)))
                    .thenRun(cache::close);
                racer.start();
                second.get(20, TimeUnit.SECONDS);
                assertTrue(cache.isClosed(), "a second close() returns when the first's shutdown has ended");
            }
            else
            {
                cache.close();
            }
            System.out.println("close took " + (System.nanoTime() - closeStart) / 1_000_000 + " ms");
            closed.countDown();
            // After close() every open answers CLOSED.
            final Snapshot after = cache.newSnapshot();
            final SnapshotStatus st = after.open(d.table.get(0).id, d.table.get(0).epoch, Long.MAX_VALUE);
            assertEquals(SnapshotStatus.CLOSED, st, "after close() a snapshot opens CLOSED");
            after.dispose();
            // Let the readers run into the closed engine for a moment, then stop them.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        finally
        {
            closed.countDown();
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(10_000);
                if (t.isAlive())
                {
                    errors.add(t.getName() + " did not stop");
                }
            }
            cache.close();
        }
        long oks = 0;
        for (final Reader r : rs)
        {
            oks += r.oks.get();
        }
        System.out.println("versions " + d.version + ", regions " + d.table.size() + ", reader OK opens " + oks +
            ", leaked handles " + leaked.get() + "\n statuses " + new EnumMap<>(statuses) + "\n results " +
            new java.util.TreeMap<>(results));
        // "Zero bytes in use after close (no snapshot left open past closeTimeoutMillis)": the readers closed
        // theirs right after close() returned; leaked handles are the Cleaner's (forced collections help it).
        final boolean zero = poll(20_000, () ->
        {
            System.gc();
            return cache.memoryInUse() == 0;
        });
        assertTrue(errors.isEmpty(), () -> errors.size() + " error(s), first: " + String.join("\n", errors.subList(0,
            Math.min(5, errors.size()))));
        assertTrue(oks > 100, "readers opened snapshots: " + oks);
        assertTrue(zero, () -> "memoryInUse() after close and every snapshot closed: " + cache.memoryInUse());
    }

    static boolean poll(final long millis, final java.util.function.BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }

    @Test
    @Timeout(60)
    void churnThenCloseFromTheHostThread() throws Exception
    {
        churn(Long.getLong("churn.seed", 4242L), Long.getLong("churn.millis", 8_000L), false, false);
    }

    @Test
    @Timeout(60)
    void churnThenCloseFromAFutureCallbackRacingASecondClose() throws Exception
    {
        churn(Long.getLong("churn.seed2", 777L), Long.getLong("churn.millis", 8_000L), true, false);
    }

    @Test
    @Timeout(60)
    void churnWithLeakedHandlesThenClose() throws Exception
    {
        churn(Long.getLong("churn.seed3", 99L), Long.getLong("churn.millis", 6_000L), false, true);
    }
}
