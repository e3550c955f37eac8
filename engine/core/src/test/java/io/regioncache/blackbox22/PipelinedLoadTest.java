package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static io.regioncache.blackbox22.B.metric;
import static io.regioncache.blackbox22.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.store.InMemoryBackingStore;

/** README "How it works", "Loading": the pipelined scan. */
class PipelinedLoadTest
{
    private static final int N = 70_000;

    private static String key(final int i)
    {
        return String.format("k%07d", i);
    }

    /** A store that wraps the in-memory one and answers splitKey as told. */
    private static BackingStore withSplitKey(final InMemoryBackingStore inner, final int mode)
    {
        return new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                final BackingSnapshot s = inner.openSnapshot();
                return new BackingSnapshot()
                {
                    @Override
                    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                    {
                        s.scan(start, end, visitor);
                    }

                    @Override
                    public int get(final DirectBuffer key, final int keyOffset, final int keyLength,
                        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
                    {
                        return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
                    }

                    @Override
                    public long approximateSize(final byte[] start, final byte[] end)
                    {
                        return s.approximateSize(start, end);
                    }

                    @Override
                    public byte[] splitKey(final byte[] start, final byte[] end)
                    {
                        switch (mode)
                        {
                            case 0:
                                throw new IllegalStateException("splitKey broke");
                            case 1:
                                return b("a"); // outside the range
                            case 2:
                                return b(key(10)); // inside the range, but inside the part already copied
                            default:
                                return s.splitKey(start, end);
                        }
                    }

                    @Override
                    public void close()
                    {
                        s.close();
                    }
                };
            }

            @Override
            public void close()
            {
            }
        };
    }

    /**
     * README: "With loadScanThreads(2) ... the rest of a large load is scanned in two halves at once ... The loader
     * links the first half's segments, then the second's, so the table is the one a single scan makes ... A key
     * outside the rest of the range, or a splitKey that throws, is ignored (one scan)".
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void twoScanThreadsOrAnIgnoredSplitKeyLoadTheSameTable(final int mode) throws Exception
    {
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        for (int i = 0; i < N; i++)
        {
            inner.put(b(key(i)), 5, b("v" + i));
        }
        inner.put(b(key(N - 1)), 6, b("newer"));
        inner.delete(b(key(N - 2)), 6);
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(withSplitKey(inner, mode))
            .pipelinedLoads(true).loadScanThreads(2).loaderExecutor(null).segmentSize(1 << 20)
            .capacityBytes(1L << 30).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("k"), b("l"), 1))).code());
            until(cache, "loaded", () -> cache.stateOf(1) != RegionState.PENDING &&
                cache.stateOf(1) != RegionState.LOADING);
            assertEquals(RegionState.ACTIVE, cache.stateOf(1), "mode " + mode);
            assertEquals(0, metric(cache, "loads.failed"));
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
                int count = 0;
                for (final byte[] k : s.asNavigableMap().keySet())
                {
                    count++;
                }
                assertEquals(N - 1, count, "mode " + mode);
                for (int i = 0; i < N - 2; i += 331)
                {
                    assertArrayEquals(b("v" + i), s.get(b(key(i))));
                }
                assertArrayEquals(b("newer"), s.get(b(key(N - 1))));
                assertNull(s.get(b(key(N - 2))));
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
                assertArrayEquals(b("v" + (N - 2)), s.get(b(key(N - 2))));
                assertArrayEquals(b("v" + (N - 1)), s.get(b(key(N - 1))));
            }
        }
    }

    /**
     * README: "An entry whose node is larger than a segment travels alone in a heap chunk and is inserted with
     * put": values larger than a 4 KiB segment past the first 65,536 entries load and read back.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void entriesLargerThanASegmentPastTheHandOverLoad(final int scanThreads) throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final byte[] big = new byte[6000];
        Arrays.fill(big, (byte) 7);
        for (int i = 0; i < N; i++)
        {
            store.put(b(key(i)), 5, i % 5000 == 4999 ? big : b("v" + i));
        }
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).pipelinedLoads(true)
            .loadScanThreads(scanThreads).loaderExecutor(null).segmentSize(4096).maxValueLength(8192)
            .capacityBytes(1L << 30).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("k"), b("l"), 1))).code());
            until(cache, "loaded", () -> cache.stateOf(1) != RegionState.PENDING &&
                cache.stateOf(1) != RegionState.LOADING);
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
                for (int i = 4999; i < N; i += 5000)
                {
                    assertArrayEquals(big, s.get(b(key(i))), "key " + i);
                }
                assertArrayEquals(b("v69998"), s.get(b(key(69_998))));
                int count = 0;
                for (final byte[] k : s.asNavigableMap().keySet())
                {
                    count++;
                }
                assertEquals(N, count);
            }
        }
    }
}
