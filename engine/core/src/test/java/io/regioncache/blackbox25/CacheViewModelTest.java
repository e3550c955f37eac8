package io.regioncache.blackbox25;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.Bytes;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import org.junit.jupiter.api.Test;

import static io.regioncache.blackbox25.Kit.arrayMap;
import static io.regioncache.blackbox25.Kit.hex;
import static io.regioncache.blackbox25.Kit.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README "guava-testlib: the NavigableMap view": {@code Snapshot.asNavigableMap()} / {@code asBytesMap()} against a
 * {@link TreeMap} of what the read version sees, on cached regions with MVCC history (older versions, tombstones,
 * newer versions above the read version), random bounds (open or not, keys with bytes 0x80 and above, the empty
 * key among the probes), loaded regions, split pieces sharing their parent's table, and empty regions. Seeds are in
 * every failure message; {@code -Dblackbox25.seed=N} replays one.
 */
class CacheViewModelTest
{
    private static final int SEEDS = Integer.getInteger("blackbox25.seeds", 40);

    private static long[] seeds()
    {
        final Long one = Long.getLong("blackbox25.seed");
        if (one != null)
        {
            return new long[] {one};
        }
        final long[] out = new long[SEEDS];
        for (int i = 0; i < SEEDS; i++)
        {
            out[i] = 25_000L + i * 7919L;
        }
        return out;
    }

    /** Random region bounds over the keys: open start or end one time in four each. */
    private static byte[][] bounds(final Random rnd, final List<byte[]> keys)
    {
        while (true)
        {
            final byte[] s = rnd.nextInt(4) == 0 ? new byte[0] : keys.get(rnd.nextInt(keys.size())).clone();
            byte[] e = rnd.nextInt(4) == 0 ? new byte[0] : keys.get(rnd.nextInt(keys.size())).clone();
            if (e.length > 0 && Arrays.compareUnsigned(s, e) >= 0)
            {
                e = rnd.nextBoolean() ? new byte[0] : null;
            }
            if (e != null)
            {
                return new byte[][] {s, e};
            }
        }
    }

    private static void checkBoth(final Random rnd, final String label, final Snapshot snap,
        final TreeMap<byte[], byte[]> visible, final List<byte[]> probes)
    {
        final NavigableMap<byte[], byte[]> arrays = snap.asNavigableMap();
        final ViewModelCheck<byte[]> a = ViewModelCheck.arrays(rnd, label + " (byte[] view)", probes);
        a.run(arrays, ViewModelCheck.arrayModel(visible), 160, 3);
        final NavigableMap<Bytes, Bytes> bytes = snap.asBytesMap();
        final ViewModelCheck<Bytes> b = ViewModelCheck.bytes(rnd, label + " (Bytes view)", probes);
        b.run(bytes, ViewModelCheck.bytesModel(visible), 160, 3);
        assertTrue(a.opsDone() > 100 && b.opsDone() > 100, label);
    }

    /** A created region written through the apply path, read at a version inside its history. */
    @Test
    void createdRegionsWithHistoryMatchTheModel() throws Exception
    {
        for (final long seed : seeds())
        {
            final Random rnd = new Random(seed);
            try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
            {
                final List<byte[]> keys = Kit.randomKeys(rnd, 10 + rnd.nextInt(50));
                final byte[][] range = bounds(rnd, keys);
                final List<byte[]> inside = new ArrayList<>();
                for (final byte[] key : keys)
                {
                    if (Kit.inRange(key, range[0], range[1]))
                    {
                        inside.add(key);
                    }
                }
                final Kit.Hist h = Kit.Hist.random(rnd, inside, 40);
                ok(cache, cache.createRegion(new Region(7, range[0], range[1], 3)));
                h.writeTo(cache, 7, 3, range[0], range[1]);
                final long readVersion = 1 + rnd.nextInt(45);
                final String label = "seed " + seed + " region [" + hex(range[0]) + ", " + hex(range[1]) + ") at " +
                    readVersion;
                try (Snapshot snap = cache.snapshot(7, 3, readVersion))
                {
                    checkBoth(rnd, label, snap, h.visible(readVersion, range[0], range[1]),
                        Kit.probes(rnd, keys, range[0], range[1]));
                }
            }
        }
    }

    /**
     * A region loaded from the in-memory store (whose history also holds keys outside the region), then written
     * through the cache above the loaded versions; read below, inside and above the loaded history.
     */
    @Test
    void loadedRegionsMatchTheModel() throws Exception
    {
        for (final long seed : seeds())
        {
            final Random rnd = new Random(seed ^ 0x5eed);
            final InMemoryBackingStore store = new InMemoryBackingStore();
            try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
            {
                final List<byte[]> keys = Kit.randomKeys(rnd, 10 + rnd.nextInt(50));
                final byte[][] range = bounds(rnd, keys);
                final Kit.Hist h = Kit.Hist.random(rnd, keys, 60);
                for (final WriteBatch batch : h.batches(0, 0, new byte[0], new byte[0]))
                {
                    if (batch.version() <= 40)
                    {
                        store.applyBatch(batch);
                    }
                }
                final Region region = new Region(11, range[0], range[1], 2);
                ok(cache, cache.loadRegion(region));
                Kit.until(cache, "region 11 ACTIVE", () -> cache.stateOf(11) == RegionState.ACTIVE);
                final List<WriteBatch> forStore = h.batches(0, 0, new byte[0], new byte[0]);
                final List<WriteBatch> forCache = h.batches(11, 2, range[0], range[1]);
                for (final WriteBatch batch : forStore)
                {
                    if (batch.version() > 40)
                    {
                        store.applyBatch(batch);
                    }
                }
                for (final WriteBatch batch : forCache)
                {
                    if (batch.version() > 40)
                    {
                        ok(cache, cache.write(batch));
                    }
                }
                final long readVersion = 1 + rnd.nextInt(65);
                final String label = "seed " + seed + " loaded [" + hex(range[0]) + ", " + hex(range[1]) + ") at " +
                    readVersion;
                final Snapshot snap = cache.newSnapshot();
                final SnapshotStatus status = snap.open(11, 2, readVersion);
                assertEquals(SnapshotStatus.OK, status, label);
                try
                {
                    checkBoth(rnd, label, snap, h.visible(readVersion, range[0], range[1]),
                        Kit.probes(rnd, keys, range[0], range[1]));
                }
                finally
                {
                    snap.close();
                }
            }
        }
    }

    /**
     * The pieces of a split share their parent's table, which holds keys outside each piece: every piece's view
     * shows only its own range, at its bounds (the split keys, present or not) too.
     */
    @Test
    void splitPiecesMatchTheModel() throws Exception
    {
        for (final long seed : seeds())
        {
            final Random rnd = new Random(seed * 31 + 1);
            try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
            {
                final List<byte[]> keys = Kit.randomKeys(rnd, 20 + rnd.nextInt(40));
                final Kit.Hist h = Kit.Hist.random(rnd, keys, 30);
                ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
                h.writeTo(cache, 1, 1, new byte[0], new byte[0]);
                final TreeMap<byte[], Boolean> splitSet = arrayMap();
                final int n = 1 + rnd.nextInt(3);
                while (splitSet.size() < n)
                {
                    // a written key, or a key next to one
                    final byte[] key = keys.get(rnd.nextInt(keys.size()));
                    splitSet.put(rnd.nextBoolean() || key.length == Kit.MAX_KEY ? key :
                        Arrays.copyOf(key, key.length + 1), Boolean.TRUE);
                }
                final byte[][] splitKeys = splitSet.keySet().toArray(new byte[0][]);
                final long[] ids = new long[n];
                for (int i = 0; i < n; i++)
                {
                    ids[i] = 100 + i;
                }
                ok(cache, cache.split(1, 1, splitKeys, ids, 2));
                final long readVersion = 1 + rnd.nextInt(32);
                final List<byte[]> probes = Kit.probes(rnd, keys, splitKeys);
                for (int piece = 0; piece <= n; piece++)
                {
                    final long id = piece < n ? ids[piece] : 1;
                    final byte[] start = piece == 0 ? new byte[0] : splitKeys[piece - 1];
                    final byte[] end = piece < n ? splitKeys[piece] : new byte[0];
                    final Region cached = cache.region(id);
                    assertTrue(cached != null && Arrays.equals(start, cached.start()) &&
                        Arrays.equals(end, cached.end()), "seed " + seed + ": piece " + id + " is " + cached);
                    final String label = "seed " + seed + " piece " + id + " [" + hex(start) + ", " + hex(end) +
                        ") at " + readVersion;
                    try (Snapshot snap = cache.snapshot(id, 2, readVersion))
                    {
                        checkBoth(rnd, label, snap, h.visible(readVersion, start, end), probes);
                    }
                }
            }
        }
    }

    /**
     * Larger regions (1,500-2,500 keys, long shared prefixes): a loaded region and the same range written through
     * the apply path, both against the model and equal to each other.
     */
    @Test
    void largerRegionsMatchTheModel() throws Exception
    {
        for (final long seed : new long[] {251, 252, 253})
        {
            final Random rnd = new Random(seed);
            final InMemoryBackingStore store = new InMemoryBackingStore();
            try (RegionCache cache = RegionCache.create(Kit.invoker().backingStore(store).build()))
            {
                final List<byte[]> keys = new ArrayList<>(Kit.randomKeys(rnd, 800));
                final byte[] prefix = new byte[20];
                java.util.Arrays.fill(prefix, (byte)0xff);
                for (int i = 0; i < 700 + rnd.nextInt(1000); i++)
                {
                    final byte[] key = Arrays.copyOf(prefix, 20 + 1 + rnd.nextInt(4));
                    for (int j = 20; j < key.length; j++)
                    {
                        key[j] = (byte)rnd.nextInt(256);
                    }
                    keys.add(key);
                }
                final TreeMap<byte[], Boolean> distinct = arrayMap();
                keys.forEach(key -> distinct.put(key, Boolean.TRUE));
                final List<byte[]> all = new ArrayList<>(distinct.keySet());
                java.util.Collections.shuffle(all, rnd);
                final Kit.Hist h = Kit.Hist.random(rnd, all, 30);
                h.writeTo(store);
                final byte[] start = rnd.nextBoolean() ? new byte[0] : all.get(1);
                final Region loaded = new Region(1, start, new byte[0], 1);
                ok(cache, cache.loadRegion(loaded));
                Kit.until(cache, "loaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
                final long rv = 1 + rnd.nextInt(31);
                final TreeMap<byte[], byte[]> visible = h.visible(rv, start, new byte[0]);
                final List<byte[]> probes = Kit.probes(rnd, all, start);
                try (Snapshot snap = cache.snapshot(1, 1, rv))
                {
                    final String label = "seed " + seed + " large loaded region at " + rv;
                    ViewModelCheck.arrays(rnd, label, probes).run(snap.asNavigableMap(),
                        ViewModelCheck.arrayModel(visible), 60, 2);
                    ViewModelCheck.bytes(rnd, label, probes).run(snap.asBytesMap(),
                        ViewModelCheck.bytesModel(visible), 60, 2);
                    try (io.regioncache.StoreView sv = io.regioncache.StoreView.open(store, start, new byte[0], rv))
                    {
                        assertEquals(sv.asBytesMap(), snap.asBytesMap(), label + ": store and cache differ");
                        assertEquals(List.copyOf(sv.asBytesMap().descendingMap().entrySet()),
                            List.copyOf(snap.asBytesMap().descendingMap().entrySet()), label);
                    }
                }
            }
        }
    }

    /**
     * Regions whose view is empty: nothing written, everything deleted below the read version, or written only
     * above it.
     */
    @Test
    void emptyViewsMatchTheModel() throws Exception
    {
        final Random rnd = new Random(2525);
        try (RegionCache cache = RegionCache.create(Kit.invoker().build()))
        {
            final List<byte[]> keys = Kit.randomKeys(rnd, 12);
            ok(cache, cache.createRegion(new Region(1, Kit.k(0x10), Kit.k(0x90), 1)));
            ok(cache, cache.createRegion(new Region(2, Kit.k(0x90), new byte[0], 1)));
            ok(cache, cache.createRegion(new Region(3, new byte[0], Kit.k(0x10), 1)));
            // region 2: every key put at 1..3 and deleted at 4; then put again at 9
            final List<byte[]> in2 = new ArrayList<>();
            for (final byte[] key : keys)
            {
                final byte[] k2 = new byte[key.length + 1];
                k2[0] = (byte)0x90;
                System.arraycopy(key, 0, k2, 1, key.length);
                in2.add(k2);
            }
            for (int v = 1; v <= 3; v++)
            {
                final WriteBatch batch = new WriteBatch(2, 1, v);
                for (final byte[] key : in2)
                {
                    batch.put(key, Kit.b("v" + v));
                }
                ok(cache, cache.write(batch));
            }
            final WriteBatch del = new WriteBatch(2, 1, 4);
            in2.forEach(del::delete);
            ok(cache, cache.write(del));
            final WriteBatch later = new WriteBatch(2, 1, 9);
            in2.forEach(key -> later.put(key, Kit.b("later")));
            ok(cache, cache.write(later));
            // region 3: only written above the read version
            ok(cache, cache.write(new WriteBatch(3, 1, 20).put(Kit.k(0x01), Kit.b("x")).put(Kit.k(0x0f, 0xff),
                Kit.b("y"))));
            final TreeMap<byte[], byte[]> empty = arrayMap();
            final List<byte[]> probes = Kit.probes(rnd, in2, Kit.k(0x10), Kit.k(0x90));
            for (final long[] at : new long[][] {{1, 5}, {2, 5}, {2, 8}, {3, 19}, {1, 100}})
            {
                try (Snapshot snap = cache.snapshot(at[0], 1, at[1]))
                {
                    assertTrue(snap.asNavigableMap().isEmpty(), "region " + at[0] + " at " + at[1]);
                    checkBoth(rnd, "empty region " + at[0] + " at " + at[1], snap, empty, probes);
                }
            }
            // and the same regions above the writes are not empty
            try (Snapshot snap = cache.snapshot(2, 1, 9))
            {
                assertEquals(in2.size(), snap.asNavigableMap().size());
            }
        }
    }
}
