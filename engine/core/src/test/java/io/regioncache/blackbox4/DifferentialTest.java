package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Random sequences of splits, merges (prepare/commit/rollback), range evictions, loads, writes, safe points and
 * compactions, against a TreeMap model of what README says each read returns:
 * "A load takes the store snapshot as the truth up to the newest version it copied";
 * "Snapshots taken before the split keep reading the same table, and opening the old epoch returns EPOCH_MISMATCH";
 * "Snapshots already open keep their table; reads at or below the safe point are refused";
 * "[compaction keeps] only the newest version at or below the safe point" (and everything above it);
 * "a snapshot reads at min(readVersion, last batch published at open)".
 * <p>
 * Two modes share the model: {@link #syncLoads} loads a region on the default loader and waits for ACTIVE;
 * {@link #asyncLoads} queues loads on a held executor, so writes, splits, merges, evictions and reads also meet
 * LOADING regions, and toggles the cache ("every region is evicted with EvictReason.DISABLED").
 */
class DifferentialTest
{
    /** One host region (the host's partition of [a, z) always covers it). */
    static final class HR
    {
        long id;
        String start;
        String end;
        long epoch;
        boolean cached;
        boolean loading;
        long spLow;  // the record's safe point is at least this
        long spHigh; // and at most this

        HR(final long id, final String start, final String end, final long epoch)
        {
            this.id = id;
            this.start = start;
            this.end = end;
            this.epoch = epoch;
        }

        @Override
        public String toString()
        {
            return id + "[" + start + "," + end + ")e" + epoch + (cached ? " cached sp " + spLow + ".." + spHigh : "") + (loading ? " loading" : "");
        }
    }

    static final class Pinned
    {
        Snapshot snap;
        String start;
        String end;
        long rv;
    }

    private final Map<String, TreeMap<Long, String>> model = new HashMap<>();
    private final List<HR> host = new ArrayList<>();
    private final List<Pinned> pinned = new ArrayList<>();
    private final StringBuilder log = new StringBuilder();
    private long version;
    private long nextId = 2;
    private long globalSp;
    /** The engine remembers a region id's safe point across its incarnations (not a README promise either way). */
    private final Map<Long, Long> spById = new HashMap<>();
    /** Null in the synchronous mode: loads run on the default loader and are awaited. */
    private H.Held loader;
    private boolean enabled = true;

    private String modelRead(final String key, final long rv)
    {
        final TreeMap<Long, String> h = model.get(key);
        if (h == null)
        {
            return "<null>";
        }
        final Map.Entry<Long, String> e = h.floorEntry(rv);
        return e == null || e.getValue() == null ? "<null>" : e.getValue();
    }

    private List<String> modelScan(final String start, final String end, final long rv)
    {
        final List<String> out = new ArrayList<>();
        for (final String k : keysIn(start, end))
        {
            final String v = modelRead(k, rv);
            if (!v.equals("<null>"))
            {
                out.add(k + "=" + v);
            }
        }
        return out;
    }

    /** "SnapshotIterator it = snap.iterator(lower, upper); // [lower, upper) inside the region" */
    private void checkScans(final Snapshot s, final String start, final String end, final long rv, final Random rnd,
        final String ctx)
    {
        final List<String> exp = modelScan(start, end, rv);
        assertEquals(exp, H.scan(s, null, null), () -> ctx + " forward scan");
        assertEquals(exp, H.scanBack(s, null, null), () -> ctx + " backward scan");
        assertEquals(exp, H.mapView(s), () -> ctx + " map view");
        final List<String> keys = keysIn(start, end);
        final String lo = keys.get(rnd.nextInt(keys.size()));
        final String hi = keys.get(rnd.nextInt(keys.size()));
        if (lo.compareTo(hi) < 0)
        {
            final List<String> sub = new ArrayList<>();
            for (final String e : exp)
            {
                final String k = e.substring(0, e.indexOf('='));
                if (k.compareTo(lo) >= 0 && k.compareTo(hi) < 0)
                {
                    sub.add(e);
                }
            }
            assertEquals(sub, H.scan(s, b(lo), b(hi)), () -> ctx + " scan [" + lo + "," + hi + ")");
            assertEquals(sub, H.scanBack(s, b(lo), b(hi)), () -> ctx + " back scan [" + lo + "," + hi + ")");
        }
    }

    private static List<String> keysIn(final String start, final String end)
    {
        final List<String> out = new ArrayList<>();
        for (char ch = start.charAt(0); ch < end.charAt(0); ch++)
        {
            for (int d = 0; d < 3; d++)
            {
                out.add("" + ch + d);
            }
        }
        return out;
    }

    private Region region(final HR r)
    {
        return new Region(r.id, b(r.start), b(r.end), r.epoch);
    }

    private CommandResult run(final RegionCache c, final String what, final java.util.concurrent.CompletableFuture<CommandResult> f)
        throws Exception
    {
        final CommandResult r = H.await(c, f);
        log.append(what).append(" -> ").append(r).append('\n');
        return r;
    }

    private void expectCode(final CommandResult r, final ResultCode... ok)
    {
        assertTrue(Arrays.asList(ok).contains(r.code()), () -> "expected " + Arrays.toString(ok) + " got " + r);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 20251205L, 424242L})
    void syncLoads(final long seed) throws Exception
    {
        randomSequences("DifferentialTest", seed, false, 400);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 20251205L, 424242L})
    void asyncLoads(final long seed) throws Exception
    {
        randomSequences("DifferentialTest (async loads)", seed, true, 600);
    }

    private void randomSequences(final String name, final long seed, final boolean async, final int steps)
        throws Exception
    {
        System.out.println(name + " seed " + seed);
        final Random rnd = new Random(seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final H.Held gc = new H.Held();
        loader = async ? new H.Held() : null;
        final io.regioncache.RegionCacheConfig.Builder builder = H.invoker().backingStore(store).gcExecutor(gc);
        try (RegionCache c = RegionCache.create((async ? builder.loaderExecutor(loader) : builder).build()))
        {
            final HR first = new HR(1, "a", "z", 1);
            host.add(first);
            for (int step = 0; step < steps; step++)
            {
                try
                {
                    step(c, store, gc, rnd);
                    checkPinned();
                }
                catch (Throwable t)
                {
                    final String tail = log.length() > 6000 ? log.substring(log.length() - 6000) : log.toString();
                    fail("seed " + seed + " step " + step + " host " + host + "\n" + tail, t);
                }
            }
            for (final Pinned p : pinned)
            {
                p.snap.close();
            }
            final String all = log.toString();
            System.out.println("seed " + seed + " stats: splitOK=" + count(all, "split .* loading.* -> OK") + "/" +
                count(all, "split .* -> OK") + " writeBuffered=" + count(all, "write .*loading.* -> OK") +
                " loads=" + count(all, "load .* -> OK") + " commitOK=" + count(all, "commitMerge .* -> OK") +
                " compactOK=" + count(all, "compact .* -> OK") + " gcRuns=" + count(all, "gc jobs run: [1-9]") +
                " pins=" + count(all, "pin ") + " disable=" + count(all, "setEnabled.false. -> OK"));
        }
    }

    private static int count(final String all, final String regex)
    {
        int n = 0;
        for (final String line : all.split("\n"))
        {
            if (line.matches(regex + ".*"))
            {
                n++;
            }
        }
        return n;
    }

    private void checkPinned()
    {
        for (final Pinned p : pinned)
        {
            for (final String k : keysIn(p.start, p.end))
            {
                final String exp = modelRead(k, p.rv);
                assertEquals(exp, H.get(p.snap, k), () -> "pinned snapshot [" + p.start + "," + p.end + ")@" + p.rv +
                    " key " + k);
            }
            checkScans(p.snap, p.start, p.end, p.rv, scanRnd, "pinned [" + p.start + "," + p.end + ")@" + p.rv);
        }
    }

    private final Random scanRnd = new Random(99);

    /** The synchronous mode's load: ACTIVE once the load's cycles ran. */
    private void loadAndAwait(final RegionCache c, final HR r) throws Exception
    {
        if (r.cached)
        {
            final CommandResult res = run(c, "load cached " + r, c.loadRegion(region(r)));
            // "also a load of a region cached already (same id, range and epoch version ...)" SKIPPED
            expectCode(res, ResultCode.SKIPPED);
            return;
        }
        final CommandResult res = run(c, "load " + r, c.loadRegion(region(r)));
        expectCode(res, ResultCode.OK);
        H.cycles(c, 30);
        assertEquals(io.regioncache.RegionState.ACTIVE, c.stateOf(r.id), () -> "loaded " + r);
        r.cached = true;
        r.spLow = 0;
        r.spHigh = Math.max(globalSp, spById.getOrDefault(r.id, 0L));
    }

    private void step(final RegionCache c, final InMemoryBackingStore store, final H.Held gc, final Random rnd)
        throws Exception
    {
        final int op = rnd.nextInt(100);
        final HR r = host.get(rnd.nextInt(host.size()));
        if (op < 30)
        {
            // write a batch of 1-3 keys of r
            final long v = ++version;
            final WriteBatch w = new WriteBatch(r.id, r.epoch, v);
            final List<String> keys = keysIn(r.start, r.end);
            final Map<String, String> batch = new TreeMap<>();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--)
            {
                final String k = keys.get(rnd.nextInt(keys.size()));
                batch.put(k, rnd.nextInt(5) == 0 ? null : k + "@" + v);
            }
            batch.forEach((k, val) ->
            {
                if (val == null)
                {
                    w.delete(b(k));
                }
                else
                {
                    w.put(b(k), b(val));
                }
            });
            store.applyBatch(w);
            batch.forEach((k, val) -> model.computeIfAbsent(k, x -> new TreeMap<>()).put(v, val));
            final CommandResult res = run(c, "write " + r + " v" + v + " " + batch, c.write(w));
            if (r.loading)
            {
                // LOADING: "Writes that arrive meanwhile are buffered and replayed"; PENDING: "a write to a PENDING
                // region" SKIPPED (the store has it and the load's snapshot will)
                expectCode(res, ResultCode.OK, ResultCode.SKIPPED);
            }
            else
            {
                expectCode(res, r.cached ? ResultCode.OK : ResultCode.NOT_CACHED);
            }
        }
        else if (op < 38)
        {
            // split r at 1-3 keys
            final int width = r.end.charAt(0) - r.start.charAt(0);
            if (width < 2)
            {
                return;
            }
            final java.util.TreeSet<Character> ks = new java.util.TreeSet<>();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--)
            {
                ks.add((char) (r.start.charAt(0) + 1 + rnd.nextInt(width - 1)));
            }
            final byte[][] keys = new byte[ks.size()][];
            final long[] ids = new long[ks.size()];
            int i = 0;
            String prev = r.start;
            final List<HR> pieces = new ArrayList<>();
            for (final char ch : ks)
            {
                keys[i] = b("" + ch);
                ids[i] = nextId++;
                final HR piece = new HR(ids[i], prev, "" + ch, r.epoch + 1);
                piece.cached = r.cached;
                piece.loading = r.loading;
                piece.spLow = r.spLow;
                piece.spHigh = r.spHigh;
                spById.merge(piece.id, r.spHigh, Math::max);
                pieces.add(piece);
                prev = "" + ch;
                i++;
            }
            final CommandResult res = run(c, "split " + r + " at " + ks, c.split(r.id, r.epoch, keys, ids, r.epoch + 1));
            // an evicted region still pinned by a snapshot may answer "a split of a region being evicted" SKIPPED
            // "A split during loading moves the job to the children"
            expectCode(res, r.cached || r.loading ? new ResultCode[] {ResultCode.OK} :
                new ResultCode[] {ResultCode.NOT_CACHED, ResultCode.SKIPPED});
            final long oldEpoch = r.epoch;
            r.start = prev;
            r.epoch++;
            host.addAll(host.indexOf(r), pieces);
            if (r.cached)
            {
                // "opening the old epoch returns EPOCH_MISMATCH"
                assertEquals("EPOCH_MISMATCH", H.read(c, r.id, oldEpoch, version + 1, r.start + "0"));
            }
        }
        else if (op < 44)
        {
            // merge r with its right neighbour (or rollback)
            final int idx = host.indexOf(r);
            if (idx + 1 >= host.size())
            {
                return;
            }
            final HR right = host.get(idx + 1);
            final CommandResult p = run(c, "prepareMerge " + right, c.prepareMerge(right.id));
            expectCode(p, right.cached || right.loading ? ResultCode.OK : ResultCode.NOT_CACHED);
            right.cached = false;
            right.loading = false;
            if (rnd.nextInt(3) == 0)
            {
                final CommandResult rb = run(c, "rollbackMerge " + right, c.rollbackMerge(right.id));
                expectCode(rb, ResultCode.NOT_CACHED);
                return;
            }
            final CommandResult cm = run(c, "commitMerge " + r + " <- " + right, c.commitMerge(r.id, right.id));
            expectCode(cm, r.cached || r.loading ? new ResultCode[] {ResultCode.OK} :
                new ResultCode[] {ResultCode.OK, ResultCode.NOT_CACHED});
            r.loading = false;
            host.remove(idx + 1);
            r.end = right.end;
            r.epoch = Math.max(r.epoch, right.epoch) + 1;
            r.cached = false;
            assertEquals("NOT_CACHED", H.read(c, right.id, right.epoch, version + 1, right.start + "0"));
        }
        else if (op < 50)
        {
            // an eviction command of some kind
            final int kind = rnd.nextInt(5);
            final CommandResult res;
            switch (kind)
            {
                case 0 -> res = run(c, "applySnapshot " + r, c.applySnapshot(r.id));
                case 1 -> res = run(c, "destroy " + r, c.destroy(r.id));
                case 2 -> res = run(c, "evict " + r, c.evict(r.id, EvictReason.BECOME_FOLLOWER));
                default ->
                {
                    // ingest over [start of r, start of r + 1 letter): evicts exactly the regions it overlaps
                    final String s = r.start;
                    final String e = "" + (char) (s.charAt(0) + 1);
                    res = run(c, "ingest [" + s + "," + e + ")", c.ingest(b(s), b(e)));
                }
            }
            if (kind <= 2)
            {
                expectCode(res, r.cached || r.loading ? ResultCode.OK : ResultCode.NOT_CACHED);
            }
            else
            {
                expectCode(res, ResultCode.OK, ResultCode.NOT_CACHED);
            }
            r.cached = false;
            r.loading = false;
            assertEquals("NOT_CACHED", H.read(c, r.id, r.epoch, version + 1, r.start + "0"));
        }
        else if (op < 60)
        {
            if (loader == null)
            {
                loadAndAwait(c, r);
                return;
            }
            // load an uncached region (asynchronously), or run the queued loads, or toggle the cache
            final int kind = rnd.nextInt(30);
            if (kind < 6)
            {
                final int n = loader.runAll();
                H.cycles(c, 10);
                final int m = loader.runAll();
                H.cycles(c, 10);
                log.append("loader jobs run: ").append(n).append('+').append(m).append('\n');
                for (final HR h : host)
                {
                    if (h.loading)
                    {
                        // "A split during loading moves the job to the children: each child becomes ACTIVE when it
                        // finishes."
                        assertEquals(io.regioncache.RegionState.ACTIVE, c.stateOf(h.id), () -> "loaded " + h);
                        h.loading = false;
                        h.cached = true;
                        h.spLow = 0;
                        h.spHigh = Math.max(globalSp, spById.getOrDefault(h.id, 0L));
                    }
                }
                return;
            }
            if (kind == 6 || (!enabled && kind < 15))
            {
                final boolean to = !enabled;
                final CommandResult res = run(c, "setEnabled(" + to + ")", c.setEnabled(to));
                expectCode(res, ResultCode.OK);
                enabled = to;
                if (!to)
                {
                    // "every region is evicted with EvictReason.DISABLED"
                    for (final HR h : host)
                    {
                        h.cached = false;
                        h.loading = false;
                    }
                }
                return;
            }
            if (r.cached || r.loading)
            {
                final CommandResult res = run(c, "load cached " + r, c.loadRegion(region(r)));
                // "also a load of a region cached already (same id, range and epoch version ...)" SKIPPED
                expectCode(res, ResultCode.SKIPPED);
                return;
            }
            final CommandResult res = run(c, "load " + r, c.loadRegion(region(r)));
            if (!enabled)
            {
                // "loads and creations answer SKIPPED"
                expectCode(res, ResultCode.SKIPPED);
                return;
            }
            expectCode(res, ResultCode.OK);
            H.cycles(c, 3);
            r.loading = true;
            assertEquals("LOADING", H.read(c, r.id, r.epoch, version + 1, r.start + "0"), () -> "loading " + r);
        }
        else if (op < 66)
        {
            if (rnd.nextBoolean())
            {
                final long sp = Math.max(0, version - rnd.nextInt(6));
                final CommandResult res = run(c, "advanceSafePoint(all, " + sp + ")", c.advanceSafePoint(sp));
                expectCode(res, ResultCode.OK);
                globalSp = Math.max(globalSp, sp);
                for (final HR h : host)
                {
                    if (h.cached)
                    {
                        h.spLow = Math.max(h.spLow, sp);
                        h.spHigh = Math.max(h.spHigh, sp);
                    }
                }
            }
            else
            {
                if (r.loading)
                {
                    return;
                }
                final long sp = Math.max(0, version - rnd.nextInt(6));
                final CommandResult res = run(c, "advanceSafePoint(" + r + ", " + sp + ")", c.advanceSafePoint(r.id, sp));
                if (!r.cached)
                {
                    expectCode(res, ResultCode.NOT_CACHED);
                }
                else if (sp > r.spHigh)
                {
                    expectCode(res, ResultCode.OK);
                    r.spLow = r.spHigh = sp;
                    spById.merge(r.id, sp, Math::max);
                }
                else if (sp <= r.spLow)
                {
                    expectCode(res, ResultCode.SKIPPED);
                }
                else
                {
                    expectCode(res, ResultCode.OK, ResultCode.SKIPPED);
                    if (res.code() == ResultCode.OK)
                    {
                        r.spLow = r.spHigh = sp;
                    spById.merge(r.id, sp, Math::max);
                    }
                    else
                    {
                        r.spLow = sp;
                    }
                }
            }
        }
        else if (op < 72)
        {
            if (r.loading)
            {
                return;
            }
            final CommandResult res = run(c, "compact " + r, c.compact(r.id));
            expectCode(res, r.cached ? new ResultCode[] {ResultCode.OK, ResultCode.SKIPPED} :
                new ResultCode[] {ResultCode.NOT_CACHED});
        }
        else if (op < 78)
        {
            final int n = gc.runAll();
            log.append("gc jobs run: ").append(n).append('\n');
            H.cycles(c, 5);
        }
        else if (op < 84)
        {
            // pin a snapshot, or close one
            if (pinned.size() >= 4 || (!pinned.isEmpty() && rnd.nextBoolean()))
            {
                final Pinned p = pinned.remove(rnd.nextInt(pinned.size()));
                p.snap.close();
                return;
            }
            if (!r.cached)
            {
                return;
            }
            final long rv = r.spHigh + 1 + rnd.nextInt((int) Math.max(1, version + 3 - r.spHigh));
            final Snapshot s = c.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(r.id, r.epoch, rv), () -> "open " + r + " @" + rv);
            final Pinned p = new Pinned();
            p.snap = s;
            p.start = r.start;
            p.end = r.end;
            // "a snapshot reads at min(readVersion, last batch published at open)": every batch of this host is
            // applied by now, so reads equal the model at the requested version.
            p.rv = s.readVersion();
            for (final String k : keysIn(r.start, r.end))
            {
                assertEquals(modelRead(k, rv), modelRead(k, p.rv), () -> "effective read version " + p.rv +
                    " hides a batch applied before the open, key " + k);
            }
            log.append("pin ").append(r).append(" @").append(rv).append(" eff ").append(s.readVersion()).append('\n');
            pinned.add(p);
        }
        else
        {
            // read a few keys of r at a random version
            final List<String> keys = keysIn(r.start, r.end);
            for (int i = 0; i < 4; i++)
            {
                final String k = keys.get(rnd.nextInt(keys.size()));
                final long rv = 1 + rnd.nextInt((int) version + 3);
                final String got = H.read(c, r.id, r.epoch, rv, k);
                final String ctx = "read " + r + " key " + k + " @" + rv;
                if (r.loading)
                {
                    assertEquals("LOADING", got, ctx);
                }
                else if (!r.cached)
                {
                    assertEquals("NOT_CACHED", got, ctx);
                }
                else if (rv <= r.spLow)
                {
                    assertEquals("TOO_OLD_READ", got, ctx);
                }
                else if (rv > r.spHigh)
                {
                    assertEquals(modelRead(k, rv), got, ctx);
                }
                else if (!got.equals("TOO_OLD_READ"))
                {
                    assertEquals(modelRead(k, rv), got, ctx);
                }
                if (r.cached && rv > r.spHigh && i == 0)
                {
                    final Snapshot s = c.newSnapshot();
                    assertEquals(SnapshotStatus.OK, s.open(r.id, r.epoch, rv), ctx);
                    checkScans(s, r.start, r.end, s.readVersion(), rnd, ctx);
                    s.close();
                }
                if ((r.cached || r.loading) && r.epoch > 1)
                {
                    assertEquals("EPOCH_MISMATCH", H.read(c, r.id, r.epoch - 1, version + 1, k), ctx);
                }
            }
        }
    }
}
