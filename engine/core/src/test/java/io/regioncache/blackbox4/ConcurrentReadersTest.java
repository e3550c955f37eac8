package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * "The commands here are not waited for: the apply thread runs them in order, and a snapshot opened before they ran
 * answers a status, never a wrong value." and "A write batch becomes visible whole". Every batch writes every key of
 * its region with the batch's version as the value, so an open snapshot must see one value on every key, at or below
 * its read version, while splits, compactions and safe points run on a dedicated apply thread.
 */
class ConcurrentReadersTest
{
    record HostRegion(long id, char start, char end, long epoch)
    {
    }

    @Test
    void readersSeeWholeBatchesAcrossSplitsAndCompactions() throws Exception
    {
        final long seed = 77;
        System.out.println("ConcurrentReadersTest seed " + seed);
        final ExecutorService gc = Executors.newSingleThreadExecutor();
        final RegionCacheConfig cfg = H.invoker().threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .gcExecutor(gc).build();
        final AtomicReference<List<HostRegion>> host = new AtomicReference<>(List.of(new HostRegion(1, 'a', 'z', 1)));
        final AtomicLong safePoint = new AtomicLong();
        final AtomicLong splitsSubmitted = new AtomicLong();
        final AtomicLong splitsPublished = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        try (RegionCache c = RegionCache.create(cfg))
        {
            assertEquals(ResultCode.OK, c.createRegion(new Region(1, b("a"), b("z"), 1)).get(5, TimeUnit.SECONDS).code());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            final Thread reader = new Thread(() ->
            {
                final Random rnd = new Random(seed + 1);
                final Snapshot s = c.newSnapshot();
                long oks = 0;
                try
                {
                    while (System.nanoTime() < deadline && failure.get() == null)
                    {
                        final long publishedBefore = splitsPublished.get();
                        final long splitsBefore = splitsSubmitted.get();
                        final List<HostRegion> rs = host.get();
                        final HostRegion r = rs.get(rnd.nextInt(rs.size()));
                        final long rv = safePoint.get() + 1 + rnd.nextInt(200);
                        final SnapshotStatus st = s.open(r.id, r.epoch, rv);
                        if (st != SnapshotStatus.OK)
                        {
                            if (st == SnapshotStatus.EVICTING || st == SnapshotStatus.NOT_CACHED)
                            {
                                final StringBuilder ev = new StringBuilder();
                                c.metrics().values().forEach((k, x) ->
                                {
                                    if (k.startsWith("evictions.") && x.longValue() != 0)
                                    {
                                        ev.append(k).append('=').append(x).append(' ');
                                    }
                                });
                                throw new AssertionError("status " + st + " for " + r + " state " + c.stateOf(r.id) +
                                    " mem " + c.memoryInUse() + " evictions: " + ev);
                            }
                            assertTrue(st == SnapshotStatus.EPOCH_MISMATCH || st == SnapshotStatus.TOO_OLD_READ,
                                "status " + st);
                            // the host list did not change around the open: r is the region at its current epoch,
                            // and its split had been applied (the future completed) before the list was published
                            assertTrue(st != SnapshotStatus.EPOCH_MISMATCH || host.get() != rs ||
                                splitsSubmitted.get() != splitsBefore || publishedBefore != splitsBefore,
                                () -> "EPOCH_MISMATCH at the current epoch of " + r);
                            continue;
                        }
                        oks++;
                        final long eff = s.readVersion();
                        assertTrue(eff <= rv, "effective " + eff + " > " + rv);
                        String seen = null;
                        for (char ch = r.start; ch < r.end; ch++)
                        {
                            final byte[] v = s.get(b("" + ch));
                            final String vs = v == null ? "<null>" : H.s(v);
                            if (seen == null)
                            {
                                seen = vs;
                            }
                            assertEquals(seen, vs, "region " + r + " @" + eff + " key " + ch);
                        }
                        if (!seen.equals("<null>"))
                        {
                            assertTrue(Long.parseLong(seen) <= eff, "value " + seen + " above " + eff);
                        }
                        int n = 0;
                        final SnapshotIterator it = s.iterator();
                        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                        {
                            assertEquals(seen, H.s(it.value()), "scan " + r + " key " + H.s(it.key()));
                            n++;
                        }
                        assertEquals(seen.equals("<null>") ? 0 : r.end - r.start, n, "scan count " + r);
                        s.close();
                    }
                    assertTrue(oks > 100, "reads opened: " + oks);
                }
                catch (Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
                finally
                {
                    s.close();
                }
            });
            reader.start();
            final Random rnd = new Random(seed);
            long v = 0;
            long nextId = 2;
            while (System.nanoTime() < deadline && failure.get() == null)
            {
                final List<HostRegion> rs = new ArrayList<>(host.get());
                final int op = rnd.nextInt(100);
                final int idx = rnd.nextInt(rs.size());
                final HostRegion r = rs.get(idx);
                if (op < 80)
                {
                    final WriteBatch w = new WriteBatch(r.id, r.epoch, ++v);
                    for (char ch = r.start; ch < r.end; ch++)
                    {
                        w.put(b("" + ch), b(Long.toString(v)));
                    }
                    final CommandResult res = c.write(w).get(5, TimeUnit.SECONDS);
                    assertEquals(ResultCode.OK, res.code(), res::toString);
                }
                else if (op < 88 && r.end - r.start >= 2)
                {
                    final char k = (char) (r.start + 1 + rnd.nextInt(r.end - r.start - 1));
                    final long id = nextId++;
                    splitsSubmitted.incrementAndGet();
                    final CommandResult res = c.split(r.id, r.epoch, new byte[][] {b("" + k)}, new long[] {id},
                        r.epoch + 1).get(5, TimeUnit.SECONDS);
                    assertEquals(ResultCode.OK, res.code(), res::toString);
                    rs.set(idx, new HostRegion(r.id, k, r.end, r.epoch + 1));
                    rs.add(idx, new HostRegion(id, r.start, k, r.epoch + 1));
                    host.set(List.copyOf(rs));
                    splitsPublished.incrementAndGet();
                }
                else if (op < 94)
                {
                    final CommandResult res = c.compact(r.id).get(5, TimeUnit.SECONDS);
                    assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.SKIPPED, res::toString);
                }
                else
                {
                    final long sp = Math.max(0, v - 100);
                    final CommandResult res = c.advanceSafePoint(sp).get(5, TimeUnit.SECONDS);
                    assertEquals(ResultCode.OK, res.code(), res::toString);
                    safePoint.set(sp);
                }
            }
            reader.join(10_000);
            if (failure.get() != null)
            {
                throw new AssertionError("seed " + seed, failure.get());
            }
            System.out.println("versions written " + v + ", regions " + host.get().size());
        }
        finally
        {
            gc.shutdownNow();
        }
    }
}
