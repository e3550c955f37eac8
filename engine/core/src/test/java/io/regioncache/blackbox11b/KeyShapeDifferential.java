package io.regioncache.blackbox11b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreCursor;
import io.regioncache.StoreView;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.HybridView;

/**
 * Audit 11b: one seeded random command sequence (regions split at awkward keys, writes and deletes at increasing
 * versions, MVCC delete-ranges, evictions and re-loads, compactions, GC with safe points) applied to a
 * {@link HybridEngine} over any {@link WritableStore}, with EVERY read path compared against a {@link TreeMap} in
 * the README's order (unsigned lexicographic bytes, {@link Arrays#compareUnsigned}): the cache snapshot's get (byte[]
 * and buffer), getView, multiGet, seek/seekForPrev with mixed next/prev steps, forward and backward scans with
 * bounds, its NavigableMap views (byte[] and {@link Bytes}); the hybrid reader's get, multiGet, scan and view on
 * whichever path serves; {@link StoreView} and raw store cursors over ranges that span several regions; reads at
 * old versions down to the GC safe point. The keys are the shapes that break naive code: bytes 0x00, 0x7F, 0x80,
 * 0xFF, keys that are prefixes of each other, keys around the stored-key encoding's 8-byte groups and at the
 * configured maximum length, long shared prefixes, region boundaries and the keys one byte past them.
 * Public API only; public so that engine/hybrid-it runs it over RocksDB and LMDB.
 */
public final class KeyShapeDifferential
{
    /** README: "in unsigned order". */
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private static final byte[] TOMB = new byte[0];
    private static final byte[] EMPTY = new byte[0];
    private static final HexFormat HEX = HexFormat.of();

    private final long seed;
    private final Random rnd;
    private final int maxKeyLength;
    private final HybridEngine engine;
    private final RegionCache cache;
    private final WritableStore store;
    private final HybridReader reader;
    private final TreeMap<byte[], TreeMap<Long, byte[]>> model = new TreeMap<>(ORDER);
    /** The host's routing table: a partition of the whole key space ("" to +infinity). */
    private final List<Region> host = new ArrayList<>();
    private final List<byte[]> pool = new ArrayList<>();
    private final StringBuilder log = new StringBuilder();
    private long version;
    private long safePoint = -1;
    private long nextId = 2;
    /** Reads served by each path, so the test can say every path was exercised. */
    public long cacheReads;
    public long storeReads;
    public long checks;

    /**
     * @param store        the store (owned by the engine from now on).
     * @param seed         the seed.
     * @param maxKeyLength the cache's maxKeyLength (keys are made up to it).
     */
    public KeyShapeDifferential(final WritableStore store, final long seed, final int maxKeyLength)
    {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.maxKeyLength = maxKeyLength;
        this.store = store;
        this.engine = HybridEngine.owning(store, RegionCacheConfig.builder()
            .capacityBytes(256L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(maxKeyLength)
            .maxValueLength(200)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .closeTimeoutMillis(5_000));
        this.cache = engine.cache();
        this.reader = engine.newReader();
        buildPool();
    }

    // ------------------------------------------------------------------------------------------------ key shapes

    private static byte[] k(final int... bytes)
    {
        final byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            out[i] = (byte)bytes[i];
        }
        return out;
    }

    private static byte[] fill(final int len, final int b, final int last)
    {
        final byte[] out = new byte[len];
        Arrays.fill(out, (byte)b);
        out[len - 1] = (byte)last;
        return out;
    }

    private void buildPool()
    {
        final int[] special = {0x00, 0x01, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF};
        for (final int b : special)
        {
            pool.add(k(b));
            pool.add(k(b, b));
            pool.add(k('a', b));
            pool.add(k(b, 'a'));
        }
        pool.add(k('a'));
        pool.add(k('a', 0));
        pool.add(k('a', 0, 0));
        pool.add(k('a', 0, 0, 0));
        pool.add(k('a', 0xFF, 0xFF));
        pool.add(k('a', 'a'));
        pool.add(k('b'));
        pool.add(k(0xFF, 0xFF, 0xFF));
        pool.add(k(0, 0, 0));
        // Lengths around the encoding's 8-byte groups and word-at-a-time compares: 7, 8, 9, 15, 16, 17, 24, 25 and the
        // maximum, over fillers of 0x00, 0x7F, 0x80, 0xFF and 'k', ending in each special byte.
        final int[] lens = {2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, maxKeyLength - 1, maxKeyLength};
        final int[] fillers = {0x00, 0x7F, 0x80, 0xFF, 'k'};
        for (final int len : lens)
        {
            for (final int f : fillers)
            {
                for (final int last : new int[] {0x00, 0x7F, 0x80, 0xFF, f})
                {
                    pool.add(fill(len, f, last));
                }
            }
        }
        // Keys differing only at byte i of a long shared prefix (i around the 8-byte words), with a signed/unsigned
        // difference there.
        for (final int i : new int[] {0, 6, 7, 8, 9, 14, 15, 16, 17, 30, 31, 32})
        {
            for (final int b : new int[] {0x01, 0x7F, 0x80, 0xFE})
            {
                final byte[] key = fill(Math.min(maxKeyLength, 40), 'p', 'p');
                if (i < key.length)
                {
                    key[i] = (byte)b;
                    pool.add(key);
                    pool.add(Arrays.copyOf(key, i + 1)); // a prefix of it
                }
            }
        }
        final TreeSet<byte[]> dedup = new TreeSet<>(ORDER);
        dedup.addAll(pool);
        pool.clear();
        pool.addAll(dedup);
    }

    private byte[] randomKey()
    {
        final int pick = rnd.nextInt(10);
        if (pick < 6)
        {
            return pool.get(rnd.nextInt(pool.size()));
        }
        if (pick < 8)
        {
            // A neighbour of a pool key or region boundary: one byte past it, one byte shorter, last byte +-1.
            final byte[] base = rnd.nextBoolean() || host.size() < 2 ? pool.get(rnd.nextInt(pool.size()))
                : host.get(1 + rnd.nextInt(host.size() - 1)).start();
            return neighbour(base);
        }
        final byte[] key = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 10 : maxKeyLength)];
        final int[] bytes = {0x00, 0x7F, 0x80, 0xFF, 'a'};
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)(rnd.nextInt(3) == 0 ? rnd.nextInt(256) : bytes[rnd.nextInt(bytes.length)]);
        }
        return key;
    }

    private byte[] neighbour(final byte[] base)
    {
        switch (rnd.nextInt(4))
        {
            case 0:
                if (base.length < maxKeyLength)
                {
                    return Arrays.copyOf(base, base.length + 1); // one byte past: base ++ 0x00
                }
                return base.clone();
            case 1:
                return base.length > 1 ? Arrays.copyOf(base, base.length - 1) : base.clone();
            case 2:
            {
                final byte[] c = base.clone();
                c[c.length - 1]++;
                return c;
            }
            default:
            {
                final byte[] c = base.clone();
                c[c.length - 1]--;
                return c;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ the model

    private byte[] modelGet(final byte[] key, final long rv)
    {
        final TreeMap<Long, byte[]> h = model.get(key);
        if (h == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = h.floorEntry(rv);
        return e == null || e.getValue() == TOMB ? null : e.getValue();
    }

    /** The visible keys of [start, end) at rv (end empty: +infinity). */
    private TreeMap<byte[], byte[]> modelRange(final byte[] start, final byte[] end, final long rv)
    {
        final TreeMap<byte[], byte[]> out = new TreeMap<>(ORDER);
        final NavigableMap<byte[], TreeMap<Long, byte[]>> sub =
            end.length == 0 ? model.tailMap(start, true) : model.subMap(start, true, end, false);
        for (final byte[] key : sub.keySet())
        {
            final byte[] v = modelGet(key, rv);
            if (v != null)
            {
                out.put(key, v);
            }
        }
        return out;
    }

    private static boolean inRange(final byte[] key, final byte[] start, final byte[] end)
    {
        return ORDER.compare(key, start) >= 0 && (end.length == 0 || ORDER.compare(key, end) < 0);
    }

    private static String hex(final byte[] b)
    {
        return b == null ? "null" : b == TOMB ? "TOMB" : b.length == 0 ? "''" : HEX.formatHex(b);
    }

    private static List<String> show(final Map<byte[], byte[]> m)
    {
        final List<String> out = new ArrayList<>();
        m.forEach((key, v) -> out.add(hex(key) + "=" + hex(v)));
        return out;
    }

    private static String show(final Map.Entry<byte[], byte[]> e)
    {
        return e == null ? "null" : hex(e.getKey()) + "=" + hex(e.getValue());
    }

    private String ctx(final String what)
    {
        return "seed " + seed + ", version " + version + ", safe point " + safePoint + ": " + what
            + "\n--- last commands:\n" + tail();
    }

    private String tail()
    {
        final int from = Math.max(0, log.length() - 4000);
        return log.substring(from);
    }

    // ------------------------------------------------------------------------------------------------ commands

    private CommandResult run(final String what, final java.util.concurrent.CompletableFuture<CommandResult> f)
    {
        final CommandResult r = engine.await(f);
        for (int i = 0; i < 4; i++)
        {
            engine.applyCycle();
        }
        log.append(what).append(" -> ").append(r.code()).append('\n');
        return r;
    }

    private int regionOf(final byte[] key)
    {
        for (int i = 0; i < host.size(); i++)
        {
            if (inRange(key, host.get(i).start(), host.get(i).end()))
            {
                return i;
            }
        }
        throw new AssertionError("host table does not cover " + hex(key));
    }

    private void write()
    {
        final byte[] first = randomKey();
        final Region r = host.get(regionOf(first));
        final long v = ++version;
        final WriteBatch b = new WriteBatch(r.id(), r.epochVersion(), v);
        final TreeMap<byte[], byte[]> wrote = new TreeMap<>(ORDER);
        final int n = 1 + rnd.nextInt(8);
        for (int i = 0; i < n; i++)
        {
            final byte[] key = i == 0 ? first : randomKey();
            if (!inRange(key, r.start(), r.end()) || wrote.containsKey(key))
            {
                continue;
            }
            if (rnd.nextInt(5) == 0)
            {
                b.delete(key);
                wrote.put(key, TOMB);
            }
            else
            {
                final byte[] value = value(key, v);
                b.put(key, value);
                wrote.put(key, value);
            }
        }
        final CommandResult res = run("write " + r.id() + "@" + v + " " + wrote.size() + " keys from " + hex(first),
            engine.write(b));
        assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED, () -> ctx("write " + res));
        wrote.forEach((key, val) -> model.computeIfAbsent(key, x -> new TreeMap<>()).put(v, val));
    }

    /**
     * A batch routed to the wrong region (README, the hybrid engine: "a misrouted key ... The engine looks each key up
     * (RegionCache.regionFor) and evicts the batch's key range if any is cached"): the store has it, so every read
     * must show it, and the lookup that finds the cached region must order keys as the regions do.
     */
    private void misroutedWrite()
    {
        if (host.size() < 2)
        {
            return;
        }
        final byte[] key = randomKey();
        final int home = regionOf(key);
        int to = rnd.nextInt(host.size() - 1);
        if (to >= home)
        {
            to++;
        }
        final Region r = host.get(to);
        final long v = ++version;
        final byte[] value = value(key, v);
        final boolean del = rnd.nextInt(4) == 0;
        final WriteBatch b = new WriteBatch(r.id(), r.epochVersion(), v);
        if (del)
        {
            b.delete(key);
        }
        else
        {
            b.put(key, value);
        }
        final CommandResult res = run("misrouted write " + hex(key) + " (region " + host.get(home).id() + ") to "
            + r.id() + "@" + v, engine.write(b));
        assertTrue(res.code() == ResultCode.NOT_CACHED || res.code() == ResultCode.INVALID,
            () -> ctx("misrouted write " + res));
        model.computeIfAbsent(key, x -> new TreeMap<>()).put(v, del ? TOMB : value);
    }

    private byte[] value(final byte[] key, final long v)
    {
        if (rnd.nextInt(12) == 0)
        {
            return EMPTY.clone(); // an empty value is a value, not a delete
        }
        final byte[] tag = (hex(key) + "@" + v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return Arrays.copyOf(tag, Math.min(tag.length, 200));
    }

    private void split()
    {
        final int i = rnd.nextInt(host.size());
        final Region r = host.get(i);
        final TreeSet<byte[]> keys = new TreeSet<>(ORDER);
        final int n = 1 + rnd.nextInt(3);
        for (int t = 0; t < 30 && keys.size() < n; t++)
        {
            final byte[] key = randomKey();
            if (inRange(key, r.start(), r.end()) && ORDER.compare(key, r.start()) > 0)
            {
                keys.add(key);
            }
        }
        if (keys.isEmpty())
        {
            return;
        }
        final byte[][] splitKeys = keys.toArray(new byte[0][]);
        final long[] ids = new long[splitKeys.length];
        for (int t = 0; t < ids.length; t++)
        {
            ids[t] = nextId++;
        }
        final long epoch = r.epochVersion() + 1;
        final StringBuilder what = new StringBuilder("split " + r.id() + " at");
        for (final byte[] key : splitKeys)
        {
            what.append(' ').append(hex(key));
        }
        final CommandResult res = run(what.toString(), engine.split(r.id(), r.epochVersion(), splitKeys, ids, epoch));
        assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED, () -> ctx(what + " " + res));
        // The host's table changes whether or not the cache held it: pieces [start,k1) .. get the new ids, the last
        // keeps the source id (README, Command.Split).
        final List<Region> pieces = new ArrayList<>();
        byte[] from = r.start();
        for (int t = 0; t < splitKeys.length; t++)
        {
            pieces.add(new Region(ids[t], from, splitKeys[t], epoch));
            from = splitKeys[t];
        }
        pieces.add(new Region(r.id(), from, r.end(), epoch));
        host.remove(i);
        host.addAll(i, pieces);
    }

    private void load()
    {
        final Region r = host.get(rnd.nextInt(host.size()));
        final CommandResult res = run("load " + r.id(), engine.loadRegion(r));
        assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.SKIPPED, () -> ctx("load " + res));
        assertEquals(RegionState.ACTIVE, cache.stateOf(r.id()), () -> ctx("loaded region " + r.id()));
    }

    private void evict()
    {
        final Region r = host.get(rnd.nextInt(host.size()));
        run("evict " + r.id(), engine.evict(r.id(), EvictReason.MANUAL));
    }

    private void deleteRange()
    {
        byte[] a = randomKey();
        byte[] b = randomKey();
        if (ORDER.compare(a, b) > 0)
        {
            final byte[] t = a;
            a = b;
            b = t;
        }
        final byte[] start = a;
        final byte[] end = rnd.nextInt(6) == 0 ? EMPTY : b;
        if (end.length > 0 && ORDER.compare(start, end) >= 0)
        {
            return;
        }
        final long v = ++version;
        final CommandResult res = run("deleteRange [" + hex(start) + "," + hex(end) + ")@" + v,
            engine.deleteRange(start, end, v));
        assertTrue(res.code() == ResultCode.OK || res.code() == ResultCode.NOT_CACHED, () -> ctx("deleteRange " + res));
        final NavigableMap<byte[], TreeMap<Long, byte[]>> sub =
            end.length == 0 ? model.tailMap(start, true) : model.subMap(start, true, end, false);
        sub.values().forEach(h -> h.put(v, TOMB));
    }

    private void gc()
    {
        if (version < 3)
        {
            return;
        }
        final long sp = Math.max(safePoint, version - 1 - rnd.nextInt((int)Math.min(version - 1, 40)));
        if (sp <= safePoint)
        {
            return;
        }
        log.append("gc ").append(sp).append('\n');
        engine.gc(sp);
        safePoint = sp;
    }

    private void compact()
    {
        final Region r = host.get(rnd.nextInt(host.size()));
        run("compact " + r.id(), cache.compact(r.id()));
    }

    /**
     * @param steps commands to run; reads are checked after every few.
     */
    public void run(final int steps)
    {
        final Region all = new Region(1, EMPTY, EMPTY, 1);
        host.add(all);
        assertEquals(ResultCode.OK, run("create 1", engine.createRegion(all)).code());
        for (int s = 0; s < steps; s++)
        {
            final int op = rnd.nextInt(100);
            if (op < 55)
            {
                write();
            }
            else if (op < 63)
            {
                split();
            }
            else if (op < 73)
            {
                load();
            }
            else if (op < 79)
            {
                evict();
            }
            else if (op < 83)
            {
                deleteRange();
            }
            else if (op < 88)
            {
                gc();
            }
            else if (op < 91)
            {
                compact();
            }
            else if (op < 93)
            {
                misroutedWrite();
            }
            else
            {
                checkAll();
            }
        }
        // Finally every region, cached and not, at the newest and the oldest readable version.
        for (final Region r : host)
        {
            if (rnd.nextBoolean())
            {
                load();
            }
        }
        for (final Region r : host)
        {
            checkRegion(r, readVersion());
        }
        checkAcrossRegions(readVersion());
        for (final Region r : host)
        {
            final CrossCheck.Report rep = CrossCheck.check(engine, r.id());
            assertTrue(rep.divergences().isEmpty(), () -> ctx("cross-check " + r.id() + ": " + rep));
        }
    }

    /** Close the reader and the engine (and the store it owns). */
    public void close()
    {
        reader.close();
        engine.close();
    }

    // ------------------------------------------------------------------------------------------------ the reads

    private long readVersion()
    {
        final long low = Math.max(0, safePoint);
        switch (rnd.nextInt(4))
        {
            case 0:
                return version;
            case 1:
                return low;
            default:
                return low + (long)(rnd.nextDouble() * (version - low + 1));
        }
    }

    /** Query keys for a region: model keys near it, pool keys, its bounds and their neighbours, the empty key. */
    private List<byte[]> queryKeys(final Region r, final int n)
    {
        final List<byte[]> out = new ArrayList<>();
        out.add(EMPTY);
        out.add(r.start());
        out.add(r.end());
        // One byte past each bound, also when that makes a key longer than maxKeyLength (README: a bound or a
        // navigation key only has to fall between keys).
        out.add(Arrays.copyOf(r.start(), r.start().length + 1));
        if (r.end().length > 0)
        {
            out.add(Arrays.copyOf(r.end(), r.end().length + 1));
        }
        if (r.end().length > 1)
        {
            out.add(Arrays.copyOf(r.end(), r.end().length - 1));
        }
        final List<byte[]> inside = new ArrayList<>(r.end().length == 0 ? model.tailMap(r.start(), true).keySet()
            : model.subMap(r.start(), true, r.end(), false).keySet());
        for (int i = 0; i < n; i++)
        {
            final int pick = rnd.nextInt(3);
            if (pick == 0 && !inside.isEmpty())
            {
                out.add(inside.get(rnd.nextInt(inside.size())));
            }
            else if (pick == 1 && !inside.isEmpty())
            {
                final byte[] near = neighbour(inside.get(rnd.nextInt(inside.size())));
                out.add(near);
                if (rnd.nextInt(4) == 0)
                {
                    // Longer than any stored key can be: key ++ 0x00 / 0xFF.
                    final byte[] longer = Arrays.copyOf(near, Math.max(near.length, maxKeyLength) + 1);
                    longer[longer.length - 1] = (byte)(rnd.nextBoolean() ? 0 : 0xFF);
                    out.add(longer);
                }
            }
            else
            {
                out.add(randomKey());
            }
        }
        return out;
    }

    private void checkAll()
    {
        // A few regions each time (the final check takes them all): boundary regions are the interesting ones.
        for (int t = 0; t < 4; t++)
        {
            checkRegion(host.get(rnd.nextInt(host.size())), readVersion());
        }
        checkAcrossRegions(readVersion());
    }

    private void checkRegion(final Region r, final long rv)
    {
        checks++;
        final TreeMap<byte[], byte[]> exp = modelRange(r.start(), r.end(), rv);
        final List<byte[]> q = queryKeys(r, 24);
        final String where = "region " + r.id() + " [" + hex(r.start()) + "," + hex(r.end()) + ") e" + r.epochVersion()
            + " rv " + rv;

        // The engine alone: a snapshot of the cache, when it holds the region at that version.
        final Snapshot s = cache.newSnapshot();
        final SnapshotStatus st = s.open(r.id(), r.epochVersion(), rv);
        if (st == SnapshotStatus.OK)
        {
            cacheReads++;
            try
            {
                checkSnapshot(s, r, rv, exp, q, where + " (cache snapshot)");
            }
            finally
            {
                s.close();
            }
        }
        else if (rv > Math.max(0, safePoint) && cache.stateOf(r.id()) == RegionState.ACTIVE
            && Arrays.equals(cache.region(r.id()).start(), r.start()))
        {
            fail(ctx(where + ": ACTIVE region opened " + st));
        }
        else
        {
            storeReads++;
        }

        // The cache's key-to-region lookup agrees with the host's table on these keys (bounds and one byte past).
        for (final byte[] key : q)
        {
            if (key.length == 0)
            {
                continue;
            }
            final Region home = host.get(regionOf(key));
            final Region found = cache.regionFor(key);
            final RegionState state = cache.stateOf(home.id());
            if (found != null)
            {
                assertEquals(home.id(), found.id(), () -> ctx(where + " regionFor " + hex(key)));
                assertTrue(found.contains(key), () -> ctx(where + " regionFor " + hex(key) + " gave " + found));
            }
            else if (state == RegionState.ACTIVE && cache.region(home.id()).epochVersion() == home.epochVersion())
            {
                fail(ctx(where + " regionFor " + hex(key) + " found nothing; region " + home.id() + " is ACTIVE"));
            }
        }

        // The hybrid reader, on whichever path serves.
        checkHybrid(r, rv, exp, q, where + " (hybrid, cache state " + cache.stateOf(r.id()) + ")");
    }

    private void checkSnapshot(final Snapshot s, final Region r, final long rv, final TreeMap<byte[], byte[]> exp,
        final List<byte[]> q, final String where)
    {
        final UnsafeBuffer keyBuf = new UnsafeBuffer(new byte[2 * maxKeyLength + 16]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[512]);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final List<byte[]> inRegion = new ArrayList<>();
        final List<byte[]> bounds = new ArrayList<>();
        for (final byte[] key : q)
        {
            if (inRange(key, r.start(), r.end())) // the empty key too, in the first region: no key, read as absent
            {
                if (key.length > 0)
                {
                    bounds.add(key);
                }
                if (key.length <= maxKeyLength)
                {
                    inRegion.add(key);
                }
            }
        }
        final UnsafeBuffer longKey = new UnsafeBuffer(new byte[2 * maxKeyLength + 16]);
        for (final byte[] key : bounds)
        {
            if (key.length > maxKeyLength)
            {
                // README ("The hybrid engine"): for a key no store holds "the cache answers 'absent'".
                final String w = where + " over-long key " + hex(key);
                assertEquals("null", hex(s.get(key)), () -> ctx(w + " get(byte[])"));
                longKey.putBytes(1, key);
                assertEquals(-1, s.get(longKey, 1, key.length, dst, 0), () -> ctx(w + " get(buffer)"));
                assertEquals(false, s.getView(longKey, 1, key.length, view), () -> ctx(w + " getView"));
            }
        }
        for (final byte[] key : inRegion)
        {
            final byte[] want = exp.get(key);
            final String w = where + " key " + hex(key);
            assertEquals(hex(want), hex(s.get(key)), () -> ctx(w + " get(byte[])"));
            final int off = 3;
            keyBuf.putBytes(off, key);
            final int n = s.get(keyBuf, off, key.length, dst, 5);
            assertEquals(want == null ? -1 : want.length, n, () -> ctx(w + " get(buffer) length"));
            if (want != null)
            {
                final byte[] got = new byte[n];
                dst.getBytes(5, got);
                assertEquals(hex(want), hex(got), () -> ctx(w + " get(buffer)"));
            }
            final boolean found = s.getView(keyBuf, off, key.length, view);
            assertEquals(want != null, found, () -> ctx(w + " getView found"));
            if (found)
            {
                final byte[] got = new byte[view.capacity()];
                view.getBytes(0, got);
                assertEquals(hex(want), hex(got), () -> ctx(w + " getView"));
            }
        }
        // multiGet over the region's keys and the over-long ones among the bounds (absent: -1, like get).
        final List<byte[]> mixed = new ArrayList<>(inRegion);
        for (final byte[] key : bounds)
        {
            if (key.length > maxKeyLength)
            {
                mixed.add(key);
            }
        }
        if (!mixed.isEmpty())
        {
            multiGet(mixed, exp, where + " multiGet", (keys, offs, lens, count, out, vo, vl) ->
                s.multiGet(keys, offs, lens, count, out, 0, vo, vl));
        }

        // Scans: whole region, then random bounds inside it.
        final SnapshotIterator it = s.iterator();
        assertEquals(show(exp), forward(it), () -> ctx(where + " forward scan"));
        assertEquals(show(exp), backward(it), () -> ctx(where + " backward scan"));
        for (int t = 0; t < 6; t++)
        {
            final byte[] lo = rnd.nextInt(4) == 0 || bounds.isEmpty() ? null : bounds.get(rnd.nextInt(bounds.size()));
            final byte[] hi = rnd.nextInt(4) == 0 || bounds.isEmpty() ? null : bounds.get(rnd.nextInt(bounds.size()));
            final byte[] loB = lo == null ? r.start() : lo;
            final byte[] hiB = hi == null ? r.end() : hi;
            if (hiB.length > 0 && ORDER.compare(loB, hiB) > 0)
            {
                continue;
            }
            final TreeMap<byte[], byte[]> sub = hiB.length == 0 ? new TreeMap<>(exp.tailMap(loB, true))
                : new TreeMap<>(exp.subMap(loB, true, hiB, false));
            final String w = where + " iterator [" + hex(lo) + "," + hex(hi) + ")";
            final SnapshotIterator b = s.iterator(lo, hi);
            assertEquals(show(sub), forward(b), () -> ctx(w + " forward"));
            assertEquals(show(sub), backward(b), () -> ctx(w + " backward"));
            // Seeks inside the region (any key of it, inside or outside the bounds), then random steps.
            for (int u = 0; u < 4 && !bounds.isEmpty(); u++)
            {
                final byte[] key = bounds.get(rnd.nextInt(bounds.size()));
                final boolean forPrev = rnd.nextBoolean();
                final boolean ok = forPrev ? b.seekForPrev(key) : b.seek(key);
                byte[] at = forPrev ? sub.floorKey(key) : sub.ceilingKey(key);
                final String w2 = w + (forPrev ? " seekForPrev " : " seek ") + hex(key);
                assertEquals(at != null, ok, () -> ctx(w2));
                for (int step = 0; at != null && step < 6; step++)
                {
                    final byte[] cur = at;
                    assertEquals(hex(cur), hex(b.key()), () -> ctx(w2 + " position"));
                    assertEquals(hex(sub.get(cur)), hex(b.value()), () -> ctx(w2 + " value"));
                    final boolean fwd = rnd.nextBoolean();
                    final boolean moved = fwd ? b.next() : b.prev();
                    at = fwd ? sub.higherKey(cur) : sub.lowerKey(cur);
                    assertEquals(at != null, moved, () -> ctx(w2 + (fwd ? " next" : " prev") + " from " + hex(cur)));
                }
            }
        }
        checkMap(s.asNavigableMap(), exp, q, where + " asNavigableMap");
        checkBytesMap(s.asBytesMap(), exp, q, where + " asBytesMap");
    }

    @FunctionalInterface
    private interface MultiGet
    {
        int read(DirectBuffer keys, int[] offs, int[] lens, int count, UnsafeBuffer dst, int[] vo, int[] vl);
    }

    private void multiGet(final List<byte[]> keys, final TreeMap<byte[], byte[]> exp, final String where,
        final MultiGet call)
    {
        final List<byte[]> pick = new ArrayList<>();
        final int n = 1 + rnd.nextInt(Math.min(40, keys.size() * 2));
        for (int i = 0; i < n; i++)
        {
            pick.add(keys.get(rnd.nextInt(keys.size()))); // duplicates allowed
        }
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[n * (2 * maxKeyLength + 2) + 1]);
        final int[] offs = new int[n];
        final int[] lens = new int[n];
        int at = 1;
        for (int i = 0; i < n; i++)
        {
            offs[i] = at;
            lens[i] = pick.get(i).length;
            buf.putBytes(at, pick.get(i));
            at += lens[i] + 1;
        }
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[n * 210]);
        final int[] vo = new int[n];
        final int[] vl = new int[n];
        call.read(buf, offs, lens, n, dst, vo, vl);
        for (int i = 0; i < n; i++)
        {
            final byte[] want = exp.get(pick.get(i));
            final int fi = i;
            assertEquals(want == null ? -1 : want.length, vl[i], () -> ctx(where + " key " + fi + " " + hex(pick.get(fi)) + " length"));
            if (want != null)
            {
                final byte[] got = new byte[vl[i]];
                dst.getBytes(vo[i], got);
                assertEquals(hex(want), hex(got), () -> ctx(where + " key " + fi + " " + hex(pick.get(fi))));
            }
        }
    }

    private static List<String> forward(final SnapshotIterator it)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            out.add(hex(it.key()) + "=" + hex(it.value()));
        }
        return out;
    }

    private static List<String> backward(final SnapshotIterator it)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = it.seekToLast(); ok; ok = it.prev())
        {
            out.add(0, hex(it.key()) + "=" + hex(it.value()));
        }
        return out;
    }

    private static <T> String call(final Supplier<T> s, final java.util.function.Function<T, String> f)
    {
        try
        {
            return f.apply(s.get());
        }
        catch (final NoSuchElementException e)
        {
            return "NoSuchElement";
        }
    }

    /** Every navigation of a byte[] view against the model (with keys below, inside and above it). */
    private void checkMap(final NavigableMap<byte[], byte[]> m, final TreeMap<byte[], byte[]> exp,
        final List<byte[]> q, final String where)
    {
        checkNav(m, exp, q, where, 0);
        assertThrows(UnsupportedOperationException.class, m::pollFirstEntry, () -> ctx(where + " pollFirstEntry"));
        assertThrows(UnsupportedOperationException.class, m::pollLastEntry, () -> ctx(where + " pollLastEntry"));
    }

    private void checkNav(final NavigableMap<byte[], byte[]> m, final NavigableMap<byte[], byte[]> exp,
        final List<byte[]> q, final String where, final int depth)
    {
        assertEquals(show(exp), show(m), () -> ctx(where + " entries"));
        assertEquals(exp.size(), m.size(), () -> ctx(where + " size"));
        assertEquals(call(exp::firstKey, KeyShapeDifferential::hex), call(m::firstKey, KeyShapeDifferential::hex),
            () -> ctx(where + " firstKey"));
        assertEquals(call(exp::lastKey, KeyShapeDifferential::hex), call(m::lastKey, KeyShapeDifferential::hex),
            () -> ctx(where + " lastKey"));
        assertEquals(show(exp.firstEntry()), show(m.firstEntry()), () -> ctx(where + " firstEntry"));
        assertEquals(show(exp.lastEntry()), show(m.lastEntry()), () -> ctx(where + " lastEntry"));
        for (final byte[] key : q)
        {
            final String w = where + " at " + hex(key);
            assertEquals(hex(exp.floorKey(key)), hex(m.floorKey(key)), () -> ctx(w + " floorKey"));
            assertEquals(hex(exp.ceilingKey(key)), hex(m.ceilingKey(key)), () -> ctx(w + " ceilingKey"));
            assertEquals(hex(exp.higherKey(key)), hex(m.higherKey(key)), () -> ctx(w + " higherKey"));
            assertEquals(hex(exp.lowerKey(key)), hex(m.lowerKey(key)), () -> ctx(w + " lowerKey"));
            assertEquals(show(exp.floorEntry(key)), show(m.floorEntry(key)), () -> ctx(w + " floorEntry"));
            assertEquals(show(exp.higherEntry(key)), show(m.higherEntry(key)), () -> ctx(w + " higherEntry"));
            if (inMapRange(exp, key))
            {
                assertEquals(hex(exp.get(key)), hex(m.get(key)), () -> ctx(w + " get"));
                assertEquals(exp.containsKey(key), m.containsKey(key), () -> ctx(w + " containsKey"));
            }
        }
        if (depth >= 1)
        {
            return;
        }
        // Derived maps at query keys (both flags), descending views.
        for (int t = 0; t < 3; t++)
        {
            final byte[] a = q.get(rnd.nextInt(q.size()));
            final byte[] b = q.get(rnd.nextInt(q.size()));
            final boolean ai = rnd.nextBoolean();
            final boolean bi = rnd.nextBoolean();
            // In the map's own order (a descending view's is reversed).
            final Comparator<? super byte[]> cmp = exp.comparator();
            final byte[] lo = cmp.compare(a, b) <= 0 ? a : b;
            final byte[] hi = lo == a ? b : a;
            if (!inMapRange(exp, lo) || !inMapRange(exp, hi))
            {
                continue;
            }
            final String w = where + " subMap(" + hex(lo) + "," + ai + "," + hex(hi) + "," + bi + ")";
            if (cmp.compare(lo, hi) == 0 && (!ai || !bi))
            {
                continue; // TreeMap allows it, but one flag only; keep the comparison simple
            }
            checkNav(m.subMap(lo, ai, hi, bi), exp.subMap(lo, ai, hi, bi), q, w, depth + 1);
            checkNav(m.headMap(hi, bi), exp.headMap(hi, bi), q, where + " headMap(" + hex(hi) + "," + bi + ")", depth + 1);
            checkNav(m.tailMap(lo, ai), exp.tailMap(lo, ai), q, where + " tailMap(" + hex(lo) + "," + ai + ")", depth + 1);
            checkNav(m.descendingMap(), exp.descendingMap(), q, where + " descendingMap", depth + 1);
            checkNav(m.subMap(lo, ai, hi, bi).descendingMap(), exp.subMap(lo, ai, hi, bi).descendingMap(), q,
                w + ".descendingMap", depth + 1);
        }
    }

    /** Whether a TreeMap sub-map would accept {@code key} (a key outside a derived map's range throws there). */
    private static boolean inMapRange(final NavigableMap<byte[], byte[]> exp, final byte[] key)
    {
        try
        {
            exp.get(key);
            exp.headMap(key, true);
            exp.tailMap(key, true);
            return true;
        }
        catch (final IllegalArgumentException e)
        {
            return false;
        }
    }

    private void checkBytesMap(final NavigableMap<Bytes, Bytes> m, final TreeMap<byte[], byte[]> exp,
        final List<byte[]> q, final String where)
    {
        final List<String> got = new ArrayList<>();
        m.forEach((key, v) -> got.add(hex(key.toByteArray()) + "=" + hex(v.toByteArray())));
        assertEquals(show(exp), got, () -> ctx(where + " entries"));
        final List<String> desc = new ArrayList<>();
        m.descendingMap().forEach((key, v) -> desc.add(0, hex(key.toByteArray()) + "=" + hex(v.toByteArray())));
        assertEquals(show(exp), desc, () -> ctx(where + " descending entries"));
        for (final byte[] key : q)
        {
            final Bytes bk = Bytes.of(key);
            final Bytes f = m.floorKey(bk);
            final Bytes c = m.ceilingKey(bk);
            final Bytes h = m.higherKey(bk);
            final Bytes l = m.lowerKey(bk);
            assertEquals(hex(exp.floorKey(key)), f == null ? "null" : hex(f.toByteArray()), () -> ctx(where + " floorKey " + hex(key)));
            assertEquals(hex(exp.ceilingKey(key)), c == null ? "null" : hex(c.toByteArray()), () -> ctx(where + " ceilingKey " + hex(key)));
            assertEquals(hex(exp.higherKey(key)), h == null ? "null" : hex(h.toByteArray()), () -> ctx(where + " higherKey " + hex(key)));
            assertEquals(hex(exp.lowerKey(key)), l == null ? "null" : hex(l.toByteArray()), () -> ctx(where + " lowerKey " + hex(key)));
        }
    }

    private void checkHybrid(final Region r, final long rv, final TreeMap<byte[], byte[]> exp, final List<byte[]> q,
        final String where)
    {
        final UnsafeBuffer keyBuf = new UnsafeBuffer(new byte[2 * maxKeyLength + 16]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[512]);
        final List<byte[]> inRegion = new ArrayList<>();
        final List<byte[]> bounds = new ArrayList<>();
        for (final byte[] key : q)
        {
            if (inRange(key, r.start(), r.end())) // the empty key too, in the first region: no key, read as absent
            {
                if (key.length > 0)
                {
                    bounds.add(key);
                }
                // Over-long keys are read too where the store can hold them (LMDB refuses a read over 439 bytes,
                // as the README says, where the cache answers absent).
                if (key.length <= maxKeyLength || key.length <= 439)
                {
                    inRegion.add(key);
                }
            }
        }
        for (final byte[] key : inRegion)
        {
            final byte[] want = exp.get(key);
            final String w = where + " key " + hex(key);
            assertEquals(hex(want), hex(reader.get(r.id(), r.epochVersion(), rv, key)), () -> ctx(w + " get(byte[])"));
            keyBuf.putBytes(2, key);
            final int n = reader.get(r.id(), r.epochVersion(), rv, keyBuf, 2, key.length, dst, 7);
            assertEquals(want == null ? -1 : want.length, n, () -> ctx(w + " get(buffer) length"));
            if (want != null)
            {
                final byte[] got = new byte[n];
                dst.getBytes(7, got);
                assertEquals(hex(want), hex(got), () -> ctx(w + " get(buffer)"));
            }
        }
        if (!inRegion.isEmpty())
        {
            multiGet(inRegion, exp, where + " multiGet", (keys, offs, lens, count, out, vo, vl) ->
                reader.multiGet(r.id(), r.epochVersion(), rv, keys, offs, lens, count, out, 0, vo, vl));
        }
        // Scans with the region's own bounds (empty = open) and with bounds at keys inside it.
        for (int t = 0; t < 5; t++)
        {
            final byte[] lo = t == 0 || bounds.isEmpty() || rnd.nextInt(3) == 0 ? r.start()
                : bounds.get(rnd.nextInt(bounds.size()));
            final byte[] hi = t == 0 || bounds.isEmpty() || rnd.nextInt(3) == 0 ? r.end()
                : bounds.get(rnd.nextInt(bounds.size()));
            if (hi.length > 0 && ORDER.compare(lo, hi) > 0)
            {
                continue;
            }
            final TreeMap<byte[], byte[]> sub = hi.length == 0 ? new TreeMap<>(exp.tailMap(lo, true))
                : new TreeMap<>(exp.subMap(lo, true, hi, false));
            final List<String> got = new ArrayList<>();
            final boolean byCache;
            try (HybridScan scan = reader.scan(r.id(), r.epochVersion(), rv, lo, hi))
            {
                byCache = scan.servedByCache();
                while (scan.next())
                {
                    got.add(hex(scan.keyBytes()) + "=" + hex(scan.valueBytes()));
                }
            }
            assertEquals(show(sub), got, () -> ctx(where + " scan [" + hex(lo) + "," + hex(hi) + ") by "
                + (byCache ? "cache" : "store")));
        }
        try (HybridView v = reader.view(r, rv))
        {
            final String w = where + " view by " + (v.servedByCache() ? "cache" : "store");
            checkMap(v.asNavigableMap(), exp, q, w);
            checkBytesMap(v.asBytesMap(), exp, q, w + " bytes");
        }
    }

    /** Ranges that span several regions: the store's view and cursors, and the regions' scans one after another. */
    private void checkAcrossRegions(final long rv)
    {
        // Every region's hybrid scan in routing order = the whole key space.
        final List<String> all = new ArrayList<>();
        for (final Region r : host)
        {
            try (HybridScan scan = reader.scan(r.id(), r.epochVersion(), rv, r.start(), r.end()))
            {
                while (scan.next())
                {
                    all.add(hex(scan.keyBytes()) + "=" + hex(scan.valueBytes()));
                }
            }
        }
        final TreeMap<byte[], byte[]> exp = modelRange(EMPTY, EMPTY, rv);
        assertEquals(show(exp), all, () -> ctx("rv " + rv + ": the regions' scans in routing order"));
        // A StoreView from one region's start to a later region's end (or +infinity), and a raw cursor over it.
        final int i = rnd.nextInt(host.size());
        final int j = i + rnd.nextInt(host.size() - i);
        final byte[] start = host.get(i).start();
        final byte[] end = host.get(j).end();
        final TreeMap<byte[], byte[]> span = modelRange(start, end, rv);
        final List<byte[]> q = queryKeys(host.get(i), 16);
        q.addAll(queryKeys(host.get(j), 16));
        final String where = "rv " + rv + " store view [" + hex(start) + "," + hex(end) + ") over regions " + i + ".." + j;
        try (StoreView v = StoreView.open(store, start, end, rv))
        {
            checkMap(v.asNavigableMap(), span, q, where);
        }
        try (StoreCursor c = store.newCursor(start, end, rv))
        {
            final List<String> fwd = new ArrayList<>();
            for (boolean ok = c.seekToFirst(); ok; ok = c.next())
            {
                fwd.add(hex(c.keyBytes()) + "=" + hex(c.valueBytes()));
            }
            assertEquals(show(span), fwd, () -> ctx(where + " cursor forward"));
            final List<String> back = new ArrayList<>();
            for (boolean ok = c.seekToLast(); ok; ok = c.prev())
            {
                back.add(0, hex(c.keyBytes()) + "=" + hex(c.valueBytes()));
            }
            assertEquals(show(span), back, () -> ctx(where + " cursor backward"));
            for (final byte[] key : q)
            {
                if (key.length == 0 || key.length > 439)
                {
                    continue;
                }
                final boolean forPrev = rnd.nextBoolean();
                final boolean ok = forPrev ? c.seekForPrev(key) : c.seek(key);
                final byte[] at = forPrev ? span.floorKey(key) : span.ceilingKey(key);
                assertEquals(hex(at), ok ? hex(c.keyBytes()) : "null",
                    () -> ctx(where + (forPrev ? " cursor seekForPrev " : " cursor seek ") + hex(key)));
                if (ok)
                {
                    final boolean up = rnd.nextBoolean();
                    final boolean moved = up ? c.next() : c.prev();
                    final byte[] nx = up ? span.higherKey(at) : span.lowerKey(at);
                    assertEquals(hex(nx), moved ? hex(c.keyBytes()) : "null",
                        () -> ctx(where + " cursor " + (up ? "next" : "prev") + " after seek " + hex(key)));
                }
            }
        }
    }
}
