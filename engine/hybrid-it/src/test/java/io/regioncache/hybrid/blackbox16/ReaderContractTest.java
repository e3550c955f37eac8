package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.filled;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridMetrics;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;

/** README, "The hybrid engine": the hybrid reader's sources, argument checks, multiGet and metrics. */
class ReaderContractTest
{
    @TempDir
    Path dir;

    /** Region 1 [a, m) is cached at epoch 1; region 2 [m, +inf) is not. Keys b, c (region 1), n, p (region 2). */
    private Bb16.Rig rig(final Bb16.Kind kind)
    {
        final Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s")));
        final HybridEngine e = rig.engine;
        rig.await(e.write(new WriteBatch(1, 1, 10).put(b("b"), b("b10")).put(b("c"), b("c10"))));
        rig.await(e.write(new WriteBatch(2, 1, 10).put(b("n"), b("n10")).put(b("p"), b("p10"))));
        rig.await(e.write(new WriteBatch(1, 1, 20).put(b("b"), b("b20")).delete(b("c"))));
        rig.load(new Region(1, b("a"), b("m"), 1));
        return rig;
    }

    /**
     * README l.1269: "Its arguments are checked before it picks the source, so a bad one throws the same exception on
     * both paths, as the snapshot's do: {@code NullPointerException} for a null buffer or scan bound,
     * {@code IllegalArgumentException} for a key or destination slice outside its buffer or a {@code multiGet} count
     * past an array."
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void badArgumentsThrowTheSameOnBothPaths(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = rig(kind); HybridReader r = rig.engine.newReader())
        {
            final UnsafeBuffer key = new UnsafeBuffer(b("b"));
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
            final int[] four = new int[4];
            final int[] two = new int[2];
            // {region, epoch}: cached (1,1) and store-served (2,1) and an epoch mismatch (1,9)
            final long[][] paths = {{1, 1}, {2, 1}, {1, 9}};
            for (final long[] p : paths)
            {
                final String ctx = "region " + p[0] + " epoch " + p[1];
                assertThrows(NullPointerException.class, () -> r.get(p[0], p[1], 30, null, 0, 1, dst, 0), ctx);
                assertThrows(NullPointerException.class, () -> r.get(p[0], p[1], 30, key, 0, 1, null, 0), ctx);
                assertThrows(NullPointerException.class, () -> r.get(p[0], p[1], 30, (byte[])null), ctx);
                assertThrows(NullPointerException.class, () -> r.scan(p[0], p[1], 30, null, OPEN), ctx);
                assertThrows(NullPointerException.class, () -> r.scan(p[0], p[1], 30, OPEN, null), ctx);
                assertThrows(IllegalArgumentException.class, () -> r.get(p[0], p[1], 30, key, 0, 2, dst, 0), ctx);
                assertThrows(IllegalArgumentException.class, () -> r.get(p[0], p[1], 30, key, -1, 1, dst, 0), ctx);
                assertThrows(IllegalArgumentException.class, () -> r.get(p[0], p[1], 30, key, 0, 1, dst, 65), ctx);
                assertThrows(IllegalArgumentException.class, () -> r.get(p[0], p[1], 30, key, 0, 1, dst, -1), ctx);
                assertThrows(IllegalArgumentException.class,
                    () -> r.multiGet(p[0], p[1], 30, key, four, four, 3, dst, 0, two, four), ctx);
                assertThrows(IllegalArgumentException.class,
                    () -> r.multiGet(p[0], p[1], 30, key, new int[] {0}, new int[] {5}, 1, dst, 0, four, four), ctx);
                assertThrows(NullPointerException.class,
                    () -> r.multiGet(p[0], p[1], 30, null, four, four, 1, dst, 0, four, four), ctx);
                assertThrows(NullPointerException.class,
                    () -> r.multiGet(p[0], p[1], 30, key, four, four, 1, null, 0, four, four), ctx);
                assertThrows(NullPointerException.class,
                    () -> r.multiGet(p[0], p[1], 30, key, four, four, 1, dst, 0, null, four), ctx);
            }
            // still usable afterwards, on both paths
            assertEquals("b20", s(r.get(1, 1, 30, b("b"))));
            assertEquals("n10", s(r.get(2, 1, 30, b("n"))));
        }
    }

    /**
     * README l.1272: "A key outside the region is refused ({@code IllegalArgumentException}) only when the cache
     * serves: the store path does not know region bounds, so routing keys to their region stays the caller's part."
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aKeyOutsideTheRegionIsRefusedOnlyByTheCachePath(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = rig(kind); HybridReader r = rig.engine.newReader())
        {
            assertThrows(IllegalArgumentException.class, () -> r.get(1, 1, 30, b("n")));
            final UnsafeBuffer keys = new UnsafeBuffer(b("bn"));
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
            final int[] offs = {0, 1};
            final int[] lens = {1, 1};
            assertThrows(IllegalArgumentException.class,
                () -> r.multiGet(1, 1, 30, keys, offs, lens, 2, dst, 0, new int[2], new int[2]));
            // region 2 is not cached: the store serves, a key of region 1 included
            assertEquals("b20", s(r.get(2, 1, 30, b("b"))));
            assertEquals(SnapshotStatus.NOT_CACHED, r.lastStatus());
            final int[] vo = new int[2];
            final int[] vl = new int[2];
            final int end = r.multiGet(2, 1, 30, keys, offs, lens, 2, dst, 0, vo, vl);
            assertEquals(3 + 3, end);
            assertEquals("b20", s(java.util.Arrays.copyOfRange(dst.byteArray(), vo[0], vo[0] + vl[0])));
            assertEquals("n10", s(java.util.Arrays.copyOfRange(dst.byteArray(), vo[1], vo[1] + vl[1])));
        }
    }

    /**
     * README l.1211: {@code reader.multiGet(...)} "cache, or one batched RocksDB read"; HybridReader#multiGet "per key,
     * the answer is what get would return"; README l.1283: the reader "counts which source served each read".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void multiGetAnswersAsGetsDoOnBothPathsAndIsCounted(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = rig(kind); HybridReader r = rig.engine.newReader())
        {
            final HybridMetrics m = rig.engine.metrics();
            final byte[] packed = b("bcbb");
            final UnsafeBuffer keys = new UnsafeBuffer(packed);
            final int[] offs = {0, 1, 2, 3};
            final int[] lens = {1, 1, 1, 1};
            for (final long rv : new long[] {15, 30})
            {
                // cache path: region 1 at epoch 1; store path: region 1 at another epoch
                for (final long epoch : new long[] {1, 7})
                {
                    final long cacheBefore = m.cacheGets();
                    final long storeBefore = m.storeGets();
                    final long mismatchBefore = m.fallbacks(SnapshotStatus.EPOCH_MISMATCH);
                    final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
                    final int[] vo = new int[4];
                    final int[] vl = new int[4];
                    final int end = r.multiGet(1, epoch, rv, keys, offs, lens, 3, dst, 5, vo, vl);
                    final String ctx = kind + " rv " + rv + " epoch " + epoch;
                    int at = 5;
                    for (int i = 0; i < 3; i++)
                    {
                        final byte[] single = r.get(1, epoch, rv, new byte[] {packed[i]});
                        if (single == null)
                        {
                            assertEquals(-1, vl[i], ctx + " key " + i);
                        }
                        else
                        {
                            assertArrayEquals(single, java.util.Arrays.copyOfRange(dst.byteArray(), vo[i], vo[i] + vl[i]),
                                ctx + " key " + i);
                            assertEquals(at, vo[i], ctx);
                            at += vl[i];
                        }
                    }
                    assertEquals(at, end, ctx);
                    // 3 keys in the batch and 3 single gets, all from one source
                    if (epoch == 1)
                    {
                        assertEquals(cacheBefore + 6, m.cacheGets(), ctx);
                        assertEquals(storeBefore, m.storeGets(), ctx);
                    }
                    else
                    {
                        assertEquals(storeBefore + 6, m.storeGets(), ctx);
                        assertEquals(cacheBefore, m.cacheGets(), ctx);
                        assertEquals(mismatchBefore + 6, m.fallbacks(SnapshotStatus.EPOCH_MISMATCH), ctx);
                    }
                }
            }
            assertEquals("b10", s(r.get(1, 1, 15, b("b"))));
            assertEquals("c10", s(r.get(1, 7, 15, b("c"))));
        }
    }

    /**
     * README l.1278: "It counts which source served each read (a convenience {@code get(..., byte[] key)} that reads
     * again into a grown buffer counts once) and, per {@code SnapshotStatus}, why the cache could not."
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aConvenienceGetOfALargeValueCountsOnce(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = rig(kind); HybridReader r = rig.engine.newReader())
        {
            final HybridEngine e = rig.engine;
            final byte[] big = filled(5000, 'B');
            rig.await(e.write(new WriteBatch(1, 1, 25).put(b("d"), big)));
            rig.await(e.write(new WriteBatch(2, 1, 25).put(b("q"), big)));
            final HybridMetrics m = e.metrics();
            final long c0 = m.cacheGets();
            final long s0 = m.storeGets();
            assertArrayEquals(big, r.get(1, 1, 30, b("d")));
            assertEquals(c0 + 1, m.cacheGets());
            assertEquals(s0, m.storeGets());
            final long nc0 = m.fallbacks(SnapshotStatus.NOT_CACHED);
            assertArrayEquals(big, r.get(2, 1, 30, b("q")));
            assertEquals(c0 + 1, m.cacheGets());
            assertEquals(s0 + 1, m.storeGets());
            assertEquals(nc0 + 1, m.fallbacks(SnapshotStatus.NOT_CACHED));
            // scans are counted by source too
            final long cs = m.cacheScans();
            final long ss = m.storeScans();
            try (HybridScan scan = r.scan(1, 1, 30, b("a"), b("m")))
            {
                int n = 0;
                while (scan.next())
                {
                    n++;
                }
                assertEquals(2, n); // b, d (c deleted at 20)
            }
            try (HybridScan scan = r.scan(2, 1, 30, b("m"), OPEN))
            {
                int n = 0;
                while (scan.next())
                {
                    n++;
                }
                assertEquals(3, n); // n, p, q
            }
            assertEquals(cs + 1, m.cacheScans());
            assertEquals(ss + 1, m.storeScans());
            assertEquals(m.cacheGets() + m.cacheScans(), m.cacheReads());
            assertEquals(m.storeGets() + m.storeScans(), m.storeReads());
        }
    }
}
