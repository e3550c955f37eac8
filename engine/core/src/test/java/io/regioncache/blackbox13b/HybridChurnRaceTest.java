package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b: loads racing writes to the same keys, evictions, compactions, safe points and store GC, on the
 * dedicated apply thread; a reader checks every answer against a precomputed MVCC model (README 1139-1141: a load
 * never misses a write and never applies one twice; 1143: the hybrid reader's answer is the store's answer).
 */
class HybridChurnRaceTest
{
    private static final int KEYS = 12;
    private static final int VERSIONS = Integer.getInteger("versions", 3_000);

    @Test
    void churnWhileWritingAndReading() throws Exception
    {
        final long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("HybridChurnRaceTest seed=" + seed);
        final Random rnd = new Random(seed);
        // model: per key, version -> value (null = tombstone)
        final List<TreeMap<Long, String>> model = new ArrayList<>();
        for (int i = 0; i < KEYS; i++)
        {
            model.add(new TreeMap<>());
        }
        final List<WriteBatch> batches = new ArrayList<>();
        for (long v = 1; v <= VERSIONS; v++)
        {
            final WriteBatch w = new WriteBatch(1, 5, v);
            final int n = 1 + rnd.nextInt(3);
            final boolean[] used = new boolean[KEYS];
            for (int j = 0; j < n; j++)
            {
                final int k = rnd.nextInt(KEYS);
                if (used[k])
                {
                    continue;
                }
                used[k] = true;
                if (rnd.nextInt(5) == 0)
                {
                    w.delete(key(k));
                    model.get(k).put(v, null);
                }
                else
                {
                    final String val = "v" + v + "-" + k;
                    w.put(key(k), b(val));
                    model.get(k).put(v, val);
                }
            }
            batches.add(w);
        }
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final Region region = new Region(1, b("k"), b("l"), 5);
        final AtomicLong acked = new AtomicLong(0);
        final AtomicLong safePoint = new AtomicLong(-1);
        // the lowest version the reader may still read at: safe points stay below it (a host gives no safe point
        // above a read in flight, as TiKV's GC never passes the oldest active read)
        final AtomicLong readFloor = new AtomicLong(0);
        final AtomicBoolean done = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final ExecutorService pool = Executors.newFixedThreadPool(3);
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).closeTimeoutMillis(5_000)))
        {
            assertEquals(ResultCode.OK, e.await(e.loadRegion(region)).code());
            final Future<?> writer = pool.submit(() ->
            {
                for (final WriteBatch w : batches)
                {
                    final CommandResult r = e.write(w).orTimeout(30, TimeUnit.SECONDS).join();
                    switch (r.code())
                    {
                        case OK, NOT_CACHED, SKIPPED -> { }
                        default -> failures.add("write " + w.version() + " answered " + r);
                    }
                    acked.set(w.version());
                }
                return null;
            });
            final Future<?> chaos = pool.submit(() ->
            {
                final Random cr = new Random(seed + 1);
                while (!done.get())
                {
                    final int op = cr.nextInt(6);
                    final long a = acked.get();
                    switch (op)
                    {
                        case 0 -> e.evict(1, EvictReason.MANUAL).orTimeout(30, TimeUnit.SECONDS).join();
                        case 1, 2 -> e.loadRegion(region).orTimeout(30, TimeUnit.SECONDS).join();
                        case 3 -> e.cache().compact(1).orTimeout(30, TimeUnit.SECONDS).join();
                        case 4 ->
                        {
                            final long sp = Math.min(a - 40, readFloor.get() - 1);
                            if (sp > safePoint.get())
                            {
                                e.advanceSafePoint(sp).orTimeout(30, TimeUnit.SECONDS).join();
                                safePoint.set(sp);
                            }
                        }
                        default ->
                        {
                            final long sp = Math.min(a - 80, readFloor.get() - 1);
                            if (sp > 0 && cr.nextInt(4) == 0)
                            {
                                e.gc(sp);
                                safePoint.accumulateAndGet(sp, Math::max);
                            }
                        }
                    }
                    Thread.yield();
                }
                return null;
            });
            final Future<?> reader = pool.submit(() ->
            {
                final Random rr = new Random(seed + 2);
                try (HybridReader rd = e.newReader())
                {
                    while (!done.get())
                    {
                        final long a = acked.get();
                        if (a < 1)
                        {
                            Thread.onSpinWait();
                            continue;
                        }
                        final long lo = Math.max(1, a - 30);
                        readFloor.set(lo);
                        final long rv = lo + rr.nextInt((int)(a - lo + 1));
                        try
                        {
                            if (rr.nextInt(8) == 0)
                            {
                                final List<String> got = new ArrayList<>();
                                try (HybridScan sc = rd.scan(1, 5, rv, b("k"), b("l")))
                                {
                                    while (sc.next())
                                    {
                                        got.add(s(sc.valueBytes()));
                                    }
                                }
                                final List<String> exp = new ArrayList<>();
                                for (int k = 0; k < KEYS; k++)
                                {
                                    final var en = model.get(k).floorEntry(rv);
                                    if (en != null && en.getValue() != null)
                                    {
                                        exp.add(en.getValue());
                                    }
                                }
                                if (!exp.equals(got))
                                {
                                    failures.add("scan@" + rv + " status " + rd.lastStatus() + " got " + got + " want " + exp);
                                }
                            }
                            else
                            {
                                final int k = rr.nextInt(KEYS);
                                final String got = s(rd.get(1, 5, rv, key(k)));
                                final var en = model.get(k).floorEntry(rv);
                                final String exp = en == null ? null : en.getValue();
                                if (exp == null ? got != null : !exp.equals(got))
                                {
                                    failures.add("get " + k + "@" + rv + " status " + rd.lastStatus() + " got " + got + " want " + exp);
                                }
                            }
                        }
                        catch (final StoreException ex)
                        {
                            {
                                failures.add("StoreException at " + rv + " >= store gc " + e.store().gcSafePoint() + ": " + ex);
                            }
                        }
                        if (failures.size() > 20)
                        {
                            return null;
                        }
                    }
                }
                return null;
            });
            writer.get(120, TimeUnit.SECONDS);
            done.set(true);
            chaos.get(60, TimeUnit.SECONDS);
            reader.get(60, TimeUnit.SECONDS);
            assertTrue(failures.isEmpty(), "seed " + seed + ": " + failures);
            System.out.println("HybridChurnRaceTest " + e.metrics() + " " + e.cache().metrics().get("loads.completed"));
            assertTrue(e.metrics().cacheReads() > 0 && e.metrics().storeReads() > 0, e.metrics()::toString);
            e.await(e.loadRegion(region));
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                assertTrue(r.ok(), "seed " + seed + ": " + r);
            }
        }
        finally
        {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static byte[] key(final int k)
    {
        return b(String.format("k%02d", k));
    }
}
