package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static io.regioncache.hybrid.blackbox24.Bb24.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.InMemoryBackingStore;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.MvccStoreCursor;
import io.regioncache.store.SafePointFile;
import io.regioncache.store.SplitKeys;

/**
 * README, Embedding, the {@code io.regioncache.store} paragraph: InMemoryBackingStore, MvccKeyCodec (negative version
 * refused), MvccStoreCursor (extended by the three stores' cursors; "only supply five raw moves"; forward seeks past 8
 * versions of a key; backward two seeks per key passed), SplitKeys, SafePointFile, LMDB's 439-byte key limit and one
 * store per directory.
 */
class StorePackageTest
{
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ MvccKeyCodec

    @Test
    void negativeVersionIsAnIllegalArgument()
    {
        assertThrows(IllegalArgumentException.class, () -> MvccKeyCodec.encode(b("k"), -1));
        assertThrows(IllegalArgumentException.class, () -> MvccKeyCodec.encode(b("k"), Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.putVersion(new UnsafeBuffer(new byte[16]), 0, -1));
        assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.putVersion(new ExpandableArrayBuffer(4), 0, -7));
        // zero and the largest version are fine, and sort version-descending
        final byte[] newest = MvccKeyCodec.encode(b("k"), Long.MAX_VALUE);
        final byte[] oldest = MvccKeyCodec.encode(b("k"), 0);
        assertTrue(Arrays.compareUnsigned(newest, oldest) < 0);
        assertEquals(Long.MAX_VALUE, MvccKeyCodec.decodeVersion(newest));
        assertEquals(0, MvccKeyCodec.decodeVersion(oldest));
        assertArrayEquals(b("k"), MvccKeyCodec.decodeUserKey(newest));
    }

    @Test
    void encodingPreservesOrderAcrossGroupsAndTheLmdbLimitArithmetic()
    {
        assertEquals(503, MvccKeyCodec.encodedLength(439) + MvccKeyCodec.VERSION_LENGTH);
        assertEquals(512, MvccKeyCodec.encodedLength(440) + MvccKeyCodec.VERSION_LENGTH);
        final Random rnd = new Random(24);
        for (int i = 0; i < 3000; i++)
        {
            final byte[] a = new byte[rnd.nextInt(20)];
            final byte[] c = new byte[rnd.nextInt(20)];
            for (int j = 0; j < a.length; j++)
            {
                a[j] = (byte)(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(256));
            }
            for (int j = 0; j < c.length; j++)
            {
                c[j] = j < a.length && rnd.nextBoolean() ? a[j] : (byte)(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(256));
            }
            final long va = rnd.nextInt(5);
            final long vc = rnd.nextInt(5);
            final int raw = Integer.signum(Arrays.compareUnsigned(a, c));
            final int enc = Integer.signum(Arrays.compareUnsigned(MvccKeyCodec.encode(a, va), MvccKeyCodec.encode(c, vc)));
            final int want = raw != 0 ? raw : Long.compare(vc, va);
            assertEquals(want, enc, Arrays.toString(a) + "@" + va + " vs " + Arrays.toString(c) + "@" + vc);
            assertArrayEquals(a, MvccKeyCodec.decodeUserKey(MvccKeyCodec.encode(a, va)));
        }
    }

    // ------------------------------------------------------------------ the cursors of all three stores

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void everyStoresCursorIsAnMvccStoreCursor(final Bb24.Kind kind)
    {
        try (WritableStore store = kind.open(dir))
        {
            put(store, 1, "a", "1");
            try (StoreCursor c = store.newCursor(null, null, 1))
            {
                assertInstanceOf(MvccStoreCursor.class, c, kind + " cursor");
            }
            try (StoreCursor c = store.newCursor(b("a"), b("b"), 1))
            {
                assertInstanceOf(MvccStoreCursor.class, c, kind + " bounded cursor");
            }
        }
        assertInstanceOf(WritableStore.class, new InMemoryBackingStore());
    }

    /** A host's own store: five raw moves over a sorted map of stored keys, counted. */
    private static final class CountingCursor extends MvccStoreCursor
    {
        final TreeMap<byte[], byte[]> entries;
        byte[] at;
        int seeks;
        int steps;

        CountingCursor(final TreeMap<byte[], byte[]> entries, final long readVersion)
        {
            super(null, null, readVersion);
            this.entries = entries;
        }

        private boolean land(final Map.Entry<byte[], byte[]> e)
        {
            at = e == null ? null : e.getKey();
            if (e != null)
            {
                rawKey.wrap(e.getKey());
                rawValue.wrap(e.getValue());
            }
            return e != null;
        }

        @Override
        protected boolean rawSeekToFirst()
        {
            seeks++;
            return land(entries.firstEntry());
        }

        @Override
        protected boolean rawSeekToLast()
        {
            seeks++;
            return land(entries.lastEntry());
        }

        @Override
        protected boolean rawSeek(final byte[] target)
        {
            seeks++;
            return land(entries.ceilingEntry(target));
        }

        @Override
        protected boolean rawNext()
        {
            steps++;
            return at != null && land(entries.higherEntry(at));
        }

        @Override
        protected boolean rawPrev()
        {
            steps++;
            return at != null && land(entries.lowerEntry(at));
        }

        @Override
        public void close()
        {
        }
    }

    private static TreeMap<byte[], byte[]> storedMap()
    {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    private static void storedPut(final TreeMap<byte[], byte[]> m, final String key, final long version, final String v)
    {
        final byte[] value = new byte[v.length() + 1];
        value[0] = MvccKeyCodec.FLAG_PUT;
        System.arraycopy(b(v), 0, value, 1, v.length());
        m.put(MvccKeyCodec.encode(b(key), version), value);
    }

    private static void storedDelete(final TreeMap<byte[], byte[]> m, final String key, final long version)
    {
        m.put(MvccKeyCodec.encode(b(key), version), new byte[] {MvccKeyCodec.FLAG_DELETE});
    }

    @Test
    void forwardSeeksInsteadOfSteppingPastEightVersionsOfAKey()
    {
        final TreeMap<byte[], byte[]> m = storedMap();
        for (long v = 100; v < 130; v++)
        {
            storedPut(m, "a", v, "too-new-" + v); // 30 versions above the read version
        }
        storedPut(m, "a", 40, "visible");
        for (long v = 1; v < 31; v++)
        {
            storedPut(m, "a", v, "older-" + v); // 30 versions below the one that decides
        }
        storedPut(m, "b", 5, "b5");
        final CountingCursor c = new CountingCursor(m, 50);
        assertTrue(c.next());
        assertEquals("a", new String(c.keyBytes()));
        assertEquals("visible", new String(c.valueBytes()));
        assertEquals(40, c.version());
        assertTrue(c.steps <= 9, "raw steps over 30 too-new versions: " + c.steps + " (seeks " + c.seeks + ")");
        c.steps = 0;
        c.seeks = 0;
        assertTrue(c.next());
        assertEquals("b", new String(c.keyBytes()));
        assertTrue(c.steps <= 10, "raw steps over 30 older versions: " + c.steps + " (seeks " + c.seeks + ")");
        assertTrue(c.seeks <= 2, "seeks: " + c.seeks);
        assertFalse(c.next());
    }

    @Test
    void backwardTakesTwoSeeksPerKeyPassedWhateverTheHistory()
    {
        final TreeMap<byte[], byte[]> m = storedMap();
        final int keys = 10;
        for (int k = 0; k < keys; k++)
        {
            for (long v = 1; v <= 30; v++)
            {
                storedPut(m, "key" + k, v, "k" + k + "v" + v);
            }
            if (k % 3 == 1)
            {
                storedDelete(m, "key" + k, 31); // hidden at read version 100
            }
        }
        final CountingCursor c = new CountingCursor(m, 100);
        assertTrue(c.seekToLast());
        assertEquals("key9", new String(c.keyBytes()));
        int passed = 0;
        String previous = "key9";
        final List<String> seen = new ArrayList<>();
        seen.add(previous);
        while (true)
        {
            c.seeks = 0;
            c.steps = 0;
            final boolean on = c.prev();
            final int from = Integer.parseInt(previous.substring(3));
            final int to = on ? Integer.parseInt(new String(c.keyBytes()).substring(3)) : -1;
            passed = from - to; // keys passed, tombstoned ones included
            assertTrue(c.seeks <= 2 * passed, "prev from " + previous + " passed " + passed + " keys with " + c.seeks +
                " seeks");
            assertTrue(c.steps <= passed, "prev from " + previous + ": " + c.steps + " raw steps");
            if (!on)
            {
                break;
            }
            previous = new String(c.keyBytes());
            seen.add(previous);
            assertEquals("k" + to + "v30", new String(c.valueBytes()));
            assertEquals(30, c.version());
        }
        assertEquals(List.of("key9", "key8", "key6", "key5", "key3", "key2", "key0"), seen);
    }

    @Test
    void aHostCursorOverRandomHistoriesMatchesAModelBothWays()
    {
        final Random rnd = new Random(2424);
        final TreeMap<byte[], byte[]> m = storedMap();
        final TreeMap<String, TreeMap<Long, String>> hist = new TreeMap<>();
        for (int i = 0; i < 400; i++)
        {
            final String k = "k" + rnd.nextInt(30);
            final long v = 1 + rnd.nextInt(60);
            if (rnd.nextInt(4) == 0)
            {
                storedDelete(m, k, v);
                hist.computeIfAbsent(k, x -> new TreeMap<>()).put(v, null);
            }
            else
            {
                storedPut(m, k, v, k + "@" + v);
                hist.computeIfAbsent(k, x -> new TreeMap<>()).put(v, k + "@" + v);
            }
        }
        for (long rv = 0; rv <= 62; rv += 7)
        {
            final List<String> want = new ArrayList<>();
            for (final Map.Entry<String, TreeMap<Long, String>> e : hist.entrySet())
            {
                final Map.Entry<Long, String> f = e.getValue().floorEntry(rv);
                if (f != null && f.getValue() != null)
                {
                    want.add(f.getValue());
                }
            }
            final List<String> fwd = new ArrayList<>();
            final CountingCursor c = new CountingCursor(m, rv);
            while (c.next())
            {
                fwd.add(new String(c.valueBytes()));
            }
            assertEquals(want, fwd, "forward at " + rv);
            final List<String> back = new ArrayList<>();
            final CountingCursor d = new CountingCursor(m, rv);
            while (d.prev())
            {
                back.add(new String(d.valueBytes()));
            }
            Collections.reverse(back);
            assertEquals(want, back, "backward at " + rv);
        }
    }

    // ------------------------------------------------------------------ SplitKeys

    @Test
    void splitKeysBisectsBetweenTheBounds()
    {
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            keys.add(b(String.format("user%06d", i * 7)));
        }
        final java.util.function.ToLongBiFunction<byte[], byte[]> size = (from, to) ->
            keys.stream().filter(k -> Arrays.compareUnsigned(k, from) >= 0 &&
                (to.length == 0 || Arrays.compareUnsigned(k, to) < 0)).count();
        final byte[] lo = keys.get(0);
        final byte[] hi = keys.get(keys.size() - 1);
        final byte[] split = SplitKeys.bisect(lo, hi, new byte[0], size);
        assertTrue(split != null && Arrays.compareUnsigned(lo, split) < 0 && Arrays.compareUnsigned(split, hi) < 0,
            "split strictly between the bounds");
        final long left = size.applyAsLong(lo, split);
        assertTrue(Math.abs(left - 500) <= 1000 / 32 + 1, "left part holds " + left + " of 1000");
        assertNull(SplitKeys.bisect(hi, lo, new byte[0], size), "lo >= hi");
        assertNull(SplitKeys.bisect(lo, lo, new byte[0], size), "lo == hi");
        assertNull(SplitKeys.bisect(lo, hi, new byte[0], (x, y) -> -1), "no estimate");
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void openSnapshotsSplitKeyIsNullOrStrictlyInsideTheRange(final Bb24.Kind kind)
    {
        try (WritableStore store = kind.open(dir))
        {
            final WriteBatch batch = new WriteBatch(0, 0, 3);
            for (int i = 0; i < 3000; i++)
            {
                batch.put(b(String.format("key%05d", i)), new byte[100]);
            }
            store.applyBatch(batch);
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final byte[] start = b("key00010");
                final byte[] end = b("key02990");
                final byte[] split = snap.splitKey(start, end);
                assertTrue(split == null ||
                    Arrays.compareUnsigned(start, split) < 0 && Arrays.compareUnsigned(split, end) < 0,
                    kind + " split " + (split == null ? null : new String(split)));
                final byte[] open = snap.splitKey(start, new byte[0]);
                assertTrue(open == null || Arrays.compareUnsigned(start, open) < 0,
                    kind + " split " + (open == null ? null : new String(open)));
                final long all = snap.approximateSize(new byte[0], new byte[0]);
                assertTrue(all == -1 || all >= 0, "estimate " + all);
            }
        }
    }

    // ------------------------------------------------------------------ SafePointFile

    @Test
    void safePointFileRoundTrips()
    {
        assertEquals(-1, SafePointFile.read(dir));
        SafePointFile.write(dir, 42);
        assertTrue(Files.exists(dir.resolve(SafePointFile.NAME)));
        assertEquals(42, SafePointFile.read(dir));
        SafePointFile.write(dir, 43);
        assertEquals(43, SafePointFile.read(dir));
    }

    @Test
    void rocksDbAndLmdbRecordTheirGcSafePointInTheFile() throws Exception
    {
        final Path r = dir.resolve("rocks");
        try (RocksDbBackingStore store = RocksDbBackingStore.open(r))
        {
            put(store, 5, "a", "1");
            put(store, 9, "a", "2");
            store.gcBelow(7);
            assertEquals(7, store.gcSafePoint());
        }
        assertEquals(7, SafePointFile.read(r));
        try (RocksDbBackingStore store = RocksDbBackingStore.open(r))
        {
            assertEquals(7, store.gcSafePoint(), "a reopened RocksDB store knows its safe point");
        }
        final Path l = dir.resolve("lmdb");
        try (LmdbBackingStore store = LmdbBackingStore.open(l, 1L << 28, false))
        {
            put(store, 5, "a", "1");
            put(store, 9, "a", "2");
            store.gcBelow(8);
            assertEquals(8, store.gcSafePoint());
        }
        assertEquals(8, SafePointFile.read(l));
        try (LmdbBackingStore store = LmdbBackingStore.open(l, 1L << 28, false))
        {
            assertEquals(8, store.gcSafePoint(), "a reopened LMDB store knows its safe point");
        }
    }

    // ------------------------------------------------------------------ LMDB limits

    private static byte[] key(final int length, final char fill)
    {
        final byte[] k = new byte[length];
        Arrays.fill(k, (byte)fill);
        return k;
    }

    @Test
    void lmdbTakesKeysUpTo439BytesAndRefusesLongerOnesWithStoreException()
    {
        try (LmdbBackingStore store = LmdbBackingStore.open(dir, 1L << 28, false))
        {
            assertEquals(439, store.maxKeyLength());
            final byte[] ok = key(439, 'k');
            final byte[] tooLong = key(440, 'k');
            store.put(ok, 3, b("fits"));
            assertArrayEquals(b("fits"), store.get(ok, 3));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
            assertEquals(4, store.get(new UnsafeBuffer(ok), 0, ok.length, 3, dst, 0));
            try (StoreCursor c = store.newCursor(null, null, 3))
            {
                assertTrue(c.next());
                assertArrayEquals(ok, c.keyBytes());
            }
            assertThrows(StoreException.class, () -> store.put(tooLong, 4, b("no")));
            assertThrows(StoreException.class, () -> store.get(tooLong, 4));
            assertThrows(StoreException.class, () -> store.get(new UnsafeBuffer(tooLong), 0, 440, 4, dst, 0));
            final byte[] both = new byte[ok.length + tooLong.length];
            System.arraycopy(ok, 0, both, 0, ok.length);
            System.arraycopy(tooLong, 0, both, ok.length, tooLong.length);
            assertThrows(StoreException.class, () -> store.multiGet(new UnsafeBuffer(both), new int[] {0, 439},
                new int[] {439, 440}, 0, 2, 4, dst, 0, new int[2], new int[2]));
            // one write transaction per batch: the batch with a long key leaves nothing behind
            final WriteBatch batch = new WriteBatch(0, 0, 5).put(b("short"), b("s")).put(tooLong, b("x"))
                .put(b("zzz"), b("z"));
            assertThrows(StoreException.class, () -> store.applyBatch(batch));
            assertNull(store.get(b("short"), 10), "nothing of a refused batch is visible");
            assertNull(store.get(b("zzz"), 10), "nothing of a refused batch is visible");
            try (StoreCursor c = store.newCursor(null, null, 10))
            {
                assertTrue(c.next());
                assertArrayEquals(ok, c.keyBytes());
                assertFalse(c.next());
            }
        }
    }

    @Test
    void oneLmdbStorePerDirectoryPerProcess() throws Exception
    {
        final Path d = dir.resolve("env");
        final Path link = dir.resolve("link");
        try (LmdbBackingStore first = LmdbBackingStore.open(d, 1L << 28, false))
        {
            put(first, 1, "a", "1");
            assertThrows(StoreException.class, () -> LmdbBackingStore.open(d, 1L << 28, false));
            Files.createSymbolicLink(link, d);
            assertThrows(StoreException.class, () -> LmdbBackingStore.open(link, 1L << 28, false),
                "the same directory through a link");
            assertThrows(StoreException.class, () -> LmdbBackingStore.open(d.resolve("..").resolve("env")),
                "the same directory through another path");
            assertArrayEquals(b("1"), first.get(b("a"), 1), "the first store still works");
        }
        try (LmdbBackingStore again = LmdbBackingStore.open(d, 1L << 28, false))
        {
            assertArrayEquals(b("1"), again.get(b("a"), 1), "reopened after close");
        }
    }

    /** "a store of your own may override BackingSnapshot.approximateSize, default -1, ... and splitKey, default null". */
    @Test
    void aHostSnapshotsEstimatesDefaultToUnknown()
    {
        final BackingSnapshot own = new BackingSnapshot()
        {
            @Override
            public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
            {
            }

            @Override
            public int get(
                final org.agrona.DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
                final org.agrona.MutableDirectBuffer dst, final int dstOffset)
            {
                return NOT_FOUND;
            }

            @Override
            public void close()
            {
            }
        };
        assertEquals(-1, own.approximateSize(new byte[0], new byte[0]));
        assertEquals(-1, own.approximateSize(b("a"), b("z")));
        assertNull(own.splitKey(b("a"), b("z")));
        assertNull(own.splitKey(b("a"), new byte[0]));
    }
}
