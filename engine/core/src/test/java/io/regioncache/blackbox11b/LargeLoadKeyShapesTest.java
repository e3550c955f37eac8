package io.regioncache.blackbox11b;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.regioncache.CycleSignal;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 11b: the engine alone ({@link RegionCache} over an {@link InMemoryBackingStore}) loading regions of more than
 * 65,536 entries (README "Loading": past them the scan thread writes node images that the loader links with a finger
 * search, the hash index filled during the copy; with {@code loadScanThreads(2)} two halves meeting at the store's
 * split key), all keys of the awkward shapes (0x00/0x7F/0x80/0xFF, prefixes of each other, lengths around 8 and 16,
 * the maximum), with MVCC history, and region bounds at such keys. Every visible key is then read back by get,
 * multiGet, forward and backward scans, seeks and the map view, against a TreeMap in unsigned order.
 */
class LargeLoadKeyShapesTest
{
    private static final HexFormat HEX = HexFormat.of();
    private static final int MAX_KEY = 48;

    private static byte[] shaped(final Random rnd)
    {
        final int[] lens = {1, 2, 7, 8, 9, 15, 16, 17, 24, MAX_KEY - 1, MAX_KEY};
        final int len = rnd.nextInt(3) == 0 ? lens[rnd.nextInt(lens.length)] : 1 + rnd.nextInt(MAX_KEY);
        final byte[] k = new byte[len];
        final int[] bytes = {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF};
        final int fill = bytes[rnd.nextInt(bytes.length)];
        for (int i = 0; i < len; i++)
        {
            // Mostly one filler (long shared prefixes), a few odd bytes, mostly near the end.
            k[i] = (byte)(rnd.nextInt(len + 1) < 2 + i / 4 ? (rnd.nextBoolean() ? bytes[rnd.nextInt(bytes.length)]
                : rnd.nextInt(256)) : fill);
        }
        return k;
    }

    private static String hex(final byte[] b)
    {
        return b == null ? "null" : HEX.formatHex(b);
    }

    @ParameterizedTest(name = "seed {0}, scan threads {1}, inline {2}")
    @CsvSource({"1,1,true", "2,2,true", "3,2,false"})
    void largeLoadsOfAwkwardKeys(final long seed, final int scanThreads, final boolean inline) throws Exception
    {
        System.out.println("LargeLoadKeyShapesTest seed " + seed);
        final Random rnd = new Random(seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final TreeMap<byte[], TreeMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);
        long version = 0;
        while (model.size() < 90_000)
        {
            final byte[] k = shaped(rnd);
            final long v = ++version;
            final TreeMap<Long, byte[]> h = model.computeIfAbsent(k, x -> new TreeMap<>());
            if (!h.isEmpty() && rnd.nextInt(4) == 0)
            {
                store.delete(k, v);
                h.put(v, null);
            }
            else
            {
                final byte[] val = (hex(k) + "@" + v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                final byte[] value = Arrays.copyOf(val, rnd.nextInt(8) == 0 ? 0 : Math.min(val.length, 150));
                store.put(k, v, value);
                h.put(v, value);
            }
        }
        final long top = version;
        // Regions: split the key space at three shaped keys (and the key just past one of them).
        final List<byte[]> keys = new ArrayList<>(model.keySet());
        final byte[] c1 = keys.get(keys.size() * 8 / 10); // the first region holds ~72,000 keys: past 65,536
        final byte[] c2 = Arrays.copyOf(keys.get(keys.size() * 17 / 20), keys.get(keys.size() * 17 / 20).length + 1); // key ++ 0x00
        final byte[] c3 = keys.get(keys.size() * 9 / 10);
        final byte[][] bounds = {new byte[0], c1, c2, c3, new byte[0]};
        final CycleSignal cycles = new CycleSignal();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .idleStrategy(cycles)
            .capacityBytes(1L << 30)
            .maxKeyLength(MAX_KEY + 1)
            .maxValueLength(200)
            .backingStore(store)
            .loadScanThreads(scanThreads)
            .inlineNewestVersions(inline)
            .build()))
        {
            final Region[] regions = new Region[4];
            for (int i = 0; i < 4; i++)
            {
                regions[i] = new Region(10 + i, bounds[i], bounds[i + 1], 1);
                assertEquals(ResultCode.OK, cache.loadRegion(regions[i]).get(30, TimeUnit.SECONDS).code());
            }
            for (int i = 0; i < 4; i++)
            {
                final long id = regions[i].id();
                cycles.awaitUntil(() -> cache.stateOf(id) == RegionState.ACTIVE, 1_000_000, "region " + i);
                assertEquals(RegionState.ACTIVE, cache.stateOf(regions[i].id()), "region " + i + " loaded");
            }
            // The first region's load went past 65,536 entries, so through the scan thread and the index fill.
            System.out.println("  loads.index_filled_during_copy " + cache.metrics().get("loads.index_filled_during_copy"));
            assertEquals(1, cache.metrics().get("loads.index_filled_during_copy"), "the large load filled its index during the copy");
            for (final long rv : new long[] {top, top / 2, 1 + rnd.nextInt((int)top)})
            {
                for (final Region r : regions)
                {
                    check(cache, r, rv, model, rnd);
                }
            }
        }
    }

    private static void check(final RegionCache cache, final Region r, final long rv,
        final TreeMap<byte[], TreeMap<Long, byte[]>> model, final Random rnd)
    {
        final NavigableMap<byte[], TreeMap<Long, byte[]>> in = r.end().length == 0
            ? model.tailMap(r.start(), true) : model.subMap(r.start(), true, r.end(), false);
        final TreeMap<byte[], byte[]> exp = new TreeMap<>(Arrays::compareUnsigned);
        for (final Map.Entry<byte[], TreeMap<Long, byte[]>> e : in.entrySet())
        {
            final Map.Entry<Long, byte[]> v = e.getValue().floorEntry(rv);
            if (v != null && v.getValue() != null)
            {
                exp.put(e.getKey(), v.getValue());
            }
        }
        final String where = "region " + r.id() + " rv " + rv;
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(r.id(), r.epochVersion(), rv), where);
        try
        {
            // Every key of the region's history: get.
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
            final UnsafeBuffer kb = new UnsafeBuffer(new byte[MAX_KEY + 8]);
            for (final byte[] k : in.keySet())
            {
                kb.putBytes(0, k);
                final byte[] want = exp.get(k);
                final int n = s.get(kb, 0, k.length, dst, 0);
                if (want == null ? n != -1 : n != want.length)
                {
                    assertEquals(hex(want), n < 0 ? "len " + n : "len " + n, where + " get " + hex(k));
                }
            }
            // A multiGet of 64 random keys of the region.
            final List<byte[]> all = new ArrayList<>(in.keySet());
            if (!all.isEmpty())
            {
                final int count = 64;
                final UnsafeBuffer keysBuf = new UnsafeBuffer(new byte[count * (MAX_KEY + 1)]);
                final int[] offs = new int[count];
                final int[] lens = new int[count];
                final byte[][] picked = new byte[count][];
                for (int i = 0; i < count; i++)
                {
                    picked[i] = all.get(rnd.nextInt(all.size()));
                    offs[i] = i * (MAX_KEY + 1);
                    lens[i] = picked[i].length;
                    keysBuf.putBytes(offs[i], picked[i]);
                }
                final UnsafeBuffer out = new UnsafeBuffer(new byte[count * 200]);
                final int[] vo = new int[count];
                final int[] vl = new int[count];
                s.multiGet(keysBuf, offs, lens, count, out, 0, vo, vl);
                for (int i = 0; i < count; i++)
                {
                    final byte[] want = exp.get(picked[i]);
                    final byte[] got = vl[i] < 0 ? null : new byte[vl[i]];
                    if (got != null)
                    {
                        out.getBytes(vo[i], got);
                    }
                    assertEquals(hex(want), hex(got), where + " multiGet " + hex(picked[i]));
                }
            }
            // Forward and backward scans of the whole region.
            final SnapshotIterator it = s.iterator();
            final List<byte[]> fwd = new ArrayList<>();
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                fwd.add(it.key());
            }
            assertEquals(exp.size(), fwd.size(), where + " forward count");
            int i = 0;
            for (final byte[] k : exp.keySet())
            {
                final byte[] got = fwd.get(i++);
                if (!Arrays.equals(k, got))
                {
                    assertEquals(hex(k), hex(got), where + " forward scan at " + (i - 1));
                }
            }
            i = exp.size();
            for (boolean ok = it.seekToLast(); ok; ok = it.prev())
            {
                final byte[] want = fwd.get(--i);
                if (!Arrays.equals(want, it.key()))
                {
                    assertEquals(hex(want), hex(it.key()), where + " backward scan at " + i);
                }
            }
            assertEquals(0, i, where + " backward count");
            // Seeks at neighbours of history keys (one byte past, one shorter, last byte +-1).
            for (int t = 0; t < 2000 && !all.isEmpty(); t++)
            {
                final byte[] base = all.get(rnd.nextInt(all.size()));
                final byte[] key;
                switch (t % 4)
                {
                    case 0:
                        key = Arrays.copyOf(base, base.length + 1);
                        break;
                    case 1:
                        key = base.length > 1 ? Arrays.copyOf(base, base.length - 1) : base.clone();
                        break;
                    case 2:
                        key = base.clone();
                        key[key.length - 1]++;
                        break;
                    default:
                        key = base.clone();
                        key[key.length - 1]--;
                        break;
                }
                if (!r.contains(key))
                {
                    continue;
                }
                final boolean forPrev = rnd.nextBoolean();
                final byte[] want = forPrev ? exp.floorKey(key) : exp.ceilingKey(key);
                final boolean ok = forPrev ? it.seekForPrev(key) : it.seek(key);
                assertEquals(hex(want), ok ? hex(it.key()) : "null", where + (forPrev ? " seekForPrev " : " seek ") + hex(key));
                final NavigableMap<byte[], byte[]> m = s.asNavigableMap();
                assertEquals(hex(exp.higherKey(key)), hex(m.higherKey(key)), where + " map higherKey " + hex(key));
                assertEquals(hex(exp.lowerKey(key)), hex(m.lowerKey(key)), where + " map lowerKey " + hex(key));
            }
        }
        finally
        {
            s.close();
        }
    }
}
