package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b: one host thread (the apply stream) writes, splits, merges, loads, evicts and compacts, pipelined; loads
 * run on the loader thread meanwhile; a reader routes keys by the layout the host last published and checks every
 * answer against an MVCC model. README "How it works" (splits during loads, eviction while pinned, records never
 * reused) and the hybrid reader's fall-through (README 1143).
 */
class SplitMergeChurnTest
{
    private static final int KEYS = 200;

    private static byte[] key(final int i)
    {
        return b(String.format("k%03d", i));
    }

    private static int index(final byte[] start, final boolean end)
    {
        if (start.length == 1)
        {
            return end ? KEYS : 0; // "k" and "l"
        }
        return Integer.parseInt(s(start).substring(1));
    }

    @Test
    void splitsMergesLoadsEvictionsUnderReads() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("SplitMergeChurnTest seed=" + seed);
        final Random rnd = new Random(seed);
        final List<TreeMap<Long, String>> model = new ArrayList<>();
        for (int i = 0; i < KEYS; i++)
        {
            final TreeMap<Long, String> m = new TreeMap<>();
            model.add(m);
        }
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final AtomicLong acked = new AtomicLong();
        final AtomicBoolean done = new AtomicBoolean();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        // layout: sorted list of regions covering [k, l)
        final List<Region> initial = List.of(new Region(1, b("k"), b("l"), 1));
        final java.util.concurrent.atomic.AtomicReference<List<Region>> published = new java.util.concurrent.atomic.AtomicReference<>(initial);
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(256L << 20).segmentSize(1 << 16).closeTimeoutMillis(10_000)))
        {
            assertEquals(ResultCode.OK, e.await(e.loadRegion(initial.get(0))).code());
            final Future<?> reader = pool.submit(() ->
            {
                final Random rr = new Random(seed + 1);
                try (HybridReader rd = e.newReader())
                {
                    while (!done.get() && failures.size() < 10)
                    {
                        final long a = acked.get();
                        if (a < 1)
                        {
                            Thread.onSpinWait();
                            continue;
                        }
                        final List<Region> layout = published.get();
                        final int k = rr.nextInt(KEYS);
                        final long rv = Math.max(1, a - rr.nextInt(20));
                        Region r = null;
                        for (final Region x : layout)
                        {
                            if (x.contains(key(k)))
                            {
                                r = x;
                            }
                        }
                        final String exp;
                        synchronized (model.get(k))
                        {
                            final var en = model.get(k).floorEntry(rv);
                            exp = en == null ? null : en.getValue();
                        }
                        try
                        {
                            final String got = s(rd.get(r.id(), r.epochVersion(), rv, key(k)));
                            if (exp == null ? got != null : !exp.equals(got))
                            {
                                failures.add("get " + k + "@" + rv + " via " + r + " status " + rd.lastStatus() + " got " + got + " want " + exp);
                            }
                        }
                        catch (final IllegalArgumentException ex)
                        {
                            failures.add("IAE reading " + k + " via " + r + " status " + rd.lastStatus() + ": " + ex.getMessage());
                        }
                    }
                }
                return null;
            });
            List<Region> layout = new ArrayList<>(initial);
            long nextId = 2;
            final ArrayDeque<CompletableFuture<CommandResult>> window = new ArrayDeque<>();
            final ArrayDeque<String> windowWhat = new ArrayDeque<>();
            final ArrayDeque<Long> windowVersion = new ArrayDeque<>();
            final int versions = Integer.getInteger("versions", 6_000);
            for (long v = 1; v <= versions; v++)
            {
                final int op = rnd.nextInt(100);
                CompletableFuture<CommandResult> f;
                String what;
                if (op < 3)
                {
                    // split a region holding at least two keys at a key strictly inside
                    final int ri = rnd.nextInt(layout.size());
                    final Region r = layout.get(ri);
                    final int lo = index(r.start(), false);
                    final int hi = index(r.end(), true);
                    if (hi - lo < 2)
                    {
                        v--;
                        continue;
                    }
                    final int sk = lo + 1 + rnd.nextInt(hi - lo - 1);
                    final long id = nextId++;
                    final long ep = r.epochVersion() + 1;
                    f = e.split(r.id(), r.epochVersion(), new byte[][] {key(sk)}, new long[] {id}, ep);
                    what = "split " + r + " at " + sk;
                    layout.set(ri, new Region(r.id(), key(sk), r.end(), ep));
                    layout.add(ri, new Region(id, r.start(), key(sk), ep));
                    v--; // no version used
                }
                else if (op < 5 && layout.size() > 1)
                {
                    final int ri = rnd.nextInt(layout.size() - 1);
                    final Region left = layout.get(ri);
                    final Region right = layout.get(ri + 1);
                    final boolean intoLeft = rnd.nextBoolean();
                    final Region src = intoLeft ? right : left;
                    final Region dst = intoLeft ? left : right;
                    e.prepareMerge(src.id());
                    f = e.commitMerge(dst.id(), src.id());
                    what = "merge " + src + " into " + dst;
                    final Region merged = new Region(dst.id(), left.start(), right.end(),
                        Math.max(left.epochVersion(), right.epochVersion()) + 1);
                    layout.remove(ri + 1);
                    layout.set(ri, merged);
                    v--;
                }
                else if (op < 14)
                {
                    final Region r = layout.get(rnd.nextInt(layout.size()));
                    f = rnd.nextInt(5) != 0 ? e.loadRegion(r) : e.evict(r.id(), EvictReason.MANUAL);
                    what = "load/evict " + r;
                    v--;
                }
                else if (op < 15)
                {
                    final Region r = layout.get(rnd.nextInt(layout.size()));
                    f = e.cache().compact(r.id());
                    what = "compact " + r;
                    v--;
                }
                else
                {
                    // a write to one region, one to three of its keys
                    final Region r = layout.get(rnd.nextInt(layout.size()));
                    final int lo = index(r.start(), false);
                    final int hi = index(r.end(), true);
                    final WriteBatch w = new WriteBatch(r.id(), r.epochVersion(), v);
                    final boolean[] used = new boolean[KEYS];
                    for (int j = 0; j < 1 + rnd.nextInt(3); j++)
                    {
                        final int k = lo + rnd.nextInt(hi - lo);
                        if (used[k])
                        {
                            continue;
                        }
                        used[k] = true;
                        final String val = rnd.nextInt(5) == 0 ? null : "v" + v + "k" + k;
                        if (val == null)
                        {
                            w.delete(key(k));
                        }
                        else
                        {
                            w.put(key(k), b(val));
                        }
                        synchronized (model.get(k))
                        {
                            model.get(k).put(v, val);
                        }
                    }
                    f = e.write(w);
                    what = "write@" + v + " " + r;
                }
                published.set(List.copyOf(layout));
                window.add(f);
                windowWhat.add(what);
                windowVersion.add(v);
                while (window.size() > 8)
                {
                    settle(window.poll(), windowWhat.poll(), windowVersion.poll(), acked, failures);
                }
            }
            while (!window.isEmpty())
            {
                settle(window.poll(), windowWhat.poll(), windowVersion.poll(), acked, failures);
            }
            done.set(true);
            reader.get(60, TimeUnit.SECONDS);
            assertTrue(failures.isEmpty(), "seed " + seed + ": " + failures);
            for (final Region r : layout)
            {
                e.await(e.loadRegion(r));
            }
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                assertTrue(r.ok(), "seed " + seed + ": " + r);
            }
            System.out.println("SplitMergeChurnTest " + e.metrics() + " regions " + layout.size());
        }
        finally
        {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static void settle(
        final CompletableFuture<CommandResult> f, final String what, final long v, final AtomicLong acked,
        final ConcurrentLinkedQueue<String> failures)
    {
        final CommandResult r = f.orTimeout(30, TimeUnit.SECONDS).join();
        if (what.startsWith("write"))
        {
            switch (r.code())
            {
                case OK, NOT_CACHED, SKIPPED -> { }
                default -> failures.add(what + " answered " + r);
            }
        }
        else if (r.code() == ResultCode.INVALID || r.code() == ResultCode.STALE_EPOCH || r.code() == ResultCode.EPOCH_DRIFT)
        {
            failures.add(what + " answered " + r);
        }
        acked.accumulateAndGet(v, Math::max);
    }
}
