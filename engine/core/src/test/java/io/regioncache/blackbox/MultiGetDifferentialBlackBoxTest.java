package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** README 745-748 / How it works: multiGet answers each key exactly as get does on the same snapshot. */
class MultiGetDifferentialBlackBoxTest
{
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void multiGetAnswersLikeGet(final int seed) throws Exception
    {
        final Random rnd = new Random(seed);
        final int maxKey = 12;
        final int maxValue = 300;
        try (RegionCache cache = RegionCache.create(BB.invoker().maxKeyLength(maxKey).maxValueLength(maxValue)
            .inlineNewestVersions(seed % 2 == 0).build()))
        {
            final byte[] start = {'b'};
            final byte[] end = {'y'};
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, start, end, 1)));
            final byte[][] keys = new byte[60][];
            for (int i = 0; i < keys.length; i++)
            {
                keys[i] = randomKey(rnd, 1 + rnd.nextInt(maxKey));
            }
            for (int v = 1; v <= 40; v++)
            {
                final WriteBatch w = new WriteBatch(1, 1, v);
                final int n = 1 + rnd.nextInt(8);
                for (int j = 0; j < n; j++)
                {
                    final byte[] k = keys[rnd.nextInt(keys.length)];
                    if (rnd.nextInt(5) == 0)
                    {
                        w.delete(k);
                    }
                    else
                    {
                        final byte[] val = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(maxValue + 1) : rnd.nextInt(20)];
                        rnd.nextBytes(val);
                        w.put(k, val);
                    }
                }
                expect(cache, ResultCode.OK, cache.write(w));
            }
            final Snapshot s = cache.newSnapshot();
            for (int round = 0; round < 40; round++)
            {
                final long rv = 1 + rnd.nextInt(45);
                assertEquals(SnapshotStatus.OK, s.open(1, 1, rv));
                final int count = rnd.nextInt(40);
                final byte[][] ask = new byte[count][];
                for (int i = 0; i < count; i++)
                {
                    final int pick = rnd.nextInt(10);
                    ask[i] = pick < 7 ? keys[rnd.nextInt(keys.length)] :
                        pick < 9 ? randomKey(rnd, 1 + rnd.nextInt(maxKey)) : randomKey(rnd, maxKey + 1 + rnd.nextInt(10));
                }
                // pack keys at an offset in a buffer
                final int base = rnd.nextInt(5);
                int total = base;
                final int[] offs = new int[count + 2];
                final int[] lens = new int[count + 2];
                for (int i = 0; i < count; i++)
                {
                    offs[i] = total;
                    lens[i] = ask[i].length;
                    total += ask[i].length;
                }
                final byte[] packed = new byte[total + 3];
                for (int i = 0; i < count; i++)
                {
                    System.arraycopy(ask[i], 0, packed, offs[i], lens[i]);
                }
                final int dstCap = rnd.nextInt(3) == 0 ? rnd.nextInt(200) : 20_000;
                final int dstOff = rnd.nextInt(4);
                final MutableDirectBuffer dst = rnd.nextBoolean() ?
                    new UnsafeBuffer(new byte[dstCap + dstOff]) : new ExpandableArrayBuffer(dstCap + dstOff);
                final int cap = dst.capacity();
                final int[] vo = new int[count + 1];
                final int[] vl = new int[count + 1];
                final int endAt = s.multiGet(new UnsafeBuffer(packed), offs, lens, count, dst, dstOff, vo, vl);
                assertEquals(cap, dst.capacity(), "multiGet never grows dst");
                int at = dstOff;
                for (int i = 0; i < count; i++)
                {
                    final UnsafeBuffer one = new UnsafeBuffer(new byte[Math.max(0, cap - at)]);
                    final int g = s.get(new UnsafeBuffer(ask[i]), 0, ask[i].length, one, 0);
                    final String ctx = "seed " + seed + " round " + round + " key " + i + " " +
                        Arrays.toString(ask[i]) + " rv " + rv;
                    assertEquals(g, vl[i], ctx);
                    if (g >= 0)
                    {
                        assertEquals(at, vo[i], ctx);
                        final byte[] want = Arrays.copyOf(one.byteArray(), g);
                        final byte[] got = new byte[g];
                        dst.getBytes(vo[i], got);
                        assertArrayEquals(want, got, ctx);
                        at += g;
                    }
                }
                assertEquals(at, endAt);
            }
            s.dispose();
        }
    }

    private static byte[] randomKey(final Random rnd, final int len)
    {
        final byte[] k = new byte[len];
        for (int i = 0; i < len; i++)
        {
            k[i] = (byte)('c' + rnd.nextInt(4));
        }
        return k;
    }
}
