package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.WritableStore;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b: INVOKER mode with the loader and GC jobs held and run at random points, in random order, so a split, a
 * merge, an eviction, a delete-range, a safe point or a write lands at every stage of a load or a compaction. After
 * every step each key is read through the hybrid reader at several versions and compared with the store's own
 * answer (the store is the truth; the cache must never answer differently). Seeded; the seed is printed.
 */
public class DeterministicInterleavingTest
{
    private static final int KEYS = 40;

    private static byte[] key(final int i)
    {
        return b(String.format("k%02d", i));
    }

    private static int index(final byte[] bound, final boolean end)
    {
        if (bound.length == 1)
        {
            return end ? KEYS : 0;
        }
        return Integer.parseInt(s(bound).substring(1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomInterleavings(final int run)
    {
        final long seed = Long.getLong("seed", System.nanoTime()) + run;
        run("DeterministicInterleavingTest", seed, new InMemoryBackingStore());
    }

    /**
     * One seeded interleaving over {@code store} (also run on RocksDB by the rocksdb module's
     * {@code RocksInterleavingTest}); the engine does not own the store, the caller closes it.
     *
     * @param name the test's name, printed with the seed.
     * @param seed the seed (replay: {@code -Dseed=N} minus the run number).
     * @param store an empty store.
     */
    public static void run(final String name, final long seed, final WritableStore store)
    {
        System.out.println(name + " seed=" + seed);
        final Random rnd = new Random(seed);
        final List<Runnable> held = new ArrayList<>();
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(held::add).gcExecutor(held::add).pipelinedLoads(rnd.nextBoolean())
            .inlineNewestVersions(rnd.nextBoolean()).closeTimeoutMillis(5_000)))
        {
            final List<Region> layout = new ArrayList<>(List.of(new Region(1, b("k"), b("l"), 1)));
            final List<CompletableFuture<CommandResult>> pending = new ArrayList<>();
            long nextId = 2;
            long v = 0;
            long sp = -1;
            final StringBuilder log = new StringBuilder();
            try (HybridReader rd = e.newReader())
            {
                for (int step = 0; step < 1_500; step++)
                {
                    final int op = rnd.nextInt(100);
                    final int ri = rnd.nextInt(layout.size());
                    final Region r = layout.get(ri);
                    final int lo = index(r.start(), false);
                    final int hi = index(r.end(), true);
                    if (op < 40)
                    {
                        v++;
                        final WriteBatch w = new WriteBatch(r.id(), r.epochVersion(), v);
                        final boolean[] used = new boolean[KEYS];
                        for (int j = 0; j < 1 + rnd.nextInt(3); j++)
                        {
                            final int k = lo + rnd.nextInt(hi - lo);
                            if (!used[k])
                            {
                                used[k] = true;
                                if (rnd.nextInt(5) == 0)
                                {
                                    w.delete(key(k));
                                }
                                else
                                {
                                    w.put(key(k), b("v" + v + "k" + k));
                                }
                            }
                        }
                        log.append("write ").append(r.id()).append('@').append(v).append('\n');
                        pending.add(e.write(w));
                    }
                    else if (op < 50)
                    {
                        log.append("load ").append(r).append('\n');
                        pending.add(e.loadRegion(r));
                    }
                    else if (op < 55)
                    {
                        log.append("evict ").append(r).append('\n');
                        pending.add(e.evict(r.id(), EvictReason.MANUAL));
                    }
                    else if (op < 60 && hi - lo >= 2)
                    {
                        final int sk = lo + 1 + rnd.nextInt(hi - lo - 1);
                        final long id = nextId++;
                        final long ep = r.epochVersion() + 1;
                        log.append("split ").append(r).append(" at ").append(sk).append(" new ").append(id).append('\n');
                        pending.add(e.split(r.id(), r.epochVersion(), new byte[][] {key(sk)}, new long[] {id}, ep));
                        layout.set(ri, new Region(r.id(), key(sk), r.end(), ep));
                        layout.add(ri, new Region(id, r.start(), key(sk), ep));
                    }
                    else if (op < 63 && layout.size() > 1)
                    {
                        final int li = Math.min(ri, layout.size() - 2);
                        final Region left = layout.get(li);
                        final Region right = layout.get(li + 1);
                        final boolean intoLeft = rnd.nextBoolean();
                        final Region src = intoLeft ? right : left;
                        final Region dst = intoLeft ? left : right;
                        log.append("merge ").append(src).append(" into ").append(dst).append('\n');
                        pending.add(e.prepareMerge(src.id()));
                        pending.add(e.commitMerge(dst.id(), src.id()));
                        layout.remove(li + 1);
                        layout.set(li, new Region(dst.id(), left.start(), right.end(),
                            Math.max(left.epochVersion(), right.epochVersion()) + 1));
                    }
                    else if (op < 68)
                    {
                        log.append("compact ").append(r.id()).append('\n');
                        pending.add(e.cache().compact(r.id()));
                    }
                    else if (op < 70 && v > 5)
                    {
                        final long next = v - rnd.nextInt(5);
                        if (next > sp)
                        {
                            sp = next;
                            log.append("safePoint ").append(sp).append('\n');
                            pending.add(e.advanceSafePoint(sp));
                        }
                    }
                    else if (op < 71 && v > 5)
                    {
                        final long next = v - rnd.nextInt(5);
                        if (next > sp)
                        {
                            drain(e, pending);
                            sp = next;
                            log.append("gc ").append(sp).append('\n');
                            e.gc(sp);
                        }
                    }
                    else if (op < 73)
                    {
                        v++;
                        final int a = lo + rnd.nextInt(hi - lo);
                        final int c = a + 1 + rnd.nextInt(Math.max(1, Math.min(5, KEYS - a)));
                        log.append("deleteRange ").append(a).append("..").append(c).append('@').append(v).append('\n');
                        pending.add(e.deleteRange(key(a), c >= KEYS ? b("l") : key(c), v));
                    }
                    else if (op < 90 && !held.isEmpty())
                    {
                        log.append("run held job\n");
                        held.remove(rnd.nextInt(held.size())).run();
                    }
                    else
                    {
                        for (int i = 0; i < 1 + rnd.nextInt(3); i++)
                        {
                            e.applyCycle();
                        }
                    }
                    if (rnd.nextInt(4) == 0)
                    {
                        drain(e, pending);
                        check(e, rd, store, layout, v, sp, seed, log);
                    }
                }
                while (!held.isEmpty())
                {
                    held.remove(0).run();
                    for (int i = 0; i < 4; i++)
                    {
                        e.applyCycle();
                    }
                }
                drain(e, pending);
                check(e, rd, store, layout, v, sp, seed, log);
            }
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                if (r.status() == SnapshotStatus.OK)
                {
                    assertTrue(r.ok(), "seed " + seed + ": " + r);
                }
            }
            System.out.println(name + " seed=" + seed + " " + e.metrics());
        }
    }

    private static void drain(final HybridEngine e, final List<CompletableFuture<CommandResult>> pending)
    {
        for (final CompletableFuture<CommandResult> f : pending)
        {
            final CommandResult r = e.await(f);
            assertNotEquals(ResultCode.QUEUE_FULL, r.code());
        }
        pending.clear();
    }

    private static void check(
        final HybridEngine e, final HybridReader rd, final WritableStore store, final List<Region> layout,
        final long v, final long sp, final long seed, final StringBuilder log)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
        for (final Region r : layout)
        {
            for (int k = index(r.start(), false); k < index(r.end(), true); k++)
            {
                for (long rv = Math.max(sp + 1, Math.max(1, v - 6)); rv <= v; rv++)
                {
                    final byte[] kk = key(k);
                    final int n = store.get(new UnsafeBuffer(kk), 0, kk.length, rv, dst, 0);
                    final String want = n < 0 ? null : new String(dst.byteArray(), 0, n);
                    final String got = s(rd.get(r.id(), r.epochVersion(), rv, kk));
                    if (want == null ? got != null : !want.equals(got))
                    {
                        final String tail = log.length() > 3000 ? log.substring(log.length() - 3000) : log.toString();
                        fail("seed " + seed + ": key " + k + " @" + rv + " via " + r + " (" + rd.lastStatus() +
                            ", state " + e.cache().stateOf(r.id()) + ") got " + got + " want " + want + "\n" + tail);
                    }
                }
            }
        }
    }
}
