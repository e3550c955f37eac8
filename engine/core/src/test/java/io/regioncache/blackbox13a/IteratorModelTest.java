package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * The snapshot iterator against a model: random multi-version writes (tombstones, empty values, keys that are
 * prefixes of each other, 0x00 and 0xFF bytes), random bounds (also longer than maxKeyLength), direction switches,
 * and new batches (and a split) applied between the steps of an open snapshot's iterator.
 */
class IteratorModelTest
{
    private static final byte[] DEL = new byte[0];
    private static final byte[] ALPHABET = {0x00, 0x01, 'a', 'b', 0x7F, (byte)0x80, (byte)0xFF};

    private final TreeMap<byte[], TreeMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);

    private static byte[] randomKey(final SplittableRandom rnd, final int maxLen)
    {
        final byte[] k = new byte[1 + rnd.nextInt(Math.max(1, maxLen))];
        for (int i = 0; i < k.length; i++)
        {
            k[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
        }
        return k;
    }

    private byte[] visible(final byte[] key, final long rv)
    {
        final TreeMap<Long, byte[]> vs = model.get(key);
        if (vs == null)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> e = vs.floorEntry(rv);
        return e == null || e.getValue() == DEL ? null : e.getValue();
    }

    private long visibleVersion(final byte[] key, final long rv)
    {
        return model.get(key).floorEntry(rv).getKey();
    }

    /** Visible keys in [lo, hi) (hi empty = none) at rv, sorted. */
    private List<byte[]> visibleKeys(final byte[] lo, final byte[] hi, final long rv)
    {
        final List<byte[]> out = new ArrayList<>();
        for (final byte[] k : model.keySet())
        {
            if (Arrays.compareUnsigned(k, lo) >= 0 && (hi.length == 0 || Arrays.compareUnsigned(k, hi) < 0) &&
                visible(k, rv) != null)
            {
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void iteratorMatchesTheModel() throws Exception
    {
        final long base = Long.getLong("blackbox13a.seed", System.nanoTime());
        for (int i = 0; i < 12; i++)
        {
            model.clear();
            run(base + i, i < 6 ? 60 : 400, i % 2 == 0 ? 6 : 24);
        }
    }

    private int maxOps;

    private void run(final long seed, final int rounds, final int ops) throws Exception
    {
        maxOps = ops;
        System.out.println("IteratorModelTest seed " + seed);
        final SplittableRandom rnd = new SplittableRandom(seed);
        final boolean whole = rnd.nextBoolean();
        final byte[] rStart = whole ? new byte[0] : new byte[] {0x00, 0x01};
        final byte[] rEnd = whole ? new byte[0] : new byte[] {(byte)0xFF, (byte)0xFF};
        final Region region = new Region(1, rStart, rEnd, 1);
        try (RegionCache cache = RegionCache.create(K.cfg().build()))
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(region)).code());
            long version = 0;
            long epoch = 1;
            long regionId = 1;
            byte[] curStart = rStart;
            byte[] curEnd = rEnd;
            final Snapshot s = cache.newSnapshot();
            for (int round = 0; round < rounds; round++)
            {
                version = write(cache, rnd, version, regionId, epoch, curStart, curEnd, seed);
                if (rnd.nextInt(4) != 0)
                {
                    continue;
                }
                final long rv = 1 + rnd.nextLong(version);
                assertEquals(SnapshotStatus.OK, s.open(regionId, epoch, rv), "seed " + seed);
                final long eff = s.readVersion();
                assertEquals(rv, eff, "seed " + seed);
                // bounds inside the snapshot's region
                byte[] lo = null;
                byte[] hi = null;
                if (rnd.nextBoolean())
                {
                    lo = randomKey(rnd, 20);
                    if (!contains(curStart, curEnd, lo))
                    {
                        lo = null;
                    }
                }
                if (rnd.nextBoolean())
                {
                    hi = randomKey(rnd, 20);
                    if (!contains(curStart, curEnd, hi) || lo != null && Arrays.compareUnsigned(hi, lo) < 0)
                    {
                        hi = null;
                    }
                }
                final byte[] effLo = lo != null ? lo : curStart;
                final byte[] effHi = hi != null ? hi : curEnd;
                final SnapshotIterator it = s.iterator(lo, hi);
                final String ctx = "seed " + seed + " round " + round + " rv " + eff + " lo " + Arrays.toString(lo) +
                    " hi " + Arrays.toString(hi);
                byte[] cur = null;
                for (int step = 0; step < 40; step++)
                {
                    if (rnd.nextInt(6) == 0)
                    {
                        // a batch applied under the open snapshot: invisible to it
                        version = write(cache, rnd, version, regionId, epoch, curStart, curEnd, seed);
                    }
                    final List<byte[]> keys = visibleKeys(effLo, effHi, eff);
                    final int op = rnd.nextInt(6);
                    final boolean got;
                    String what;
                    switch (op)
                    {
                        case 0:
                            what = "seekToFirst";
                            got = it.seekToFirst();
                            cur = keys.isEmpty() ? null : keys.get(0);
                            break;
                        case 1:
                            what = "seekToLast";
                            got = it.seekToLast();
                            cur = keys.isEmpty() ? null : keys.get(keys.size() - 1);
                            break;
                        case 2:
                        {
                            final byte[] k = randomKey(rnd, 20);
                            if (!contains(curStart, curEnd, k))
                            {
                                continue;
                            }
                            what = "seek " + Arrays.toString(k);
                            got = it.seek(k);
                            cur = null;
                            for (final byte[] c : keys)
                            {
                                if (Arrays.compareUnsigned(c, k) >= 0)
                                {
                                    cur = c;
                                    break;
                                }
                            }
                            break;
                        }
                        case 3:
                        {
                            final byte[] k = randomKey(rnd, 20);
                            if (!contains(curStart, curEnd, k))
                            {
                                continue;
                            }
                            what = "seekForPrev " + Arrays.toString(k);
                            got = it.seekForPrev(k);
                            cur = null;
                            for (final byte[] c : keys)
                            {
                                if (Arrays.compareUnsigned(c, k) <= 0)
                                {
                                    cur = c;
                                }
                            }
                            break;
                        }
                        case 4:
                        {
                            what = "next";
                            got = it.next();
                            cur = step(keys, cur, true);
                            break;
                        }
                        default:
                        {
                            what = "prev";
                            got = it.prev();
                            cur = step(keys, cur, false);
                            break;
                        }
                    }
                    final String c2 = ctx + " step " + step + " " + what;
                    assertEquals(cur != null, got, c2 + " expected " + Arrays.toString(cur) + " got " +
                        (got ? Arrays.toString(it.key()) : "nothing"));
                    assertEquals(cur != null, it.isValid(), c2);
                    if (cur != null)
                    {
                        assertArrayEquals(cur, it.key(), c2);
                        assertArrayEquals(visible(cur, eff), it.value(), c2);
                        assertEquals(visibleVersion(cur, eff), it.version(), c2);
                        assertEquals(cur.length, it.keyLength(), c2);
                    }
                }
                s.close();
            }
            s.dispose();
        }
    }

    private static boolean contains(final byte[] start, final byte[] end, final byte[] k)
    {
        return Arrays.compareUnsigned(k, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(k, end) < 0);
    }

    /** The model's next or prev: from nothing, nothing. */
    private static byte[] step(final List<byte[]> keys, final byte[] cur, final boolean forward)
    {
        if (cur == null)
        {
            return null;
        }
        if (forward)
        {
            for (final byte[] c : keys)
            {
                if (Arrays.compareUnsigned(c, cur) > 0)
                {
                    return c;
                }
            }
            return null;
        }
        byte[] out = null;
        for (final byte[] c : keys)
        {
            if (Arrays.compareUnsigned(c, cur) < 0)
            {
                out = c;
            }
        }
        return out;
    }

    private long write(final RegionCache cache, final SplittableRandom rnd, final long version, final long regionId,
        final long epoch, final byte[] start, final byte[] end, final long seed) throws Exception
    {
        final long v = version + 1 + rnd.nextInt(3);
        final WriteBatch w = new WriteBatch(regionId, epoch, v);
        final Set<String> inBatch = new HashSet<>();
        final int ops = 1 + rnd.nextInt(maxOps);
        for (int i = 0; i < ops; i++)
        {
            final byte[] k = randomKey(rnd, 6);
            if (!contains(start, end, k) || !inBatch.add(Arrays.toString(k)))
            {
                continue;
            }
            final TreeMap<Long, byte[]> vs = model.computeIfAbsent(k, x -> new TreeMap<>());
            if (rnd.nextInt(4) == 0)
            {
                w.delete(k);
                vs.put(v, DEL);
            }
            else
            {
                final byte[] val = rnd.nextInt(5) == 0 ? new byte[] {} : ("v" + v + "." + i).getBytes();
                w.put(k, val);
                vs.put(v, val.length == 0 ? new byte[0] : val);
            }
        }
        if (w.count() == 0)
        {
            w.put(start.length == 0 ? new byte[] {0x01} : start, ("v" + v).getBytes());
            model.computeIfAbsent(start.length == 0 ? new byte[] {0x01} : start, x -> new TreeMap<>())
                .put(v, ("v" + v).getBytes());
        }
        assertEquals(ResultCode.OK, r(cache.write(w)).code(), "seed " + seed);
        return v;
    }
}
