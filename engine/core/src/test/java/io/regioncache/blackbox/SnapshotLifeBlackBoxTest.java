package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** Snapshots across splits, merges, close and leaks. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SnapshotLifeBlackBoxTest
{
    private static List<String> scan(final Snapshot s, final byte[] lo, final byte[] hi)
    {
        final List<String> out = new ArrayList<>();
        final SnapshotIterator it = s.iterator(lo, hi);
        final UnsafeBuffer k = new UnsafeBuffer(0, 0);
        final UnsafeBuffer v = new UnsafeBuffer(0, 0);
        for (boolean ok = it.seek(lo); ok; ok = it.next())
        {
            it.keyView(k);
            it.valueView(v);
            out.add(k.getStringWithoutLengthAscii(0, k.capacity()) + "=" + v.getStringWithoutLengthAscii(0, v.capacity()));
        }
        return out;
    }

    /** A region split and its pieces merged back while a snapshot iterates: the iterator sees its version, whole. */
    @Test
    void splitAndMergeWhileAnIteratorWalks() throws Exception
    {
        try (RegionCache cache = RegionCache.create(BB.wide().build()))
        {
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            final WriteBatch wb = new WriteBatch(1, 1, 10);
            final List<String> expected = new ArrayList<>();
            for (char c = 'b'; c <= 'y'; c++)
            {
                wb.put(b(c + "k"), b("v" + c));
                expected.add(c + "k=v" + c);
            }
            expect(cache, ResultCode.OK, cache.write(wb));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 15));
            final SnapshotIterator it = s.iterator(b("a"), b("z"));
            final UnsafeBuffer k = new UnsafeBuffer(0, 0);
            final List<String> seen = new ArrayList<>();
            boolean ok = it.seek(b("a"));
            int step = 0;
            while (ok)
            {
                final UnsafeBuffer v = new UnsafeBuffer(0, 0);
                it.keyView(k);
                it.valueView(v);
                seen.add(k.getStringWithoutLengthAscii(0, k.capacity()) + "=" + v.getStringWithoutLengthAscii(0,
                    v.capacity()));
                switch (step++)
                {
                    case 2 -> expect(cache, ResultCode.OK, cache.split(1, 1, new byte[][] {b("h"), b("p")},
                        new long[] {2, 3}, 2));
                    case 4 -> expect(cache, ResultCode.OK, cache.write(new WriteBatch(2, 2, 20).put(b("ek"), b("new"))
                        .delete(b("fk"))));
                    case 6 -> expect(cache, ResultCode.OK, cache.prepareMerge(3));
                    case 8 -> expect(cache, ResultCode.OK, cache.commitMerge(1, 3), cache.regions().toString());
                    case 10 -> BB.await(cache, cache.compact(2));
                    default -> { }
                }
                for (int i = 0; i < 20; i++)
                {
                    cache.applyCycle();
                }
                ok = it.next();
            }
            assertEquals(expected, seen, "the iterator reads its version whole");
            s.close();
            final Snapshot t = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, t.open(2, 2, 25));
            assertArrayEquals(b("new"), t.get(b("ek")));
            assertEquals(null, t.get(b("fk")));
            t.dispose();
            s.dispose();
        }
    }

    /**
     * README: memory a snapshot pins past closeTimeoutMillis "is left to the GC, never freed under a reader, and
     * stays counted in memoryInUse()": the snapshot reads every key after close, before and after it is iterated.
     */
    @Test
    void aSnapshotPastTheCloseTimeoutReadsEverythingAndStaysCounted() throws Exception
    {
        final RegionCache cache = RegionCache.create(BB.wide().closeTimeoutMillis(1).build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        for (int v = 1; v <= 50; v++)
        {
            final WriteBatch wb = new WriteBatch(1, 1, v);
            for (int i = 0; i < 40; i++)
            {
                wb.put(b("k" + (1000 + i)), b("value-" + v + "-" + i + "-".repeat(100)));
            }
            expect(cache, ResultCode.OK, cache.write(wb));
        }
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 25));
        final long before = cache.memoryInUse();
        cache.close();
        assertTrue(cache.memoryInUse() > 0, "still counted");
        System.gc();
        final List<String> rows = scan(s, b("a"), b("z"));
        assertEquals(40, rows.size());
        for (int i = 0; i < 40; i++)
        {
            assertEquals("k" + (1000 + i) + "=value-25-" + i + "-".repeat(100), rows.get(i));
            assertArrayEquals(("value-25-" + i + "-".repeat(100)).getBytes(StandardCharsets.US_ASCII),
                s.get(b("k" + (1000 + i))));
        }
        s.close();
        assertTrue(cache.memoryInUse() <= before);
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 25));
        s.dispose();
    }

    /** Many handles opened and never closed, never dropped: close() returns after its timeout, reads still work. */
    @Test
    void manyOpenHandlesAtClose() throws Exception
    {
        final RegionCache cache = RegionCache.create(BB.wide().closeTimeoutMillis(200).build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("z"), 1)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("v"))));
        final List<Snapshot> open = new ArrayList<>();
        for (int i = 0; i < 5_000; i++)
        {
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
            open.add(s);
        }
        final long t0 = System.nanoTime();
        cache.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        for (final Snapshot s : open)
        {
            assertArrayEquals(b("v"), s.get(b("c")));
        }
        assertEquals(1, cache.regions().size() + 1 - 1 + (cache.regions().isEmpty() ? 1 : 0));
        open.forEach(Snapshot::close);
    }
}
