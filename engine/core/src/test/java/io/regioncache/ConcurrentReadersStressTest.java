package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers on their own threads open snapshots of random regions and check every value they read against the
 * write history, while a driver thread writes, splits, merges, evicts and reloads the same regions.
 * <p>
 * Every write is appended to a per-key history and to the backing store <em>before</em> it is submitted, and every
 * region is (re)cached only by loading it from the store (the initial regions are created empty, before any
 * write). So every cached incarnation holds the full history of its range, and a snapshot with effective read
 * version R must show, for every key of its region, exactly the newest history entry at or below R.
 * <p>
 * {@code -Dstress.seconds=N} (default 10), {@code -Dstress.seed=S}.
 */
class ConcurrentReadersStressTest
{
    static
    {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }

    private static final int KEYS = 384;
    private static final int READERS = 4;
    private static final byte[] TOMB = new byte[0];

    private final byte[][] keys = new byte[KEYS][];
    @SuppressWarnings("unchecked")
    private final ConcurrentSkipListMap<Long, byte[]>[] history = new ConcurrentSkipListMap[KEYS];
    private final AtomicReference<String> failure = new AtomicReference<>();
    /** Counted down at the first failure: the run's timed wait ends early on it. */
    private final java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
    private final AtomicLong lastVersion = new AtomicLong();
    private volatile long[][] published = new long[0][];
    private volatile boolean stop;
    private final LongAdder snapshotsOk = new LongAdder();
    private final LongAdder snapshotsRefused = new LongAdder();
    private final LongAdder valuesChecked = new LongAdder();
    private final LongAdder scans = new LongAdder();

    static byte[] encode(final byte[] key, final long version)
    {
        final int pad = (int)(version % 23);
        final byte[] v = new byte[8 + key.length + pad];
        new UnsafeBuffer(v).putLong(0, version);
        System.arraycopy(key, 0, v, 8, key.length);
        Arrays.fill(v, 8 + key.length, v.length, (byte)version);
        return v;
    }

    @Test
    void readersSeeExactlyTheHistoryWhileRegionsChange() throws Exception
    {
        final long seconds = Long.getLong("stress.seconds", 10);
        final long seed = Long.getLong("stress.seed", System.nanoTime());
        try
        {
            stressRun(seconds, seed);
        }
        catch (final Throwable t)
        {
            // The seed is random unless given: every failure names it, however it surfaced.
            throw new AssertionError("stress run failed: seed " + seed + "; replay with -Dstress.seed=" + seed, t);
        }
    }

    private void stressRun(final long seconds, final long seed) throws Exception
    {
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = new byte[] {'k', (byte)(i >> 4), (byte)((i & 15) * 16)};
            history[i] = new ConcurrentSkipListMap<>();
        }
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .segmentSize(64 * 1024)
            .backingStore(store)
            .build());
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final Driver driver = new Driver(cache, store, new Random(seed));
        driver.setup();
        for (int i = 0; i < READERS; i++)
        {
            final Reader reader = new Reader(cache, new Random(seed * 31 + i), i);
            threads.add(new Thread(reader, "reader-" + i));
        }
        final Thread driverThread = new Thread(driver, "driver");
        threads.add(driverThread);
        for (final Thread t : threads)
        {
            t.setUncaughtExceptionHandler((th, ex) ->
            {
                errors.add(ex);
                failure.compareAndSet(null, th.getName() + " threw " + ex);
                failed.countDown();
            });
            t.start();
        }
        failed.await(seconds, TimeUnit.SECONDS); // the run's length, cut short by the first failure
        stop = true;
        for (final Thread t : threads)
        {
            t.join(30_000);
            assertTrue(!t.isAlive(), "seed=" + seed + ": thread did not stop: " + t.getName());
        }
        System.out.printf("stress seed %d: %d s, %d writes, %d splits, %d merges, %d evictions, %d loads; " +
            "snapshots ok=%d refused=%d, values checked=%d, scans=%d%n", seed, seconds, driver.writes,
            driver.splits, driver.merges, driver.evictions, driver.loads, snapshotsOk.sum(), snapshotsRefused.sum(),
            valuesChecked.sum(), scans.sum());
        final StringBuilder refusals = new StringBuilder("  refusals:");
        for (final SnapshotStatus st : SnapshotStatus.values())
        {
            refusals.append(' ').append(st).append('=').append(cache.counters().snapshotFailures(st));
        }
        System.out.println(refusals);
        assertNull(failure.get(), "seed=" + seed + ": " + failure.get() +
            (errors.isEmpty() ? "" : " first error: " + errors.get(0)));
        assertTrue(errors.isEmpty(), "seed=" + seed + ": thread errors " + errors);
        assertTrue(snapshotsOk.sum() > 1000, "seed=" + seed + ": too few snapshots opened: " + snapshotsOk.sum());
        assertTrue(driver.splits > 10 && driver.evictions > 10 && driver.loads > 10,
            "seed=" + seed + ": driver did too little");
        assertEquals(0, cache.counters().applyErrors(), "seed=" + seed + ": apply errors");
        cache.close();
        assertEquals(0, cache.counters().leakedSnapshots(), "seed=" + seed + ": leaked snapshots");
        assertEquals(0, cache.pool().bytesInUse(), "seed=" + seed + ": bytesInUse after close");
        assertEquals(0, cache.counters().applyErrors(), "seed=" + seed + ": apply errors after close");
        store.close();
    }

    private void fail(final String message)
    {
        failure.compareAndSet(null, Thread.currentThread().getName() + ": " + message);
        failed.countDown();
        throw new AssertionError(message);
    }

    private static int cmp(final byte[] a, final byte[] b)
    {
        return Arrays.compareUnsigned(a, b);
    }

    // ================================================================================================ readers

    final class Reader implements Runnable
    {
        private final RegionCache cache;
        private final Random rnd;
        private final int index;

        Reader(final RegionCache cache, final Random rnd, final int index)
        {
            this.cache = cache;
            this.rnd = rnd;
            this.index = index;
        }

        @Override
        public void run()
        {
            final Snapshot s = cache.newSnapshot();
            try
            {
                while (!stop && failure.get() == null)
                {
                    final long[][] regions = published;
                    if (regions.length == 0)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    final long[] r = regions[rnd.nextInt(regions.length)];
                    final long top = lastVersion.get();
                    // mostly recent versions (above the safe point), sometimes any version
                    final long rv = rnd.nextInt(8) == 0 ? 1 + (long)(rnd.nextDouble() * (top + 5)) :
                        Math.max(1, top - rnd.nextInt(2500) + rnd.nextInt(5));
                    final SnapshotStatus status = s.open(r[0], r[1], rv);
                    if (status != SnapshotStatus.OK)
                    {
                        if (status == SnapshotStatus.CLOSED || status == SnapshotStatus.PIN_LIMIT)
                        {
                            fail("unexpected snapshot status " + status);
                        }
                        snapshotsRefused.increment();
                        Thread.yield(); // leave the CPU to the driver, apply and loader threads
                        continue;
                    }
                    snapshotsOk.increment();
                    try
                    {
                        check(s, rv);
                        if (rnd.nextInt(50) == 0)
                        {
                            // hold the pin while the driver splits and evicts: give way, then read it all again
                            for (int y = 0; y < 16; y++)
                            {
                                Thread.yield();
                            }
                            check(s, rv);
                        }
                    }
                    finally
                    {
                        s.close();
                    }
                }
            }
            finally
            {
                s.dispose();
            }
        }

        private void check(final Snapshot s, final long requested)
        {
            final Region region = s.region();
            final long rv = s.readVersion();
            if (rv > requested)
            {
                fail("effective read version " + rv + " above requested " + requested);
            }
            final String where = "reader " + index + " " + region + " at " + rv + " (requested " + requested + ")";
            // Expected visible keys of the region, from the history.
            final TreeMap<byte[], Long> expected = new TreeMap<>(Arrays::compareUnsigned);
            for (int i = 0; i < KEYS; i++)
            {
                if (region.contains(keys[i]))
                {
                    final Map.Entry<Long, byte[]> e = history[i].floorEntry(rv);
                    if (e != null && e.getValue() != TOMB)
                    {
                        expected.put(keys[i], e.getKey());
                    }
                }
            }
            // point gets
            for (int g = 0; g < 8; g++)
            {
                final int i = rnd.nextInt(KEYS);
                if (!region.contains(keys[i]))
                {
                    continue;
                }
                final byte[] actual = s.get(keys[i]);
                final Long v = expected.get(keys[i]);
                if (v == null ? actual != null : actual == null || !Arrays.equals(encode(keys[i], v), actual))
                {
                    fail(where + ": get " + Region.hex(keys[i]) + " expected " + (v == null ? "absent" : "v" + v) +
                        " got " + (actual == null ? "null" : "v" + new UnsafeBuffer(actual).getLong(0)));
                }
                valuesChecked.increment();
            }
            // a scan, forward or backward, from a random position
            final SnapshotIterator it = s.iterator();
            final boolean forward = rnd.nextBoolean();
            final byte[] from = keys[rnd.nextInt(KEYS)];
            final List<byte[]> want = new ArrayList<>();
            if (forward)
            {
                want.addAll(expected.tailMap(from, true).keySet());
            }
            else
            {
                want.addAll(expected.headMap(from, true).descendingKeySet());
            }
            int n = 0;
            byte[] prev = null;
            boolean first;
            if (region.contains(from))
            {
                first = forward ? it.seek(from) : it.seekForPrev(from);
            }
            else
            {
                // A seek key outside the region is refused (IAE) before the iterator moves. The scan is then checked
                // from where a clamped seek would land: the region's first key (forward from below the region) or its
                // last (backward from above it); from the other side there is nothing to find.
                try
                {
                    if (forward)
                    {
                        it.seek(from);
                    }
                    else
                    {
                        it.seekForPrev(from);
                    }
                    throw new AssertionError("seek " + Region.hex(from) + " outside " + region + " was not refused");
                }
                catch (final IllegalArgumentException refused)
                {
                    first = !want.isEmpty() && (forward ? it.seekToFirst() : it.seekToLast());
                }
            }
            for (boolean ok = first; ok; ok = forward ? it.next() : it.prev())
            {
                final byte[] k = it.key();
                if (!region.contains(k))
                {
                    fail(where + ": scan left the region at " + Region.hex(k));
                }
                if (prev != null && (forward ? cmp(prev, k) >= 0 : cmp(prev, k) <= 0))
                {
                    fail(where + ": scan out of order " + Region.hex(prev) + " then " + Region.hex(k));
                }
                if (n >= want.size() || !Arrays.equals(want.get(n), k))
                {
                    fail(where + ": scan " + (forward ? "forward" : "backward") + " from " + Region.hex(from) +
                        " entry " + n + " is " + Region.hex(k) + ", expected " +
                        (n < want.size() ? Region.hex(want.get(n)) : "the end"));
                }
                final long v = expected.get(k);
                if (it.version() != v || !Arrays.equals(encode(k, v), it.value()))
                {
                    fail(where + ": scan " + Region.hex(k) + " version " + it.version() + " expected " + v);
                }
                prev = k;
                n++;
                valuesChecked.increment();
            }
            if (n != want.size())
            {
                fail(where + ": scan returned " + n + " keys, expected " + want.size());
            }
            scans.increment();
        }
    }

    // ================================================================================================ driver

    static final class HostRegion
    {
        final long id;
        final byte[] start;
        final byte[] end;
        final long epoch;
        boolean cached;

        HostRegion(final long id, final byte[] start, final byte[] end, final long epoch)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
        }

        Region region()
        {
            return new Region(id, start, end, epoch);
        }
    }

    final class Driver implements Runnable
    {
        private final RegionCache cache;
        private final InMemoryBackingStore store;
        private final Random rnd;
        private final List<HostRegion> regions = new ArrayList<>(); // sorted by start
        private long nextId = 10;
        private long version;
        long writes;
        long splits;
        long merges;
        long evictions;
        long loads;

        Driver(final RegionCache cache, final InMemoryBackingStore store, final Random rnd)
        {
            this.cache = cache;
            this.store = store;
            this.rnd = rnd;
        }

        void setup()
        {
            final byte[] empty = new byte[0];
            regions.add(new HostRegion(1, empty, keys[KEYS / 3], 1));
            regions.add(new HostRegion(2, keys[KEYS / 3], keys[2 * KEYS / 3], 1));
            regions.add(new HostRegion(3, keys[2 * KEYS / 3], empty, 1));
            for (final HostRegion h : regions)
            {
                // Created empty before any write: the cache holds the whole history of the range.
                expect(EnumSet.of(ResultCode.OK), cache.createRegion(h.region()), "create");
                h.cached = true;
            }
            publish();
        }

        private void publish()
        {
            final long[][] out = new long[regions.size()][];
            for (int i = 0; i < out.length; i++)
            {
                out[i] = new long[] {regions.get(i).id, regions.get(i).epoch};
            }
            published = out;
        }

        private CommandResult expect(
            final EnumSet<ResultCode> allowed, final CompletableFuture<CommandResult> f, final String what)
        {
            final CommandResult r;
            try
            {
                r = f.get(30, TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                fail(what + ": " + ex);
                return null;
            }
            if (!allowed.contains(r.code()))
            {
                fail(what + ": expected one of " + allowed + " got " + r);
            }
            return r;
        }

        @Override
        public void run()
        {
            while (!stop && failure.get() == null)
            {
                final int op = rnd.nextInt(100);
                if (op < 80)
                {
                    write();
                }
                else if (op < 88)
                {
                    split();
                }
                else if (op < 91)
                {
                    if (regions.size() > 4)
                    {
                        merge();
                    }
                }
                else if (op < 95)
                {
                    evict();
                }
                else if (op < 99)
                {
                    load();
                }
                else
                {
                    final long sp = Math.max(0, version - 2000);
                    expect(EnumSet.of(ResultCode.OK), cache.advanceSafePoint(sp), "safe point");
                }
            }
        }

        private List<Integer> keysIn(final HostRegion h)
        {
            final List<Integer> out = new ArrayList<>();
            for (int i = 0; i < KEYS; i++)
            {
                if (h.region().contains(keys[i]))
                {
                    out.add(i);
                }
            }
            return out;
        }

        private void write()
        {
            final HostRegion h = regions.get(rnd.nextInt(regions.size()));
            final List<Integer> in = keysIn(h);
            if (in.isEmpty())
            {
                return;
            }
            Collections.shuffle(in, rnd);
            final long v = ++version;
            final WriteBatch wb = new WriteBatch(h.id, h.epoch, v);
            final int n = 1 + rnd.nextInt(Math.min(6, in.size()));
            for (int j = 0; j < n; j++)
            {
                final int i = in.get(j);
                if (rnd.nextInt(5) == 0)
                {
                    history[i].put(v, TOMB);
                    wb.delete(keys[i]);
                }
                else
                {
                    final byte[] value = encode(keys[i], v);
                    history[i].put(v, value);
                    wb.put(keys[i], value);
                }
            }
            // The whole batch into the store at once, before the cache (README: a host writes each batch to its
            // store atomically). Written op by op, a load's snapshot opened between two ops held part of version v,
            // the load counted v as copied, and the cache SKIPPED the batch: the ops the snapshot missed were lost.
            store.applyBatch(wb);
            lastVersion.set(v);
            final CompletableFuture<CommandResult> f = cache.write(wb);
            writes++;
            // Pipeline writes; wait now and then so the queue stays short.
            if (rnd.nextInt(8) == 0)
            {
                expect(h.cached ? EnumSet.of(ResultCode.OK, ResultCode.SKIPPED) : EnumSet.of(ResultCode.NOT_CACHED),
                    f, "write to region " + h.id);
            }
            else
            {
                f.thenAccept(r ->
                {
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.SKIPPED &&
                        r.code() != ResultCode.NOT_CACHED)
                    {
                        failure.compareAndSet(null, "pipelined write failed: " + r);
                        failed.countDown();
                    }
                });
            }
        }

        private void split()
        {
            if (regions.size() > 24)
            {
                merge();
                return;
            }
            final int idx = rnd.nextInt(regions.size());
            final HostRegion h = regions.get(idx);
            final List<Integer> in = keysIn(h);
            in.removeIf(i -> cmp(keys[i], h.start) <= 0);
            final int n = 1 + rnd.nextInt(3);
            if (in.size() < n)
            {
                return;
            }
            Collections.shuffle(in, rnd);
            final List<Integer> chosen = new ArrayList<>(in.subList(0, n));
            Collections.sort(chosen);
            final byte[][] splitKeys = new byte[n][];
            final long[] ids = new long[n];
            for (int j = 0; j < n; j++)
            {
                splitKeys[j] = keys[chosen.get(j)];
                ids[j] = nextId++;
            }
            expect(h.cached ? EnumSet.of(ResultCode.OK) : EnumSet.of(ResultCode.NOT_CACHED, ResultCode.SKIPPED),
                cache.split(h.id, h.epoch, splitKeys, ids, h.epoch + 1), "split " + h.region());
            splits++;
            final List<HostRegion> children = new ArrayList<>();
            for (int j = 0; j <= n; j++)
            {
                final HostRegion c = new HostRegion(j == n ? h.id : ids[j], j == 0 ? h.start : splitKeys[j - 1],
                    j == n ? h.end : splitKeys[j], h.epoch + 1);
                c.cached = h.cached;
                children.add(c);
            }
            regions.remove(idx);
            regions.addAll(idx, children);
            publish();
        }

        private void merge()
        {
            if (regions.size() < 3)
            {
                return;
            }
            final int idx = rnd.nextInt(regions.size() - 1);
            final HostRegion left = regions.get(idx);
            final HostRegion right = regions.get(idx + 1);
            final boolean leftIsTarget = rnd.nextBoolean();
            final HostRegion target = leftIsTarget ? left : right;
            final HostRegion source = leftIsTarget ? right : left;
            expect(left.cached || right.cached ? EnumSet.of(ResultCode.OK) : EnumSet.of(ResultCode.NOT_CACHED),
                cache.commitMerge(target.id, source.id), "merge");
            merges++;
            final HostRegion merged = new HostRegion(target.id, left.start, right.end,
                Math.max(left.epoch, right.epoch) + 1);
            regions.remove(idx + 1);
            regions.set(idx, merged);
            publish();
            if (rnd.nextInt(3) != 0)
            {
                doLoad(merged);
            }
        }

        private void evict()
        {
            final HostRegion h = regions.get(rnd.nextInt(regions.size()));
            final CompletableFuture<CommandResult> f;
            if (rnd.nextInt(4) == 0)
            {
                f = cache.deleteRange(h.start, h.end);
            }
            else
            {
                f = cache.evict(h.id, EvictReason.MANUAL);
            }
            expect(h.cached ? EnumSet.of(ResultCode.OK) : EnumSet.of(ResultCode.NOT_CACHED), f, "evict");
            evictions++;
            h.cached = false;
            if (rnd.nextInt(4) != 0)
            {
                doLoad(h);
            }
        }

        private void load()
        {
            final List<HostRegion> cold = new ArrayList<>();
            for (final HostRegion h : regions)
            {
                if (!h.cached)
                {
                    cold.add(h);
                }
            }
            if (!cold.isEmpty())
            {
                doLoad(cold.get(rnd.nextInt(cold.size())));
            }
        }

        private void doLoad(final HostRegion h)
        {
            expect(EnumSet.of(ResultCode.OK), cache.loadRegion(h.region()), "load " + h.region());
            h.cached = true;
            loads++;
        }
    }
}
