package io.regioncache.hybrid.blackbox27;

import static io.regioncache.hybrid.blackbox27.Bb27.cmp;
import static io.regioncache.hybrid.blackbox27.Bb27.hex;
import static io.regioncache.hybrid.blackbox27.Bb27.inRange;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.HybridView;

/**
 * One seeded random history through a {@link HybridEngine} against a reference model: the store's MVCC history
 * (every key's versions, tombstones as null), the host's regions (ids, ranges, epochs, tiling the key space) and what
 * the cache should hold of them. Every command's {@link ResultCode} is compared with the one the README/Javadoc
 * documents, the cache's live records with the model after every command, and every read (get, multiGet, scans,
 * views, the cache's own iterator) with the model at its read version.
 */
final class ModelRun
{
    /** What the model expects the cache to hold of a host region. */
    enum CState
    {
        NONE, LOADING, ACTIVE, UNKNOWN
    }

    /** A host region (the host's truth) and what the cache should hold of it. */
    static final class HR
    {
        final long id;
        byte[] start;
        byte[] end;
        long epoch;
        CState cs = CState.NONE;
        long sp; // the cache's safe point of this region, while cached (a lower bound until spExact)
        long spHi; // an upper bound of it
        boolean spExact = true;
        boolean maybeCanceling; // evicted while (maybe) loading: LOADING_CANCELED until the loader ends
        boolean everCached; // a record of this id was cached once: one evicted may still be on its way out

        HR(final long id, final byte[] start, final byte[] end, final long epoch)
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

        boolean contains(final byte[] k)
        {
            return inRange(k, start, end);
        }

        /** The cache was told to drop it; a load still running may keep a record "being evicted" a while. */
        void evicted()
        {
            if (cs == CState.LOADING || cs == CState.UNKNOWN)
            {
                maybeCanceling = true;
            }
            cs = CState.NONE;
        }

        /** @return true if this range shares a key with the closed range [a, b]. */
        boolean overlapsClosed(final byte[] a, final byte[] b)
        {
            return cmp(start, b) <= 0 && (end.length == 0 || cmp(a, end) < 0);
        }

        @Override
        public String toString()
        {
            return "#" + id + "[" + hex(start) + "," + hex(end) + ")e" + epoch + " " + cs + " sp" + sp
                + (spExact ? "" : ".." + spHi);
        }
    }

    /** A view kept open across later commands, with what it read when opened. */
    static final class HeldView
    {
        final HybridView view;
        final Region region;
        final long readVersion;
        final TreeMap<Bytes, Bytes> expected;
        final NavigableMap<Bytes, Bytes> derived;

        HeldView(final HybridView view, final Region region, final long readVersion, final TreeMap<Bytes, Bytes> expected,
            final NavigableMap<Bytes, Bytes> derived)
        {
            this.view = view;
            this.region = region;
            this.readVersion = readVersion;
            this.expected = expected;
            this.derived = derived;
        }
    }

    /** A scan kept open across later commands (its own reader: a reader has one scan). */
    static final class HeldScan
    {
        final HybridReader reader;
        final HybridScan scan;
        final long readVersion;
        final List<Map.Entry<Bytes, Bytes>> expected;
        int pos;
        final String what;
        long regionId = -1; // set when held and served by the cache

        HeldScan(final HybridReader reader, final HybridScan scan, final long readVersion,
            final List<Map.Entry<Bytes, Bytes>> expected, final String what)
        {
            this.reader = reader;
            this.scan = scan;
            this.readVersion = readVersion;
            this.expected = expected;
            this.what = what;
        }
    }

    final Bb27.Kind kind;
    final RegionCacheConfig.Threading threading;
    final boolean tight;
    final long seed;
    final int steps;
    final Path dir;
    final Random rnd;

    WritableStore store;
    HybridEngine engine;
    HybridReader reader;

    final TreeMap<Bytes, TreeMap<Long, byte[]>> data = new TreeMap<>();
    final List<HR> regions = new ArrayList<>();
    final List<byte[]> pool = new ArrayList<>();
    final List<HeldView> heldViews = new ArrayList<>();
    final List<HeldScan> heldScans = new ArrayList<>();
    final ArrayDeque<String> log = new ArrayDeque<>();
    final Map<String, Integer> counts = new TreeMap<>();

    long ver;
    long globalSp;
    long maxSpEver;
    long storeSp;
    boolean enabled = true;
    long nextId = 100;
    HR lastWriteTo; // the region of the previous command when it was a plain write that the cache applied
    long lastWriteVersion;
    final TreeSet<Bytes> lastWriteKeys = new TreeSet<>();
    int step;

    ModelRun(final Bb27.Kind kind, final RegionCacheConfig.Threading threading, final boolean tight, final long seed,
        final int steps, final Path dir)
    {
        this.kind = kind;
        this.tight = tight;
        this.threading = threading;
        this.seed = seed;
        this.steps = steps;
        this.dir = dir;
        this.rnd = new Random(seed);
    }

    // ------------------------------------------------------------------------------------------------ running

    void run()
    {
        try
        {
            store = kind.open(dir);
            engine = kind.durable ? HybridEngine.owning(store, config())
                : HybridEngine.create(store, config());
            reader = engine.newReader();
            setUp();
            for (step = 0; step < steps; step++)
            {
                oneStep();
                checkCacheState();
            }
            step = -1;
            finish();
        }
        catch (final AssertionError | RuntimeException e)
        {
            final StringBuilder sb = new StringBuilder();
            sb.append("blackbox27 seed=").append(seed).append(" (-Dblackbox27.seed=").append(seed).append(") store=")
                .append(kind).append(' ').append(threading).append(tight ? " tight" : "").append(" step=").append(step).append(": ").append(e).append("\nregions: ")
                .append(regions).append("\nver=").append(ver).append(" globalSp=").append(globalSp).append(" storeSp=")
                .append(storeSp).append(" enabled=").append(enabled).append("\ncache regions: ")
                .append(cacheRegions()).append("\nlast commands:\n");
            for (final String s : log)
            {
                sb.append("  ").append(s).append('\n');
            }
            throw new AssertionError(sb.toString(), e);
        }
        finally
        {
            closeQuietly();
        }
    }

    /**
     * The engine's settings: generous, or (tight) a 4 KiB segment and a 32 KiB cap, so that writes answer
     * MEMORY_LIMIT and loads are refused or fail for memory; the model then takes those outcomes as they come and
     * still checks every read.
     */
    private RegionCacheConfig.Builder config()
    {
        return tight ? Bb27.config(threading).segmentSize(4096).capacityBytes(32 * 1024)
            : Bb27.config(threading);
    }

    private String cacheRegions()
    {
        try
        {
            return String.valueOf(engine.cache().regions());
        }
        catch (final RuntimeException e)
        {
            return e.toString();
        }
    }

    private void closeQuietly()
    {
        for (final HeldView h : heldViews)
        {
            h.view.close();
        }
        heldViews.clear();
        for (final HeldScan h : heldScans)
        {
            h.reader.close();
        }
        heldScans.clear();
        if (reader != null)
        {
            reader.close();
        }
        if (engine != null)
        {
            engine.close();
        }
        if (store != null && !kind.durable)
        {
            store.close();
        }
    }

    private void note(final String s)
    {
        if (log.size() >= 40)
        {
            log.removeFirst();
        }
        log.addLast(step + ": " + s);
        counts.merge(s.split("[ (]", 2)[0], 1, Integer::sum);
    }

    private void setUp()
    {
        final byte[] alphabet = {0x00, 0x01, 'a', 'b', 'c', 'm', 'z', 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};
        final TreeSet<Bytes> keys = new TreeSet<>();
        while (keys.size() < 48)
        {
            final byte[] k = new byte[1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 20 : 5)];
            for (int i = 0; i < k.length; i++)
            {
                k[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            keys.add(Bytes.of(k));
        }
        for (final Bytes k : keys)
        {
            pool.add(k.toByteArray());
        }
        regions.add(new HR(1, new byte[0], new byte[] {'c'}, 1));
        regions.add(new HR(2, new byte[] {'c'}, new byte[] {(byte) 0x80}, 1));
        regions.add(new HR(3, new byte[] {(byte) 0x80}, new byte[0], 1));
        for (int i = 0; i < 2; i++)
        {
            final HR r = regions.get(i);
            expect("createRegion " + r, engine.createRegion(r.region()), ResultCode.OK);
            r.cs = CState.ACTIVE;
            r.everCached = true;
            r.sp = globalSp;
            r.spHi = globalSp;
        }
        checkCacheState();
    }

    private void oneStep()
    {
        final int p = rnd.nextInt(1000);
        final HR last = lastWriteTo;
        lastWriteTo = null;
        if (last != null && p < 25)
        {
            repeatedVersionWrite(last);
        }
        else if (p < 300)
        {
            write();
        }
        else if (p < 315)
        {
            deleteRange();
        }
        else if (p < 320)
        {
            ingest();
        }
        else if (p < 380)
        {
            split();
        }
        else if (p < 400)
        {
            merge();
        }
        else if (p < 520)
        {
            load();
        }
        else if (p < 540)
        {
            evict();
        }
        else if (p < 560)
        {
            gc();
        }
        else if (p < 580)
        {
            advanceSafePoint();
        }
        else if (p < 590)
        {
            compact();
        }
        else if (p < 595)
        {
            toggleEnabled();
        }
        else
        {
            read();
        }
        if (!enabled && rnd.nextInt(12) == 0)
        {
            enabled = true;
            expect("setEnabled true", engine.cache().setEnabled(true), ResultCode.OK);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private CommandResult expect(final String what, final CompletableFuture<CommandResult> f, final ResultCode... allowed)
    {
        note(what);
        final CommandResult r = engine.await(f);
        counts.merge("code-" + r.code(), 1, Integer::sum);
        for (final ResultCode c : allowed)
        {
            if (r.code() == c)
            {
                log.removeLast();
                log.addLast(step + ": " + what + " -> " + r.code());
                return r;
            }
        }
        throw new AssertionError(what + ": expected one of " + Arrays.toString(allowed) + " but got " + r);
    }

    private HR regionOf(final byte[] key)
    {
        for (final HR r : regions)
        {
            if (r.contains(key))
            {
                return r;
            }
        }
        throw new AssertionError("regions do not tile the key space at " + hex(key));
    }

    private HR pickRegion()
    {
        return regions.get(rnd.nextInt(regions.size()));
    }

    private byte[] randomKey()
    {
        if (rnd.nextInt(3) > 0)
        {
            return pool.get(rnd.nextInt(pool.size())).clone();
        }
        final byte[] base = pool.get(rnd.nextInt(pool.size()));
        final byte[] k = Arrays.copyOf(base, base.length + 1);
        k[base.length] = (byte) rnd.nextInt(256);
        return k;
    }

    /** A random key inside r (null if none found after some tries). */
    private byte[] keyIn(final HR r)
    {
        for (int i = 0; i < 40; i++)
        {
            final byte[] k = randomKey();
            if (r.contains(k))
            {
                return k;
            }
        }
        if (r.start.length > 0)
        {
            final byte[] k = Arrays.copyOf(r.start, r.start.length + 1);
            k[r.start.length] = (byte) rnd.nextInt(256);
            return r.contains(k) ? k : r.start.clone();
        }
        // unbounded start: the smallest keys
        final byte[] k = {0};
        return r.contains(k) ? k : null;
    }

    /** A random key outside r (null if r is the whole key space). */
    private byte[] keyOutside(final HR r)
    {
        for (int i = 0; i < 40; i++)
        {
            final byte[] k = randomKey();
            if (!r.contains(k))
            {
                return k;
            }
        }
        if (r.end.length > 0)
        {
            return r.end.clone();
        }
        return null;
    }

    private byte[] value()
    {
        final int n = rnd.nextInt(30) == 0 ? 0 : rnd.nextInt(12) == 0 ? 117 + rnd.nextInt(200) : 1 + rnd.nextInt(24);
        final byte[] v = new byte[n];
        rnd.nextBytes(v);
        if (n > 0)
        {
            v[0] = (byte) step;
        }
        return v;
    }

    private byte[] visible(final byte[] key, final long v)
    {
        final TreeMap<Long, byte[]> h = data.get(Bytes.of(key));
        if (h == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = h.floorEntry(v);
        return e == null ? null : e.getValue();
    }

    /** Visible keys of [lo, hi) at v (lo empty = -inf, hi empty = +inf). */
    private TreeMap<Bytes, Bytes> visibleRange(final byte[] lo, final byte[] hi, final long v)
    {
        final TreeMap<Bytes, Bytes> out = new TreeMap<>();
        final NavigableMap<Bytes, TreeMap<Long, byte[]>> sub = hi.length == 0 ? data.tailMap(Bytes.of(lo), true)
            : data.subMap(Bytes.of(lo), true, Bytes.of(hi), false);
        for (final Map.Entry<Bytes, TreeMap<Long, byte[]>> e : sub.entrySet())
        {
            final Map.Entry<Long, byte[]> ve = e.getValue().floorEntry(v);
            if (ve != null && ve.getValue() != null)
            {
                out.put(e.getKey(), Bytes.of(ve.getValue()));
            }
        }
        return out;
    }

    private void record(final byte[] key, final long version, final byte[] valueOrNull)
    {
        data.computeIfAbsent(Bytes.of(key), k -> new TreeMap<>()).put(version, valueOrNull);
    }

    private boolean live(final RegionState st)
    {
        return st == RegionState.PENDING || st == RegionState.LOADING || st == RegionState.ACTIVE;
    }

    /** Compare what the cache holds with the model; resolve UNKNOWN and finished loads. */
    void checkCacheState()
    {
        for (final HR r : regions)
        {
            final RegionState st = engine.cache().stateOf(r.id);
            switch (r.cs)
            {
                case NONE:
                    if (live(st))
                    {
                        throw new AssertionError("region " + r + " should not be cached, cache has it " + st + " "
                            + engine.cache().region(r.id));
                    }
                    break;
                case ACTIVE:
                    if (st != RegionState.ACTIVE)
                    {
                        if (tight && !live(st))
                        {
                            r.evicted(); // a memory limit (counted, typed) took it
                            counts.merge("tight-evicted", 1, Integer::sum);
                            break;
                        }
                        throw new AssertionError("region " + r + " should be ACTIVE, cache has it " + st);
                    }
                    break;
                case LOADING:
                    if (st == RegionState.ACTIVE)
                    {
                        r.cs = CState.ACTIVE;
                        r.maybeCanceling = false;
                    }
                    else if (tight && !live(st))
                    {
                        r.evicted(); // the load failed for memory (LOAD_FAILED)
                        counts.merge("tight-load-failed", 1, Integer::sum);
                    }
                    else if (st != RegionState.PENDING && st != RegionState.LOADING)
                    {
                        throw new AssertionError("region " + r + " should be loading, cache has it " + st);
                    }
                    break;
                default:
                    r.cs = st == RegionState.ACTIVE ? CState.ACTIVE : live(st) ? CState.LOADING : CState.NONE;
                    break;
            }
            if (live(st))
            {
                final Region d = engine.cache().region(r.id);
                if (d == null || !d.sameRange(r.region()) || d.epochVersion() != r.epoch)
                {
                    throw new AssertionError("cache describes region " + r + " as " + d);
                }
            }
        }
        for (final RegionInfo info : engine.cache().regions())
        {
            if (info.state() == RegionState.ACTIVE)
            {
                for (final HR r : regions)
                {
                    if (r.id == info.region().id() && r.cs == CState.ACTIVE)
                    {
                        if (info.safePoint() < r.sp || info.safePoint() > r.spHi)
                        {
                            throw new AssertionError("region " + r + ": the cache's safe point is " + info.safePoint()
                                + ", the model expects " + r.sp + ".." + r.spHi + " (" + info + ")");
                        }
                        r.sp = info.safePoint();
                        r.spHi = r.sp;
                        r.spExact = true;
                    }
                }
            }
            if (live(info.state()))
            {
                HR found = null;
                for (final HR r : regions)
                {
                    if (r.id == info.region().id())
                    {
                        found = r;
                    }
                }
                if (found == null || !info.region().sameRange(found.region())
                    || info.region().epochVersion() != found.epoch)
                {
                    throw new AssertionError("the cache holds " + info + " which is no host region: " + regions);
                }
            }
        }
    }

    /** Wait until a loading region is ACTIVE (the loader thread runs in the background). */
    private void settle(final HR r)
    {
        if (r.cs != CState.LOADING)
        {
            return;
        }
        final long deadline = System.nanoTime() + 20_000_000_000L;
        for (RegionState st = engine.cache().stateOf(r.id); st != RegionState.ACTIVE; st = engine.cache().stateOf(r.id))
        {
            if (st != RegionState.PENDING && st != RegionState.LOADING)
            {
                if (tight)
                {
                    r.evicted(); // the load failed for memory (LOAD_FAILED)
                    counts.merge("tight-load-failed", 1, Integer::sum);
                    return;
                }
                throw new AssertionError("load of " + r + " ended " + st);
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("load of " + r + " did not finish: " + st);
            }
            if (threading == RegionCacheConfig.Threading.INVOKER)
            {
                engine.applyCycle();
            }
            Thread.yield();
        }
        r.cs = CState.ACTIVE;
        r.maybeCanceling = false;
    }

    private void settleAll()
    {
        for (final HR r : regions)
        {
            settle(r);
        }
    }

    /** The answer for a region the model holds cached, or else NOT_CACHED (or SKIPPED: an evicted record pinned). */
    private ResultCode[] codes(final boolean cached, final ResultCode whenCached, final HR r)
    {
        if (cached)
        {
            return new ResultCode[] {whenCached};
        }
        return beingEvicted(r) ? new ResultCode[] {ResultCode.NOT_CACHED, ResultCode.SKIPPED}
            : new ResultCode[] {ResultCode.NOT_CACHED};
    }

    /**
     * @return true if a record of this id may still be on its way out: pinned by a held view or scan, or evicted
     * while loading (LOADING_CANCELED: "waits for the loader to finish or give up"), as the cache reports it.
     */
    private boolean beingEvicted(final HR r)
    {
        final RegionState st = engine.cache().stateOf(r.id);
        return r.everCached || pinnedEvicted(r.id) || r.maybeCanceling || st == RegionState.LOADING_CANCELED || st == RegionState.PENDING_EVICT
            || st == RegionState.EVICTING;
    }

    /** @return true if a held view served by the cache reads a record of this id (evicted records stay pinned). */
    private boolean pinnedEvicted(final long id)
    {
        for (final HeldView h : heldViews)
        {
            if (h.region.id() == id && h.view.servedByCache())
            {
                return true;
            }
        }
        for (final HeldScan h : heldScans)
        {
            if (h.regionId == id)
            {
                return true;
            }
        }
        return false;
    }

    private long minHeldVersion()
    {
        long m = Long.MAX_VALUE;
        for (final HeldView h : heldViews)
        {
            m = Math.min(m, h.readVersion);
        }
        for (final HeldScan h : heldScans)
        {
            m = Math.min(m, h.readVersion);
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------------ commands

    private void write()
    {
        final HR r = pickRegion();
        final int variant = rnd.nextInt(100);
        if (variant < 4)
        {
            invalidWrite(r);
            return;
        }
        final long version = ++ver;
        long epoch = r.epoch;
        String kindOf = "write";
        if (variant < 8 && r.epoch >= 1)
        {
            epoch = r.epoch - 1;
            kindOf = "write-stale-epoch";
        }
        else if (variant < 10)
        {
            epoch = r.epoch + 1;
            kindOf = "write-newer-epoch";
        }
        final boolean misrouted = variant >= 10 && variant < 16 || kindOf.equals("write-stale-epoch")
            && rnd.nextInt(3) == 0;
        final WriteBatch batch = new WriteBatch(r.id, epoch, version);
        final TreeSet<Bytes> used = new TreeSet<>();
        final int n = 1 + rnd.nextInt(5);
        final StringBuilder sb = new StringBuilder();
        final List<byte[]> touched = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final byte[] k = keyIn(r);
            if (k == null || !used.add(Bytes.of(k)))
            {
                continue;
            }
            addOp(batch, k, version, sb, touched);
        }
        if (misrouted)
        {
            final byte[] k = keyOutside(r);
            if (k != null && used.add(Bytes.of(k)))
            {
                kindOf = epoch < r.epoch ? "write-misrouted-stale-epoch" : "write-misrouted";
                addOp(batch, k, version, sb, touched);
            }
        }
        if (touched.isEmpty())
        {
            if (r.start.length == 0)
            {
                return; // a region ['', 00) holds no non-empty key; the unsent batch changes nothing
            }
            addOp(batch, r.start.clone(), version, sb, touched);
        }
        byte[] minK = touched.get(0);
        byte[] maxK = touched.get(0);
        for (final byte[] k : touched)
        {
            minK = cmp(k, minK) < 0 ? k : minK;
            maxK = cmp(k, maxK) > 0 ? k : maxK;
        }
        final String what = kindOf + " " + r + " at e" + epoch + " v" + version + ":" + sb;
        final boolean outside = kindOf.startsWith("write-misrouted");
        final ResultCode[] allowed;
        if (!enabled)
        {
            allowed = new ResultCode[] {ResultCode.NOT_CACHED};
        }
        else
        {
            switch (r.cs)
            {
                case ACTIVE:
                    // "checked before the keys, so a write ... routed at an old epoch hears 'stale', not 'bad key'"
                    final ResultCode main = epoch < r.epoch ? ResultCode.STALE_EPOCH
                        : epoch > r.epoch ? ResultCode.EPOCH_DRIFT : outside ? ResultCode.INVALID : ResultCode.OK;
                    // tight: "MEMORY_LIMIT: the write would have passed the hard cap; the region was evicted"
                    allowed = tight && main == ResultCode.OK ? new ResultCode[] {main, ResultCode.MEMORY_LIMIT}
                        : new ResultCode[] {main};
                    break;
                case NONE:
                    allowed = new ResultCode[] {ResultCode.NOT_CACHED};
                    break;
                default:
                    allowed = ResultCode.values();
                    break;
            }
        }
        final long recon0 = engine.metrics().reconciliations();
        final CommandResult res = expect(what, engine.write(batch), allowed);
        if ((res.code() == ResultCode.INVALID || res.code() == ResultCode.STALE_EPOCH)
            && engine.metrics().reconciliations() - recon0 != 1)
        {
            // "the engine evicts the cached range the batch touched (counted in reconciliations)"
            throw new AssertionError(what + " answered " + res + ": reconciliations +"
                + (engine.metrics().reconciliations() - recon0));
        }
        if (res.code() == ResultCode.OK && kindOf.equals("write") && r.cs == CState.ACTIVE)
        {
            lastWriteTo = r;
            lastWriteVersion = version;
            lastWriteKeys.clear();
            lastWriteKeys.addAll(used);
        }
        final boolean wasLoading = r.cs == CState.LOADING;
        if (res.code() != ResultCode.OK && res.code() != ResultCode.NOT_CACHED && res.code() != ResultCode.SKIPPED
            && !wasLoading)
        {
            boolean inR = false;
            for (final byte[] k : touched)
            {
                inR |= r.contains(k);
            }
            if (inR || res.code() == ResultCode.EPOCH_DRIFT)
            {
                r.evicted(); // STALE_EPOCH, EPOCH_DRIFT, INVALID: the cached range the batch touched is evicted
            }
        }
        if (outside || wasLoading)
        {
            for (final HR o : regions)
            {
                if (!o.overlapsClosed(minK, maxK))
                {
                    continue;
                }
                boolean holdsKey = false;
                for (final byte[] k : touched)
                {
                    holdsKey |= o.contains(k);
                }
                if (holdsKey && outside && !wasLoading)
                {
                    o.evicted(); // reconciled: the store has the write, the cache must not serve that range
                }
                else if (o.cs != CState.NONE)
                {
                    o.cs = CState.UNKNOWN;
                }
            }
        }
    }

    /**
     * A write at the version the region's stream delivered last (repeated): "versions not above the last one the
     * region's stream delivered ... INVALID" on the apply thread, when the store already has it; the engine evicts
     * the range. New keys only, no view or scan held at that version (writes land above every acknowledged read
     * version).
     */
    private void repeatedVersionWrite(final HR r)
    {
        if (minHeldVersion() <= lastWriteVersion || r.cs != CState.ACTIVE || !enabled
            || lastWriteVersion != ver)
        {
            return;
        }
        final WriteBatch batch = new WriteBatch(r.id, r.epoch, lastWriteVersion);
        final StringBuilder sb = new StringBuilder();
        final List<byte[]> touched = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final byte[] k = keyIn(r);
            if (k != null && !lastWriteKeys.contains(Bytes.of(k)) && data.get(Bytes.of(k)) == null)
            {
                lastWriteKeys.add(Bytes.of(k));
                addOp(batch, k, lastWriteVersion, sb, touched);
            }
        }
        if (touched.isEmpty())
        {
            return;
        }
        expect("write-repeated-version " + r + " v" + lastWriteVersion + ":" + sb, engine.write(batch),
            ResultCode.INVALID);
        r.evicted();
    }

    private void addOp(final WriteBatch batch, final byte[] k, final long version, final StringBuilder sb,
        final List<byte[]> touched)
    {
        touched.add(k);
        if (rnd.nextInt(5) == 0)
        {
            batch.delete(k);
            record(k, version, null);
            sb.append(" del ").append(hex(k));
        }
        else
        {
            final byte[] v = value();
            batch.put(k, v);
            record(k, version, v);
            sb.append(" put ").append(hex(k)).append('=').append(v.length).append('B');
        }
    }

    /** Bad input WriteBatch.validate refuses at the call: neither the store nor the cache may see it. */
    private void invalidWrite(final HR r)
    {
        final byte[] k = keyIn(r);
        if (k == null)
        {
            return;
        }
        final WriteBatch batch;
        final String what;
        switch (rnd.nextInt(3))
        {
            case 0:
                batch = new WriteBatch(r.id, r.epoch, ver + 1).put(k, value()).put(new byte[0], value());
                what = "write-empty-key";
                break;
            case 1:
                batch = new WriteBatch(r.id, r.epoch, -1 - rnd.nextInt(3)).put(k, value());
                what = "write-negative-version";
                break;
            default:
                final byte[] longKey = Arrays.copyOf(k, Bb27.MAX_KEY + 1);
                batch = new WriteBatch(r.id, r.epoch, ver + 1).put(k, value()).put(longKey, value());
                what = "write-key-over-max";
                break;
        }
        expect(what + " " + r + " " + hex(k), engine.write(batch), ResultCode.INVALID);
        // nothing changed: the key still reads as the model says, at the current version
        final HR home = regionOf(k);
        final byte[] got = readGetLenient(home, k, Math.max(1, ver));
        assertBytes("after " + what + ", get " + hex(k), visible(k, Math.max(1, ver)), got);
    }

    private void deleteRange()
    {
        byte[] s = randomKey();
        byte[] e = rnd.nextInt(4) == 0 ? new byte[0] : randomKey();
        if (e.length > 0 && cmp(s, e) > 0)
        {
            final byte[] t = s;
            s = e;
            e = t;
        }
        if (rnd.nextInt(8) == 0 || (e.length > 0 && cmp(s, e) == 0))
        {
            // inverted or empty: INVALID at the call, the store deletes nothing
            final byte[] hi = e.length == 0 ? s : e;
            final byte[] lo = e.length == 0 ? Arrays.copyOf(s, s.length + 1) : s;
            final boolean inverted = cmp(lo, hi) > 0;
            expect("deleteRange-" + (inverted ? "inverted" : "empty") + " [" + hex(inverted ? lo : s) + ","
                + hex(inverted ? hi : s) + ")", engine.deleteRange(inverted ? lo : s, inverted ? hi : s, ver + 1),
                ResultCode.INVALID);
            return;
        }
        if (rnd.nextInt(15) == 0)
        {
            expect("deleteRange-negative-version [" + hex(s) + "," + hex(e) + ")", engine.deleteRange(s, e, -1),
                ResultCode.INVALID);
            return;
        }
        final long version = ++ver;
        final TreeMap<Bytes, Bytes> vis = visibleRange(s, e, version);
        for (final Bytes k : vis.keySet())
        {
            record(k.toByteArray(), version, null);
        }
        expect("deleteRange [" + hex(s) + "," + hex(e) + ") v" + version + " (" + vis.size() + " keys)",
            engine.deleteRange(s, e, version), ResultCode.OK, ResultCode.NOT_CACHED);
        for (final HR r : regions)
        {
            if (r.region().overlaps(s, e))
            {
                r.evicted();
            }
        }
    }

    /**
     * "The host ingested an SST covering [start, end) into the store ... Call after the ingest: overlapping cached
     * regions are evicted and reload the ingested data." The host writes the store itself (one atomic batch).
     */
    private void ingest()
    {
        if (minHeldVersion() <= ver)
        {
            // the ingested data lands at a new version; views held at or below it stay valid, but keep it simple
            if (!heldViews.isEmpty() || !heldScans.isEmpty())
            {
                return;
            }
        }
        byte[] s = randomKey();
        byte[] e = randomKey();
        if (cmp(s, e) >= 0)
        {
            final byte[] t = s;
            s = e;
            e = t;
            if (cmp(s, e) == 0)
            {
                return;
            }
        }
        final long version = ++ver;
        final WriteBatch batch = new WriteBatch(0, 0, version);
        final StringBuilder sb = new StringBuilder();
        final TreeSet<Bytes> used = new TreeSet<>();
        for (int i = 0; i < 4; i++)
        {
            final byte[] k = randomKey();
            if (inRange(k, s, e) && used.add(Bytes.of(k)))
            {
                addOp(batch, k, version, sb, new ArrayList<>());
            }
        }
        if (used.isEmpty())
        {
            addOp(batch, s, version, sb, new ArrayList<>());
        }
        store.applyBatch(batch);
        expect("ingest [" + hex(s) + "," + hex(e) + ") v" + version + ":" + sb, engine.ingest(s, e), ResultCode.OK,
            ResultCode.NOT_CACHED);
        for (final HR r : regions)
        {
            if (r.region().overlaps(s, e))
            {
                r.evicted();
            }
        }
    }

    private byte[][] splitKeysInside(final HR r, final int n)
    {
        final TreeSet<Bytes> ks = new TreeSet<>();
        for (int i = 0; i < 60 && ks.size() < n; i++)
        {
            final byte[] k = randomKey();
            if (r.contains(k) && cmp(k, r.start) > 0)
            {
                ks.add(Bytes.of(k));
            }
        }
        final byte[][] out = new byte[ks.size()][];
        int i = 0;
        for (final Bytes k : ks)
        {
            out[i++] = k.toByteArray();
        }
        return out;
    }

    private static String keysStr(final byte[][] keys)
    {
        final StringBuilder sb = new StringBuilder("[");
        for (final byte[] k : keys)
        {
            sb.append(hex(k)).append(' ');
        }
        return sb.append(']').toString();
    }

    private void split()
    {
        if (regions.size() >= 10)
        {
            return;
        }
        final HR r = pickRegion();
        settle(r);
        final byte[][] keys = splitKeysInside(r, 1 + rnd.nextInt(3));
        if (keys.length == 0)
        {
            return;
        }
        final long[] ids = new long[keys.length];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = nextId++;
        }
        final long newEpoch = r.epoch + 1;
        final boolean cached = enabled && r.cs == CState.ACTIVE;
        final int variant = rnd.nextInt(100);
        if (variant < 5 && keys.length >= 2)
        {
            final byte[][] unsorted = keys.clone();
            final byte[] t = unsorted[0];
            unsorted[0] = unsorted[1];
            unsorted[1] = t;
            expect("split-unsorted " + r + keysStr(unsorted), engine.split(r.id, r.epoch, unsorted, ids, newEpoch),
                ResultCode.INVALID);
            return;
        }
        if (variant < 9)
        {
            final byte[][] dup = {keys[0], keys[0].clone()};
            expect("split-duplicate-key " + r + keysStr(dup), engine.split(r.id, r.epoch, dup, new long[] {ids[0],
                nextId++}, newEpoch), ResultCode.INVALID);
            return;
        }
        if (variant < 12)
        {
            final long[] bad = ids.clone();
            bad[bad.length - 1] = r.id;
            expect("split-id-is-source " + r + keysStr(keys), engine.split(r.id, r.epoch, keys, bad, newEpoch),
                ResultCode.INVALID);
            return;
        }
        if (variant < 14)
        {
            expect("split-epoch-not-above " + r + keysStr(keys), engine.split(r.id, r.epoch, keys, ids, r.epoch),
                ResultCode.INVALID);
            return;
        }
        if (variant < 20)
        {
            final byte[] out = rnd.nextBoolean() && r.start.length > 0 ? r.start.clone() : keyOutside(r);
            if (out == null)
            {
                return;
            }
            expect("split-key-outside " + r + " " + hex(out), engine.split(r.id, r.epoch, new byte[][] {out},
                new long[] {ids[0]}, newEpoch), codes(cached, ResultCode.INVALID, r));
            return;
        }
        if (variant < 25 && r.epoch >= 1)
        {
            // stale epoch, and a key outside too: the epoch is checked before the keys
            final byte[] out = rnd.nextBoolean() ? keyOutside(r) : keys[0];
            final byte[][] ks = {out == null ? keys[0] : out};
            expect("split-stale-epoch " + r + keysStr(ks), engine.split(r.id, r.epoch - 1, ks, new long[] {ids[0]},
                newEpoch), codes(cached, ResultCode.STALE_EPOCH, r));
            return;
        }
        if (variant < 29 && cached)
        {
            HR other = null;
            for (final HR o : regions)
            {
                if (o != r && o.cs == CState.ACTIVE)
                {
                    other = o;
                }
            }
            if (other != null)
            {
                final long[] bad = ids.clone();
                bad[0] = other.id;
                expect("split-id-in-use " + r + keysStr(keys) + " id " + other.id, engine.split(r.id, r.epoch, keys,
                    bad, newEpoch), ResultCode.INVALID);
                return;
            }
        }
        if (variant < 33 && cached)
        {
            // "a write or split at a newer epoch with a key outside the cached range, is refused INVALID and the
            // cached region stays as it was"
            final byte[] out = keyOutside(r);
            if (out != null)
            {
                expect("split-newer-epoch-key-outside " + r + " " + hex(out), engine.split(r.id, r.epoch + 1,
                    new byte[][] {out}, new long[] {ids[0]}, newEpoch + 1), ResultCode.INVALID);
                return;
            }
        }
        if (variant < 35)
        {
            expect("split-newer-epoch " + r + keysStr(keys), engine.split(r.id, r.epoch + 1, keys, ids, newEpoch + 1),
                codes(cached, ResultCode.EPOCH_DRIFT, r));
            r.evicted();
            return;
        }
        final boolean withState = rnd.nextInt(4) == 0;
        // "a different state is a counted, logged conflict (STATE_CONFLICT) and the split is decided on the state
        // actually found" (RegionCache.split): an ACTIVE region the host believed PENDING is still split
        final boolean wrongState = withState && cached && rnd.nextBoolean();
        final CompletableFuture<CommandResult> f = withState
            ? engine.split(r.id, r.epoch, keys, ids, newEpoch, wrongState ? RegionState.PENDING : RegionState.ACTIVE)
            : engine.split(r.id, r.epoch, keys, ids, newEpoch);
        final ResultCode want = !cached ? (withState ? null : ResultCode.NOT_CACHED)
            : wrongState ? ResultCode.STATE_CONFLICT : ResultCode.OK;
        if (!cached && beingEvicted(r))
        {
            // an evicted record of this id still pinned by a held view: "SKIPPED ... a split of a region being
            // evicted" (README, result codes)
            expect("split-of-pinned-evicted " + r + keysStr(keys) + " ids " + Arrays.toString(ids), f,
                ResultCode.NOT_CACHED, ResultCode.SKIPPED, ResultCode.STATE_CONFLICT);
        }
        else if (want == null)
        {
            // the host expected ACTIVE but the region is not cached: a conflict decided on the real (absent) state
            expect("split-expecting-ACTIVE " + r + keysStr(keys) + " ids " + Arrays.toString(ids), f,
                ResultCode.NOT_CACHED, ResultCode.STATE_CONFLICT);
        }
        else
        {
            expect((wrongState ? "split-expecting-PENDING " : "split ") + r + keysStr(keys) + " ids "
                + Arrays.toString(ids), f, want);
        }
        // the host's regions: [s,k1) n1, [k1,k2) n2, ..., [kn,e) keeps the source id, all at newEpoch
        final int at = regions.indexOf(r);
        regions.remove(at);
        byte[] lo = r.start;
        final List<HR> pieces = new ArrayList<>();
        for (int i = 0; i <= keys.length; i++)
        {
            final HR piece = new HR(i < keys.length ? ids[i] : r.id, lo, i < keys.length ? keys[i] : r.end, newEpoch);
            piece.cs = r.cs;
            piece.sp = r.sp;
            piece.spHi = r.spHi;
            piece.spExact = r.spExact;
            piece.maybeCanceling = r.maybeCanceling;
            piece.everCached = r.everCached;
            pieces.add(piece);
            lo = piece.end;
        }
        regions.addAll(at, pieces);
    }

    private void merge()
    {
        if (regions.size() < 2)
        {
            return;
        }
        final int i = rnd.nextInt(regions.size() - 1);
        final HR left = regions.get(i);
        final HR right = regions.get(i + 1);
        settle(left);
        settle(right);
        final boolean leftIsTarget = rnd.nextBoolean();
        final HR target = leftIsTarget ? left : right;
        final HR source = leftIsTarget ? right : left;
        expect("prepareMerge " + source, engine.prepareMerge(source.id),
            enabled && source.cs == CState.ACTIVE ? ResultCode.OK : ResultCode.NOT_CACHED);
        source.evicted();
        checkCacheState();
        if (rnd.nextInt(4) == 0)
        {
            expect("rollbackMerge " + source, engine.rollbackMerge(source.id), ResultCode.OK, ResultCode.NOT_CACHED);
            source.epoch++;
            return;
        }
        expect("commitMerge " + target + " <- " + source, engine.commitMerge(target.id, source.id), ResultCode.OK,
            ResultCode.NOT_CACHED);
        target.evicted();
        regions.remove(source);
        target.start = left.start;
        target.end = right.end;
        target.epoch = Math.max(left.epoch, right.epoch) + 1;
    }

    private void load()
    {
        HR r = pickRegion();
        for (int i = 0; i < 4 && r.cs != CState.NONE && rnd.nextInt(5) > 0; i++)
        {
            r = pickRegion(); // mostly regions not cached yet
        }
        final int variant = rnd.nextInt(100);
        if (variant < 6 && enabled && r.cs == CState.ACTIVE && r.epoch >= 1)
        {
            // "a create or load naming a region id cached at a newer epoch too, before its range and id are checked"
            final boolean bogusRange = rnd.nextBoolean();
            final Region stale = bogusRange ? new Region(r.id, new byte[0], new byte[0], r.epoch - 1)
                : new Region(r.id, r.start, r.end, r.epoch - 1);
            if (rnd.nextBoolean())
            {
                expect("create-stale-epoch " + stale, engine.createRegion(stale), ResultCode.STALE_EPOCH);
            }
            else
            {
                expect("load-stale-epoch " + stale, engine.loadRegion(stale), ResultCode.STALE_EPOCH);
            }
            return;
        }
        if (variant < 8 && enabled && r.cs == CState.ACTIVE)
        {
            // "a load of a region cached already (same id, range and epoch version; the conf version is not compared)"
            expect("load-other-conf-version " + r, engine.loadRegion(new Region(r.id, r.start, r.end, r.epoch, 7)),
                ResultCode.SKIPPED);
            return;
        }
        if (variant < 10 && enabled && r.cs == CState.ACTIVE)
        {
            // a load at a newer epoch whose new range overlaps another cached region: INVALID, the region stays
            final int i = regions.indexOf(r);
            final HR next = i + 1 < regions.size() ? regions.get(i + 1) : null;
            if (next != null && next.cs == CState.ACTIVE)
            {
                expect("load-newer-epoch-overlapping " + r + " over " + next, engine.loadRegion(new Region(r.id,
                    r.start, next.end, r.epoch + 1)), ResultCode.INVALID);
                return;
            }
        }
        if (variant < 12 && enabled && r.cs == CState.ACTIVE)
        {
            final long id = nextId++;
            expect("load-overlapping #" + id + " over " + r, engine.loadRegion(new Region(id, r.start, r.end,
                r.epoch)), ResultCode.INVALID);
            return;
        }
        if (variant < 15)
        {
            expect("load-null-bound " + r, engine.loadRegion(new Region(r.id, null, r.end, r.epoch)),
                ResultCode.INVALID);
            return;
        }
        final boolean keep = rnd.nextInt(4) == 0;
        final CompletableFuture<CommandResult> f = keep ? engine.loadRegionKeepCached(r.region())
            : engine.loadRegion(r.region());
        final String what = (keep ? "loadKeepCached " : "load ") + r;
        if (!enabled || r.cs == CState.ACTIVE || r.cs == CState.LOADING)
        {
            expect(what, f, ResultCode.SKIPPED);
            return;
        }
        final CommandResult lr = expect(what, f, ResultCode.OK, tight ? ResultCode.SKIPPED : ResultCode.OK);
        if (lr.code() != ResultCode.OK)
        {
            return; // tight: refused at the stop-load threshold or backing off after a load failed for memory
        }
        r.cs = CState.LOADING;
        r.everCached = true;
        // a new record: its safe point is at least the engine-wide one; the README does not say whether one set
        // for this id (or a region it was split from or merged with) before it was evicted is kept
        r.sp = globalSp;
        r.spHi = Math.max(globalSp, maxSpEver);
        r.spExact = r.sp == r.spHi;
        if (rnd.nextInt(10) < 7)
        {
            settle(r);
        }
    }

    private void evict()
    {
        final HR r = pickRegion();
        settle(r);
        final int q = rnd.nextInt(4);
        final CompletableFuture<CommandResult> f = q == 0 ? engine.applySnapshot(r.id) : q == 1 ? engine.destroy(r.id)
            : engine.evict(r.id, EvictReason.values()[rnd.nextInt(EvictReason.values().length)]);
        expect((q == 0 ? "applySnapshot " : q == 1 ? "destroy " : "evict ") + r, f,
            enabled && r.cs == CState.ACTIVE ? ResultCode.OK : ResultCode.NOT_CACHED);
        r.evicted();
        if (q == 1)
        {
            // the peer is gone; the host's region goes on (another peer), nothing to model
            return;
        }
    }

    private void gc()
    {
        final long cap = Math.min(ver, minHeldVersion());
        if (rnd.nextInt(5) == 0 && globalSp > 0)
        {
            final long lower = rnd.nextInt((int) Math.min(globalSp, 1000));
            note("gc-lower " + lower);
            engine.gc(lower); // ignored by the cache; the store keeps the highest point it swept
            return;
        }
        if (cap <= globalSp)
        {
            return;
        }
        final long sp = globalSp + 1 + rnd.nextInt((int) Math.min(cap - globalSp, 1000));
        note("gc " + sp);
        engine.gc(sp);
        globalSp = sp;
        maxSpEver = Math.max(maxSpEver, sp);
        storeSp = Math.max(storeSp, sp);
        for (final HR r : regions)
        {
            if (r.cs != CState.NONE)
            {
                r.sp = Math.max(r.sp, sp);
                r.spHi = Math.max(r.spHi, sp);
                r.spExact = r.sp == r.spHi;
            }
        }
        if (rnd.nextInt(3) == 0)
        {
            note("gc-negative");
            try
            {
                engine.gc(-1);
                throw new AssertionError("gc(-1) did not throw IllegalArgumentException");
            }
            catch (final IllegalArgumentException expected)
            {
                // documented
            }
        }
    }

    private void advanceSafePoint()
    {
        final HR r = pickRegion();
        settle(r);
        final long cap = Math.min(ver, minHeldVersion());
        if (rnd.nextInt(4) == 0)
        {
            // engine-wide, lower than the current one: OK, ignored
            final long lower = Math.max(0, globalSp - rnd.nextInt(3));
            expect("advanceSafePoint-all " + lower, engine.advanceSafePoint(lower), ResultCode.OK);
            return;
        }
        final long sp = rnd.nextInt(4) == 0 ? r.sp : r.sp + 1 + rnd.nextInt(Math.max(1, (int) Math.min(1000,
            cap - r.sp)));
        if (sp > cap)
        {
            return;
        }
        final ResultCode[] want = !enabled || r.cs != CState.ACTIVE ? new ResultCode[] {ResultCode.NOT_CACHED}
            : sp <= r.sp ? new ResultCode[] {ResultCode.SKIPPED} : sp > r.spHi ? new ResultCode[] {ResultCode.OK}
            : new ResultCode[] {ResultCode.OK, ResultCode.SKIPPED};
        final CommandResult res = expect("advanceSafePoint " + r + " to " + sp, engine.advanceSafePoint(r.id, sp),
            want);
        if (res.code() == ResultCode.OK)
        {
            r.sp = sp;
            r.spHi = sp;
            r.spExact = true;
            maxSpEver = Math.max(maxSpEver, sp);
        }
        else if (res.code() == ResultCode.SKIPPED)
        {
            r.sp = Math.max(r.sp, sp);
        }
    }

    private void compact()
    {
        final HR r = pickRegion();
        settle(r);
        expect("compact " + r, engine.cache().compact(r.id),
            enabled && r.cs == CState.ACTIVE ? new ResultCode[] {ResultCode.OK, ResultCode.SKIPPED}
                : new ResultCode[] {ResultCode.NOT_CACHED});
    }

    private void toggleEnabled()
    {
        settleAll();
        if (rnd.nextInt(5) == 0)
        {
            expect("setEnabled-same " + enabled, engine.cache().setEnabled(enabled), ResultCode.SKIPPED);
            return;
        }
        enabled = !enabled;
        expect("setEnabled " + enabled, engine.cache().setEnabled(enabled), ResultCode.OK);
        if (!enabled)
        {
            for (final HR r : regions)
            {
                r.evicted();
            }
            final HR r = pickRegion();
            expect("load-while-disabled " + r, engine.loadRegion(r.region()), ResultCode.SKIPPED);
            expect("create-while-disabled " + r, engine.createRegion(r.region()), ResultCode.SKIPPED);
        }
    }

    // ------------------------------------------------------------------------------------------------ reads

    private long readVersion(final HR r)
    {
        final long floor = Math.max(1, storeSp);
        final long top = Math.max(floor, ver);
        switch (rnd.nextInt(10))
        {
            case 0:
            case 1:
            case 2:
            case 3:
                return top;
            case 4:
                return top + 1 + rnd.nextInt(3);
            case 5:
                return Math.max(floor, Math.max(r.sp, 1));
            case 6:
                return Math.max(floor, r.sp + 1);
            default:
                return floor + (long) (rnd.nextDouble() * (top - floor + 1));
        }
    }

    /** The status the cache should answer a read of r at epoch e, version v; null when the model cannot tell. */
    private SnapshotStatus predict(final HR r, final long epoch, final long v)
    {
        if (!enabled)
        {
            return SnapshotStatus.NOT_CACHED;
        }
        switch (r.cs)
        {
            case NONE:
                return SnapshotStatus.NOT_CACHED;
            case ACTIVE:
                if (epoch != r.epoch)
                {
                    return SnapshotStatus.EPOCH_MISMATCH;
                }
                return v <= r.sp ? SnapshotStatus.TOO_OLD_READ : v > r.spHi ? SnapshotStatus.OK : null;
            default:
                return epoch != r.epoch ? SnapshotStatus.EPOCH_MISMATCH : null;
        }
    }

    private void checkStatus(final String what, final SnapshotStatus want)
    {
        counts.merge("status-" + reader.lastStatus(), 1, Integer::sum);
        if (want != null && reader.lastStatus() != want)
        {
            throw new AssertionError(what + ": the reader's lastStatus is " + reader.lastStatus() + ", expected "
                + want);
        }
    }

    static void assertBytes(final String what, final byte[] want, final byte[] got)
    {
        if (!Arrays.equals(want, got))
        {
            throw new AssertionError(what + ": expected " + (want == null ? "null" : hex(want) + " (" + want.length
                + "B)") + " but read " + (got == null ? "null" : hex(got) + " (" + got.length + "B)"));
        }
    }

    private byte[] readGetLenient(final HR r, final byte[] k, final long v)
    {
        return reader.get(r.id, r.epoch, v, k);
    }

    private void read()
    {
        final int p = rnd.nextInt(100);
        if (p < 30)
        {
            gets();
        }
        else if (p < 50)
        {
            multiGet();
        }
        else if (p < 65)
        {
            scan();
        }
        else if (p < 83)
        {
            view();
        }
        else if (p < 88)
        {
            cacheIterator();
        }
        else if (p < 95)
        {
            checkHeld(rnd.nextInt(3) == 0);
        }
        else
        {
            belowGcPoint();
        }
    }

    private void gets()
    {
        final HR r = pickRegion();
        final boolean staleEpoch = rnd.nextInt(8) == 0 && r.epoch >= 1;
        final long epoch = staleEpoch ? r.epoch - 1 : r.epoch;
        final long v = readVersion(r);
        final SnapshotStatus want = predict(r, epoch, v);
        note("gets " + r + " e" + epoch + " v" + v + " predicted " + want);
        final UnsafeBuffer keyBuf = new UnsafeBuffer(new byte[128]);
        for (int i = 0; i < 6; i++)
        {
            if (rnd.nextInt(25) == 0)
            {
                longKeyGet(r, epoch, v, want);
                continue;
            }
            final boolean outside = rnd.nextInt(8) == 0;
            final byte[] k = outside ? keyOutside(r) : keyIn(r);
            if (k == null)
            {
                continue;
            }
            final byte[] expected = visible(k, v);
            final String what = "get " + hex(k) + " of " + r + " e" + epoch + " v" + v;
            if (outside)
            {
                try
                {
                    final byte[] got = reader.get(r.id, epoch, v, k);
                    if (want == SnapshotStatus.OK)
                    {
                        throw new AssertionError(what + " (outside the region, the cache serving) did not throw");
                    }
                    assertBytes(what + " (outside the region, the store serving)", expected, got);
                }
                catch (final IllegalArgumentException e)
                {
                    if (want != SnapshotStatus.OK && want != null)
                    {
                        throw new AssertionError(what + " (outside the region, store-served: " + want + ") threw " + e);
                    }
                }
                continue;
            }
            final long cacheGets0 = engine.metrics().cacheGets();
            final long storeGets0 = engine.metrics().storeGets();
            metricsBefore = snapshotFallbacks();
            if (rnd.nextBoolean())
            {
                assertBytes(what, expected, reader.get(r.id, epoch, v, k));
            }
            else
            {
                final int off = rnd.nextInt(4);
                keyBuf.putBytes(off, k);
                final int cap = rnd.nextInt(4) == 0 ? rnd.nextInt(20) : 400;
                final int dstOff = rnd.nextInt(3);
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[cap + dstOff]);
                final int n = reader.get(r.id, epoch, v, keyBuf, off, k.length, dst, dstOff);
                if (expected == null)
                {
                    if (n != -1)
                    {
                        throw new AssertionError(what + ": expected NOT_FOUND (-1) but got " + n);
                    }
                }
                else if (expected.length > cap)
                {
                    if (n != -2 - expected.length)
                    {
                        throw new AssertionError(what + ": value of " + expected.length + "B into " + cap
                            + "B: expected " + (-2 - expected.length) + " but got " + n);
                    }
                }
                else
                {
                    if (n != expected.length)
                    {
                        throw new AssertionError(what + ": expected length " + expected.length + " but got " + n);
                    }
                    final byte[] got = new byte[n];
                    dst.getBytes(dstOff, got);
                    assertBytes(what, expected, got);
                }
            }
            checkStatus(what, want);
            // "It counts which source served each read ... and, per SnapshotStatus, why the cache could not"
            final SnapshotStatus st = reader.lastStatus();
            final boolean byCache = st == SnapshotStatus.OK;
            final long[] after = snapshotFallbacks();
            if (engine.metrics().cacheGets() - cacheGets0 != (byCache ? 1 : 0)
                || engine.metrics().storeGets() - storeGets0 != (byCache ? 0 : 1)
                || !byCache && after[st.ordinal()] - metricsBefore[st.ordinal()] != 1)
            {
                throw new AssertionError(what + " (status " + st + "): cacheGets +" + (engine.metrics().cacheGets()
                    - cacheGets0) + ", storeGets +" + (engine.metrics().storeGets() - storeGets0) + ", fallbacks "
                    + Arrays.toString(metricsBefore) + " -> " + Arrays.toString(after));
            }
        }
    }

    private long[] metricsBefore;

    private long[] snapshotFallbacks()
    {
        final long[] out = new long[SnapshotStatus.values().length];
        for (final SnapshotStatus st : SnapshotStatus.values())
        {
            if (st != SnapshotStatus.OK)
            {
                out[st.ordinal()] = engine.metrics().fallbacks(st);
            }
        }
        return out;
    }

    /**
     * A key longer than any stored one (and than LMDB's 439 bytes): absent, except that "LMDB's store throws
     * StoreException for a read of a longer one ... where the cache answers absent".
     */
    private void longKeyGet(final HR r, final long epoch, final long v, final SnapshotStatus want)
    {
        final byte[] base = keyIn(r);
        if (base == null)
        {
            return;
        }
        final byte[] k = Arrays.copyOf(base, base.length + 440 + rnd.nextInt(100));
        if (!r.contains(k))
        {
            return;
        }
        final String what = "get of a " + k.length + "-byte key of " + r + " e" + epoch + " v" + v + " predicted " + want;
        try
        {
            final byte[] got = reader.get(r.id, epoch, v, k);
            assertBytes(what, null, got);
            if (kind == Bb27.Kind.LMDB && want != null && want != SnapshotStatus.OK)
            {
                throw new AssertionError(what + ": LMDB served it without StoreException");
            }
        }
        catch (final StoreException e)
        {
            if (kind != Bb27.Kind.LMDB || want == SnapshotStatus.OK)
            {
                throw new AssertionError(what + " threw " + e, e);
            }
        }
    }

    private void multiGet()
    {
        final HR r = pickRegion();
        final boolean staleEpoch = rnd.nextInt(8) == 0 && r.epoch >= 1;
        final long epoch = staleEpoch ? r.epoch - 1 : r.epoch;
        final long v = readVersion(r);
        final SnapshotStatus want = predict(r, epoch, v);
        final int count = 1 + rnd.nextInt(20);
        final List<byte[]> keys = new ArrayList<>();
        boolean outside = false;
        for (int i = 0; i < count; i++)
        {
            final int q = rnd.nextInt(20);
            byte[] k;
            if (q == 0 && !keys.isEmpty())
            {
                k = keys.get(rnd.nextInt(keys.size())); // duplicate
            }
            else if (q == 1 && rnd.nextInt(3) == 0)
            {
                k = keyOutside(r);
                outside |= k != null;
            }
            else
            {
                k = keyIn(r);
            }
            if (k != null)
            {
                keys.add(k);
            }
        }
        if (keys.isEmpty() || rnd.nextInt(30) == 0)
        {
            // no key: nothing read, the end is where the values would start
            final int off = rnd.nextInt(5);
            final int end = reader.multiGet(r.id, epoch, v, new UnsafeBuffer(new byte[8]), new int[0], new int[0], 0,
                new UnsafeBuffer(new byte[8]), off, new int[0], new int[0]);
            if (end != off)
            {
                throw new AssertionError("multiGet of 0 keys at " + off + " returned " + end);
            }
            return;
        }
        final int n = keys.size();
        final int[] offs = new int[n + rnd.nextInt(3)];
        final int[] lens = new int[offs.length];
        final UnsafeBuffer kb = new UnsafeBuffer(new byte[n * (Bb27.MAX_KEY + 4) + 8]);
        int pos = rnd.nextInt(3);
        for (int i = 0; i < n; i++)
        {
            offs[i] = pos;
            lens[i] = keys.get(i).length;
            kb.putBytes(pos, keys.get(i));
            pos += lens[i] + rnd.nextInt(3);
        }
        final int cap = rnd.nextInt(5) == 0 ? rnd.nextInt(120) : 8000;
        final int dstOffset = rnd.nextInt(4);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[cap + dstOffset]);
        final int[] vOffs = new int[offs.length];
        final int[] vLens = new int[offs.length];
        final String what = "multiGet " + n + " keys (outside: " + outside + ") of " + r + " e" + epoch + " v" + v
            + " into " + cap + "B";
        note(what + " predicted " + want);
        final int end;
        try
        {
            end = reader.multiGet(r.id, epoch, v, kb, offs, lens, n, dst, dstOffset, vOffs, vLens);
        }
        catch (final IllegalArgumentException e)
        {
            if (!outside || (want != SnapshotStatus.OK && want != null))
            {
                throw new AssertionError(what + " threw " + e, e);
            }
            return;
        }
        if (outside && want == SnapshotStatus.OK)
        {
            throw new AssertionError(what + ": a key outside the region, the cache serving, did not throw");
        }
        int p = dstOffset;
        for (int i = 0; i < n; i++)
        {
            final byte[] k = keys.get(i);
            final byte[] expected = visible(k, v);
            final String w = what + ", key " + i + " " + hex(k);
            if (expected == null)
            {
                if (vLens[i] != -1)
                {
                    throw new AssertionError(w + ": expected NOT_FOUND (-1), got length " + vLens[i]);
                }
            }
            else if (expected.length > cap + dstOffset - p)
            {
                if (vLens[i] != -2 - expected.length)
                {
                    throw new AssertionError(w + ": " + expected.length + "B with " + (cap + dstOffset - p)
                        + "B left: expected " + (-2 - expected.length) + ", got " + vLens[i]);
                }
            }
            else
            {
                if (vLens[i] != expected.length || vOffs[i] != p)
                {
                    throw new AssertionError(w + ": expected " + expected.length + "B at " + p + ", got "
                        + vLens[i] + "B at " + vOffs[i]);
                }
                final byte[] got = new byte[expected.length];
                dst.getBytes(p, got);
                assertBytes(w, expected, got);
                p += expected.length;
            }
        }
        if (end != p)
        {
            throw new AssertionError(what + ": returned end " + end + ", expected " + p);
        }
        if (!outside)
        {
            checkStatus(what, want);
        }
    }

    /** Bounds inside r: lower <= upper, lower empty only if r starts at -inf, upper empty only if r is unbounded. */
    private byte[][] boundsIn(final HR r)
    {
        byte[] lo = rnd.nextInt(5) == 0 ? r.start : keyIn(r);
        byte[] hi = rnd.nextInt(5) == 0 ? r.end : keyIn(r);
        if (lo == null)
        {
            lo = r.start;
        }
        if (hi == null)
        {
            hi = r.end;
        }
        if (hi.length > 0 && cmp(lo, hi) > 0)
        {
            final byte[] t = lo;
            lo = hi;
            hi = t;
        }
        return new byte[][] {lo, hi};
    }

    private void scan()
    {
        final HR r = pickRegion();
        final long v = readVersion(r);
        final SnapshotStatus want = predict(r, r.epoch, v);
        final byte[][] bounds = boundsIn(r);
        byte[] lo = bounds[0];
        final byte[] hi = bounds[1];
        boolean outside = false;
        byte[] hiUsed = hi;
        if (rnd.nextInt(10) == 0 && r.start.length > 0)
        {
            lo = new byte[] {0}; // below the region (the cache refuses it, the store scans from there)
            outside = cmp(lo, r.start) < 0;
        }
        else if (rnd.nextInt(10) == 0 && r.end.length > 0)
        {
            hiUsed = Arrays.copyOf(r.end, r.end.length + 1); // above the region's end
            outside = true;
        }
        final List<Map.Entry<Bytes, Bytes>> expected = new ArrayList<>(visibleRange(lo, hiUsed, v).entrySet());
        final boolean hold = !outside && rnd.nextInt(6) == 0 && heldScans.size() < 2 && v <= ver;
        final HybridReader rd = hold ? engine.newReader() : reader;
        final String what = "scan " + r + " [" + hex(lo) + "," + hex(hiUsed) + ") v" + v + (hold ? " held" : "");
        note(what + " predicted " + want);
        final HybridScan s;
        try
        {
            s = rd.scan(r.id, r.epoch, v, lo, hiUsed);
        }
        catch (final IllegalArgumentException e)
        {
            if (!outside || (want != SnapshotStatus.OK && want != null))
            {
                throw new AssertionError(what + " threw " + e, e);
            }
            return;
        }
        if (outside && want == SnapshotStatus.OK)
        {
            s.close();
            throw new AssertionError(what + ": a lower bound outside the region, the cache serving, was not refused");
        }
        if (want != null && !outside && s.servedByCache() != (want == SnapshotStatus.OK))
        {
            throw new AssertionError(what + ": servedByCache " + s.servedByCache() + ", predicted " + want);
        }
        final HeldScan h = new HeldScan(rd, s, v, expected, what);
        if (hold)
        {
            h.regionId = s.servedByCache() ? r.id : -1;
            advanceScan(h, rnd.nextInt(expected.size() + 1));
            heldScans.add(h);
        }
        else
        {
            advanceScan(h, Integer.MAX_VALUE);
            s.close();
        }
    }

    /** Step a scan up to n entries, comparing; at its end check it stays ended and its accessors refuse. */
    private void advanceScan(final HeldScan h, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            final boolean more = h.scan.next();
            if (h.pos == h.expected.size())
            {
                if (more)
                {
                    throw new AssertionError(h.what + ": a key past the expected " + h.expected.size() + ": "
                        + hex(h.scan.keyBytes()));
                }
                if (h.scan.next())
                {
                    throw new AssertionError(h.what + ": next() true again after false");
                }
                try
                {
                    h.scan.keyLength();
                    throw new AssertionError(h.what + ": keyLength() after the end did not throw");
                }
                catch (final IllegalStateException expected)
                {
                    // documented
                }
                return;
            }
            if (!more)
            {
                throw new AssertionError(h.what + ": ended after " + h.pos + " keys, expected " + h.expected.size()
                    + ", next " + hex(h.expected.get(h.pos).getKey().toByteArray()));
            }
            final Map.Entry<Bytes, Bytes> e = h.expected.get(h.pos);
            final byte[] k;
            final byte[] val;
            if (rnd.nextBoolean())
            {
                k = h.scan.keyBytes();
                val = h.scan.valueBytes();
            }
            else
            {
                k = new byte[h.scan.keyLength()];
                h.scan.key().getBytes(0, k);
                val = new byte[h.scan.valueLength()];
                h.scan.value().getBytes(0, val);
            }
            assertBytes(h.what + " key " + h.pos, e.getKey().toByteArray(), k);
            assertBytes(h.what + " value of " + hex(k), e.getValue().toByteArray(), val);
            h.pos++;
        }
    }

    private void view()
    {
        final HR r = pickRegion();
        final long v = readVersion(r);
        final int variant = rnd.nextInt(10);
        Region desc = r.region();
        byte[] lo = r.start;
        byte[] hi = r.end;
        String kindOf = "view";
        if (variant == 0)
        {
            final byte[][] b = boundsIn(r);
            if (b[1].length == 0 || cmp(b[0], b[1]) < 0)
            {
                if (!Arrays.equals(b[0], r.start) || !Arrays.equals(b[1], r.end))
                {
                    lo = b[0];
                    hi = b[1];
                    desc = new Region(r.id, lo, hi, r.epoch);
                    kindOf = "view-other-bounds";
                }
            }
        }
        else if (variant == 1 && r.epoch >= 1)
        {
            desc = new Region(r.id, r.start, r.end, r.epoch - 1);
            kindOf = "view-stale-epoch";
        }
        final SnapshotStatus cachePred = predict(r, desc.epochVersion(), v);
        // "A Region with the cached id and epoch but other bounds is not the cached region: the store serves it,
        // counted as EPOCH_MISMATCH"
        // (at or below the region's safe point the reader answers TOO_OLD_READ first: the README does not order the two)
        final SnapshotStatus want = kindOf.equals("view-other-bounds") && r.cs == CState.ACTIVE && enabled
            ? (cachePred == SnapshotStatus.OK ? SnapshotStatus.EPOCH_MISMATCH : null) : cachePred;
        final String what = kindOf + " " + desc + " v" + v;
        note(what + " predicted " + want);
        final HybridView view = reader.view(desc, v);
        boolean keep = false;
        try
        {
            checkStatus(what, want);
            if (want != null && view.servedByCache() != (want == SnapshotStatus.OK))
            {
                throw new AssertionError(what + ": servedByCache " + view.servedByCache() + ", predicted " + want);
            }
            final TreeMap<Bytes, Bytes> expected = visibleRange(lo, hi, v);
            final NavigableMap<Bytes, Bytes> map = view.asBytesMap();
            compareMaps(what, map, expected, lo, hi, 0);
            if (rnd.nextInt(8) == 0)
            {
                compareByteArrayMap(what, view.asNavigableMap(), expected);
            }
            if (rnd.nextInt(10) == 0)
            {
                final Bytes any = Bytes.of(new byte[] {'a'});
                unsupported(what + " put", () -> map.put(any, any));
                unsupported(what + " remove", () -> map.remove(any));
                unsupported(what + " pollFirstEntry", map::pollFirstEntry);
                unsupported(what + " descending pollLastEntry", () -> map.descendingMap().pollLastEntry());
                unsupported(what + " clear", () -> {
                    map.clear();
                    return null;
                });
                if (!expected.isEmpty())
                {
                    unsupported(what + " entry setValue", () -> map.firstEntry().setValue(any));
                    unsupported(what + " iterator remove", () -> {
                        final java.util.Iterator<Bytes> it = map.keySet().iterator();
                        it.next();
                        it.remove();
                        return null;
                    });
                }
                compareMaps(what + " after refused mutators", map, expected, lo, hi, 2);
            }
            if (v <= ver && heldViews.size() < 4 && rnd.nextInt(3) == 0)
            {
                keep = true;
                final NavigableMap<Bytes, Bytes> derived = rnd.nextBoolean() ? map.descendingMap() : map;
                heldViews.add(new HeldView(view, desc, v, expected, derived));
                note("hold " + what);
                counts.merge(view.servedByCache() ? "held-by-cache" : "held-by-store", 1, Integer::sum);
            }
        }
        finally
        {
            if (!keep)
            {
                view.close();
            }
        }
    }

    /** The cache's own iterator, forwards and backwards, where the cache holds the region. */
    private void cacheIterator()
    {
        final HR r = pickRegion();
        settle(r);
        final long v = readVersion(r);
        final Snapshot snap = engine.cache().newSnapshot();
        final SnapshotStatus st = snap.open(r.id, r.epoch, v);
        final SnapshotStatus want = predict(r, r.epoch, v);
        final String what = "cache-iterator " + r + " v" + v;
        note(what + " opened " + st);
        try
        {
            if (want != null && st != want)
            {
                throw new AssertionError(what + ": opened " + st + ", predicted " + want);
            }
            if (st != SnapshotStatus.OK)
            {
                return;
            }
            final byte[][] b = boundsIn(r);
            final SnapshotIterator it = snap.iterator(b[0], b[1]);
            final List<Map.Entry<Bytes, Bytes>> expected = new ArrayList<>(visibleRange(b[0], b[1], v).entrySet());
            final List<Map.Entry<Bytes, Bytes>> fwd = new ArrayList<>();
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                fwd.add(Map.entry(Bytes.of(it.key()), Bytes.of(it.value())));
            }
            assertEntries(what + " [" + hex(b[0]) + "," + hex(b[1]) + ") forward", expected, fwd);
            final List<Map.Entry<Bytes, Bytes>> back = new ArrayList<>();
            for (boolean ok = it.seekToLast(); ok; ok = it.prev())
            {
                back.add(0, Map.entry(Bytes.of(it.key()), Bytes.of(it.value())));
            }
            assertEntries(what + " [" + hex(b[0]) + "," + hex(b[1]) + ") backward", expected, back);
            if (!expected.isEmpty() && cmp(new byte[] {0}, r.start) < 0 && rnd.nextBoolean())
            {
                // "a refused iterator(lower, upper) (a bound outside the region) leaves the iterator it handed out
                // before as it was"
                it.seekToFirst();
                final byte[] before = it.key();
                try
                {
                    snap.iterator(new byte[] {0}, b[1]);
                    throw new AssertionError(what + ": iterator with a lower bound below the region not refused");
                }
                catch (final IllegalArgumentException expectedRefusal)
                {
                    assertBytes(what + " iterator after a refused iterator(...)", before, it.isValid() ? it.key()
                        : null);
                    assertBytes(what + " iterator after a refused iterator(...), next", expected.size() > 1
                        ? expected.get(1).getKey().toByteArray() : null, it.next() ? it.key() : null);
                }
            }
            final byte[] probe = keyIn(r);
            if (probe != null && cmp(probe, b[0]) >= 0 && (b[1].length == 0 || cmp(probe, b[1]) < 0))
            {
                final Map.Entry<Bytes, Bytes> ceil = new TreeMap<>(toMap(expected)).ceilingEntry(Bytes.of(probe));
                final boolean ok = it.seek(probe);
                assertBytes(what + " seek " + hex(probe), ceil == null ? null : ceil.getKey().toByteArray(),
                    ok ? it.key() : null);
                final Map.Entry<Bytes, Bytes> floor = new TreeMap<>(toMap(expected)).floorEntry(Bytes.of(probe));
                final boolean ok2 = it.seekForPrev(probe);
                assertBytes(what + " seekForPrev " + hex(probe), floor == null ? null : floor.getKey().toByteArray(),
                    ok2 ? it.key() : null);
            }
        }
        finally
        {
            snap.close();
        }
    }

    private static Map<Bytes, Bytes> toMap(final List<Map.Entry<Bytes, Bytes>> l)
    {
        final TreeMap<Bytes, Bytes> m = new TreeMap<>();
        for (final Map.Entry<Bytes, Bytes> e : l)
        {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    private void belowGcPoint()
    {
        if (storeSp < 2)
        {
            return;
        }
        final HR r = pickRegion();
        final long v = storeSp - 1 - rnd.nextInt((int) Math.min(storeSp - 1, 5));
        final byte[] k = keyIn(r);
        if (k == null)
        {
            return;
        }
        final String what = "read-below-gc " + r + " v" + v + " (store swept at " + storeSp + ")";
        note(what);
        final int q = rnd.nextInt(3);
        try
        {
            if (q == 0)
            {
                reader.get(r.id, r.epoch, v, k);
            }
            else if (q == 1)
            {
                final UnsafeBuffer kb = new UnsafeBuffer(k);
                reader.multiGet(r.id, r.epoch, v, kb, new int[] {0}, new int[] {k.length}, 1,
                    new UnsafeBuffer(new byte[512]), 0, new int[1], new int[1]);
            }
            else
            {
                reader.view(r.region(), v).close();
            }
            throw new AssertionError(what + ": " + (q == 0 ? "get" : q == 1 ? "multiGet" : "view")
                + " did not throw StoreException");
        }
        catch (final StoreException expected)
        {
            // documented: the cache refuses at or below its safe point, the store below its GC point
        }
    }

    /** Re-read every held view and scan: they must still read their version, whatever happened since. */
    private void checkHeld(final boolean closeSome)
    {
        note("check-held " + heldViews.size() + " views, " + heldScans.size() + " scans");
        for (final HeldView h : new ArrayList<>(heldViews))
        {
            final String what = "held view " + h.region + " v" + h.readVersion;
            final TreeMap<Bytes, Bytes> now = visibleRange(h.region.start(), h.region.end(), h.readVersion);
            if (!now.equals(h.expected))
            {
                throw new AssertionError(what + ": the model changed below a held read version");
            }
            compareMaps(what, h.view.asBytesMap(), h.expected, h.region.start(), h.region.end(), 1);
            assertEntries(what + " (derived when opened)",
                new ArrayList<>((h.derived.comparator() == null ? h.expected : h.expected.descendingMap()).entrySet()),
                new ArrayList<>(h.derived.entrySet()));
            if (closeSome && rnd.nextBoolean())
            {
                h.view.close();
                heldViews.remove(h);
                refused(what + " asBytesMap after close", () -> h.view.asBytesMap());
                refused(what + " derived map after close", () -> h.derived.firstEntry());
                refused(what + " derived map size after close", () -> h.derived.size());
            }
        }
        for (final HeldScan h : new ArrayList<>(heldScans))
        {
            advanceScan(h, closeSome ? Integer.MAX_VALUE : 1 + rnd.nextInt(3));
            if (closeSome)
            {
                h.scan.close();
                refused(h.what + " next() after close", () -> h.scan.next());
                refused(h.what + " keyBytes() after close", () -> h.scan.keyBytes());
                h.reader.close();
                refused(h.what + " scan on a closed reader", () -> h.reader.scan(1, 1, 1, new byte[0], new byte[0]));
                heldScans.remove(h);
            }
        }
    }

    private static void unsupported(final String what, final Supplier<?> call)
    {
        try
        {
            call.get();
        }
        catch (final UnsupportedOperationException expected)
        {
            return;
        }
        throw new AssertionError(what + ": no UnsupportedOperationException");
    }

    private static void refused(final String what, final Supplier<?> call)
    {
        try
        {
            call.get();
        }
        catch (final IllegalStateException expected)
        {
            return;
        }
        throw new AssertionError(what + ": no IllegalStateException");
    }

    // ------------------------------------------------------------------------------------------------ map compare

    private static String render(final Iterable<Map.Entry<Bytes, Bytes>> entries)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<Bytes, Bytes> e : entries)
        {
            sb.append(hex(e.getKey().toByteArray())).append('=').append(e.getValue().length()).append("B ");
        }
        return sb.toString();
    }

    static void assertEntries(final String what, final List<Map.Entry<Bytes, Bytes>> want,
        final List<Map.Entry<Bytes, Bytes>> got)
    {
        boolean same = want.size() == got.size();
        for (int i = 0; same && i < want.size(); i++)
        {
            same = want.get(i).getKey().equals(got.get(i).getKey()) && want.get(i).getValue().equals(got.get(i)
                .getValue());
        }
        if (!same)
        {
            throw new AssertionError(what + ":\n expected " + render(want) + "\n but read " + render(got));
        }
    }

    private static Bytes keyOf(final Map.Entry<Bytes, Bytes> e)
    {
        return e == null ? null : e.getKey();
    }

    private static String hexOf(final Bytes b)
    {
        return b == null ? "null" : hex(b.toByteArray());
    }

    private static void same(final String what, final Object want, final Object got)
    {
        if (want == null ? got != null : !want.equals(got))
        {
            throw new AssertionError(what + ": expected " + (want instanceof Bytes ? hexOf((Bytes) want) : want)
                + " but got " + (got instanceof Bytes ? hexOf((Bytes) got) : got));
        }
    }

    private Object outcome(final Supplier<?> s)
    {
        try
        {
            final Object o = s.get();
            return o instanceof Map.Entry ? "entry " + hexOf(((Map.Entry<?, ?>) o).getKey() instanceof Bytes
                ? (Bytes) ((Map.Entry<?, ?>) o).getKey() : null) + "=" + ((Map.Entry<?, ?>) o).getValue() : o;
        }
        catch (final NoSuchElementException e)
        {
            return "NoSuchElementException";
        }
        catch (final IllegalArgumentException e)
        {
            return "IllegalArgumentException";
        }
    }

    private List<Bytes> probes(final NavigableMap<Bytes, Bytes> exp)
    {
        final List<Bytes> out = new ArrayList<>();
        final List<Bytes> keys = new ArrayList<>(exp.keySet());
        for (int i = 0; i < 6; i++)
        {
            final int q = rnd.nextInt(4);
            if (q == 0 && !keys.isEmpty())
            {
                out.add(keys.get(rnd.nextInt(keys.size())));
            }
            else if (q == 1 && !keys.isEmpty())
            {
                final byte[] k = keys.get(rnd.nextInt(keys.size())).toByteArray();
                // just above a key; sometimes far longer than any stored key (over LMDB's 439 bytes too: "a
                // HybridView or StoreView map answers such a key as the cache's view does on every store")
                out.add(Bytes.of(Arrays.copyOf(k, k.length + (rnd.nextInt(8) == 0 ? 440 + rnd.nextInt(200) : 1))));
            }
            else
            {
                out.add(Bytes.of(randomKey()));
            }
        }
        return out;
    }

    /**
     * Compare a view map with the model's TreeMap: contents both ways, size, ends, navigation around probes (inside
     * and, at the top level, outside the region), point lookups, and derived maps (recursively).
     */
    private void compareMaps(final String what, final NavigableMap<Bytes, Bytes> act, final NavigableMap<Bytes, Bytes> exp,
        final byte[] lo, final byte[] hi, final int depth)
    {
        assertEntries(what + " entries", new ArrayList<>(exp.entrySet()), new ArrayList<>(act.entrySet()));
        if (depth > 0 && rnd.nextBoolean())
        {
            return;
        }
        same(what + " size", exp.size(), act.size());
        same(what + " isEmpty", exp.isEmpty(), act.isEmpty());
        assertEntries(what + " descending entries", new ArrayList<>(exp.descendingMap().entrySet()),
            new ArrayList<>(act.descendingMap().entrySet()));
        same(what + " firstKey", outcome(exp::firstKey), outcome(act::firstKey));
        same(what + " lastKey", outcome(exp::lastKey), outcome(act::lastKey));
        same(what + " firstEntry", keyOf(exp.firstEntry()), keyOf(act.firstEntry()));
        same(what + " lastEntry", keyOf(exp.lastEntry()), keyOf(act.lastEntry()));
        for (final Bytes p : probes(exp))
        {
            final String w = what + " probe " + hexOf(p);
            same(w + " ceilingKey", outcome(() -> exp.ceilingKey(p)), outcome(() -> act.ceilingKey(p)));
            same(w + " floorKey", outcome(() -> exp.floorKey(p)), outcome(() -> act.floorKey(p)));
            same(w + " higherKey", outcome(() -> exp.higherKey(p)), outcome(() -> act.higherKey(p)));
            same(w + " lowerKey", outcome(() -> exp.lowerKey(p)), outcome(() -> act.lowerKey(p)));
            same(w + " get", outcome(() -> exp.get(p)), outcome(() -> act.get(p)));
            same(w + " containsKey", outcome(() -> exp.containsKey(p)), outcome(() -> act.containsKey(p)));
            final Map.Entry<Bytes, Bytes> ce = act.ceilingEntry(p);
            same(w + " ceilingEntry value", exp.ceilingEntry(p) == null ? null : exp.ceilingEntry(p).getValue(),
                ce == null ? null : ce.getValue());
        }
        if (depth >= 2)
        {
            return;
        }
        // derived maps, bounds inside the parent's range (keys of the region)
        for (int i = 0; i < 2; i++)
        {
            final List<Bytes> cands = new ArrayList<>();
            for (final Bytes p : probes(exp))
            {
                if ((depth > 0 || inRange(p.toByteArray(), lo, hi)) && accepts(exp, p))
                {
                    cands.add(p);
                }
            }
            if (cands.size() < 2)
            {
                return;
            }
            Bytes a = cands.get(0);
            Bytes b = cands.get(1);
            @SuppressWarnings("unchecked")
            final Comparator<Bytes> c = exp.comparator() == null ? Comparator.naturalOrder()
                : (Comparator<Bytes>) exp.comparator();
            if (c.compare(a, b) > 0)
            {
                final Bytes t = a;
                a = b;
                b = t;
            }
            final boolean ai = rnd.nextBoolean();
            final boolean bi = rnd.nextBoolean();
            final Bytes fa = a;
            final Bytes fb = b;
            final String w;
            final NavigableMap<Bytes, Bytes> e;
            final NavigableMap<Bytes, Bytes> x;
            switch (rnd.nextInt(5))
            {
                case 0:
                    w = what + ".subMap(" + hexOf(a) + (ai ? "]" : ")") + "," + hexOf(b) + (bi ? "]" : ")");
                    e = exp.subMap(fa, ai, fb, bi);
                    x = act.subMap(fa, ai, fb, bi);
                    break;
                case 1:
                    w = what + ".headMap(" + hexOf(b) + (bi ? "]" : ")");
                    e = exp.headMap(fb, bi);
                    x = act.headMap(fb, bi);
                    break;
                case 2:
                    w = what + ".tailMap(" + hexOf(a) + (ai ? "]" : ")");
                    e = exp.tailMap(fa, ai);
                    x = act.tailMap(fa, ai);
                    break;
                case 3:
                    w = what + ".descendingMap()";
                    e = exp.descendingMap();
                    x = act.descendingMap();
                    break;
                default:
                    w = what + ".subMap(" + hexOf(a) + "," + hexOf(b) + ")";
                    e = (NavigableMap<Bytes, Bytes>) exp.subMap(fa, fb);
                    final java.util.SortedMap<Bytes, Bytes> sm = act.subMap(fa, fb);
                    if (!(sm instanceof NavigableMap))
                    {
                        assertEntries(w, new ArrayList<>(e.entrySet()), new ArrayList<>(sm.entrySet()));
                        continue;
                    }
                    x = (NavigableMap<Bytes, Bytes>) sm;
                    break;
            }
            compareMaps(w, x, e, lo, hi, depth + 1);
        }
    }

    /** @return true if the model's (sub)map takes p as a bound (a TreeMap sub-map refuses keys outside its range). */
    private static boolean accepts(final NavigableMap<Bytes, Bytes> exp, final Bytes p)
    {
        try
        {
            exp.subMap(p, true, p, true);
            return true;
        }
        catch (final IllegalArgumentException e)
        {
            return false;
        }
    }

    private void compareByteArrayMap(final String what, final NavigableMap<byte[], byte[]> act,
        final TreeMap<Bytes, Bytes> exp)
    {
        final List<Map.Entry<Bytes, Bytes>> got = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : act.entrySet())
        {
            got.add(Map.entry(Bytes.of(e.getKey()), Bytes.of(e.getValue())));
        }
        assertEntries(what + " (byte[] map)", new ArrayList<>(exp.entrySet()), got);
        final List<Map.Entry<Bytes, Bytes>> back = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : act.descendingMap().entrySet())
        {
            back.add(0, Map.entry(Bytes.of(e.getKey()), Bytes.of(e.getValue())));
        }
        assertEntries(what + " (byte[] map, descending)", new ArrayList<>(exp.entrySet()), back);
    }

    // ------------------------------------------------------------------------------------------------ the end

    private void finish()
    {
        checkHeld(true);
        for (final HeldView h : heldViews)
        {
            h.view.close();
        }
        heldViews.clear();
        for (final HeldScan h : heldScans)
        {
            h.reader.close();
        }
        heldScans.clear();
        settleAll();
        checkCacheState();
        final long v = Math.max(1, ver);
        for (final HR r : regions)
        {
            try (HybridView view = reader.view(r.region(), v))
            {
                compareMaps("final view of " + r, view.asBytesMap(), visibleRange(r.start, r.end, v), r.start, r.end,
                    1);
            }
        }
        for (final CrossCheck.Report rep : CrossCheck.checkAll(engine))
        {
            if (!rep.ok())
            {
                throw new AssertionError("CrossCheck: " + rep);
            }
        }
        final HR r0 = regions.get(0);
        engine.close();
        final WriteBatch after = new WriteBatch(r0.id, r0.epoch, ver + 1).put(new byte[] {1}, new byte[] {1});
        final CommandResult closed = engine.await(engine.write(after));
        if (closed.code() != ResultCode.CLOSED)
        {
            throw new AssertionError("write after close answered " + closed);
        }
        // "A reader of an engine that was closed is still usable: the cache answers CLOSED, so the store serves (and
        // throws StoreException if it was closed with the engine)"
        final byte[] k0 = keyIn(r0);
        if (k0 != null)
        {
            try
            {
                final byte[] got = reader.get(r0.id, r0.epoch, v, k0);
                if (kind.durable)
                {
                    throw new AssertionError("a reader of a closed owning engine read " + hex(got) + " from a closed store");
                }
                assertBytes("reader after close, store kept open", visible(k0, v), got);
                if (reader.lastStatus() != SnapshotStatus.CLOSED)
                {
                    throw new AssertionError("reader after close: lastStatus " + reader.lastStatus());
                }
            }
            catch (final StoreException e)
            {
                if (!kind.durable)
                {
                    throw new AssertionError("the store kept open threw " + e, e);
                }
            }
        }
        reader.close();
        refused("get on a closed reader", () -> reader.get(r0.id, r0.epoch, v, new byte[] {1}));
        if (kind.durable)
        {
            // reopen the store: everything the model holds, at the last version, from the store alone
            store = kind.open(dir);
            engine = HybridEngine.owning(store, config());
            reader.close();
            reader = engine.newReader();
            for (final HR r : regions)
            {
                try (HybridView view = reader.view(r.region(), v))
                {
                    assertEntries("after reopen, " + r, new ArrayList<>(visibleRange(r.start, r.end, v).entrySet()),
                        new ArrayList<>(view.asBytesMap().entrySet()));
                }
            }
            // "a HybridEngine started over it starts the cache at that safe point"
            if (storeSp >= 1 && r0.start.length == 0 && k0 != null)
            {
                expect("load after reopen " + r0, engine.loadRegion(r0.region()), ResultCode.OK);
                r0.cs = CState.LOADING;
                settle(r0);
                for (final RegionInfo info : engine.cache().regions())
                {
                    if (info.region().id() == r0.id && info.safePoint() < storeSp)
                    {
                        throw new AssertionError("after reopen the cache's safe point is " + info.safePoint()
                            + ", below the store's " + storeSp);
                    }
                }
                assertBytes("after reopen, get at the safe point", visible(k0, storeSp),
                    reader.get(r0.id, r0.epoch, storeSp, k0));
                if (reader.lastStatus() != SnapshotStatus.TOO_OLD_READ)
                {
                    throw new AssertionError("after reopen, a read at the store's safe point " + storeSp
                        + ": lastStatus " + reader.lastStatus());
                }
            }
            if (storeSp >= 2)
            {
                try
                {
                    reader.get(r0.id, r0.epoch, storeSp - 1, new byte[] {1});
                    throw new AssertionError("after reopen, a read below the GC point " + storeSp + " was served");
                }
                catch (final StoreException expected)
                {
                    // documented: the store recorded its safe point
                }
            }
        }
    }
}
