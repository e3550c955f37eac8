package io.regioncache.hybrid.blackbox24;

import static io.regioncache.hybrid.blackbox24.Bb24.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * README, "The hybrid reader's view": "StoreCursor (the SPI) now has prev, seek, seekForPrev, seekToFirst and
 * seekToLast besides next, and one class, MvccStoreCursor, does the MVCC part both ways for every store that keeps
 * MvccKeyCodec entries: RocksDB, LMDB and InMemoryBackingStore"; "InMemoryBackingStore became a full WritableStore
 * (atomic batches, MVCC delete-range, GC)". Random histories (tombstones, keys across the encoding's 8-byte groups,
 * keys with ~30 versions) against a TreeMap model of what each read version sees, on the three stores.
 */
class StoreCursorBothWaysTest
{
    private static final java.util.Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    @TempDir
    Path dir;

    /** Every write: key to (version to value, null = tombstone). */
    private final Map<String, TreeMap<Long, byte[]>> history = new HashMap<>();
    private final List<byte[]> keyPool = new ArrayList<>();

    private static byte[] randomKey(final Random rnd)
    {
        final int[] lengths = {1, 2, 7, 8, 9, 15, 16, 17, 24, 25};
        final byte[] k = new byte[lengths[rnd.nextInt(lengths.length)]];
        for (int i = 0; i < k.length; i++)
        {
            // few distinct bytes (shared prefixes), including 0x00 and 0xFF, which the encoding pads and marks with
            final int[] alphabet = {0x00, 0x01, 'a', 'b', 0x7F, 0x80, 0xFE, 0xFF};
            k[i] = (byte)alphabet[rnd.nextInt(alphabet.length)];
        }
        return k;
    }

    private void record(final byte[] key, final long version, final byte[] value)
    {
        history.computeIfAbsent(Arrays.toString(key), x -> new TreeMap<>()).put(version, value);
    }

    /** What {@code readVersion} sees: each key's newest version at or below it, tombstones dropping the key. */
    private NavigableMap<byte[], Object[]> model(final long readVersion)
    {
        final NavigableMap<byte[], Object[]> out = new TreeMap<>(UNSIGNED);
        for (final byte[] k : keyPool)
        {
            final TreeMap<Long, byte[]> h = history.get(Arrays.toString(k));
            if (h == null)
            {
                continue;
            }
            final Map.Entry<Long, byte[]> e = h.floorEntry(readVersion);
            if (e != null && e.getValue() != null)
            {
                out.put(k, new Object[] {e.getValue(), e.getKey()});
            }
        }
        return out;
    }

    /** Write a random history; returns the newest version written. */
    private long writeHistory(final WritableStore store, final Random rnd)
    {
        final java.util.Set<String> seen = new java.util.HashSet<>();
        while (keyPool.size() < 60)
        {
            final byte[] k = randomKey(rnd);
            if (seen.add(Arrays.toString(k)))
            {
                keyPool.add(k);
            }
        }
        final List<byte[]> hot = keyPool.subList(0, 4); // ~30 versions each
        long version = 0;
        for (int round = 0; round < 40; round++)
        {
            version += 1 + rnd.nextInt(3);
            final WriteBatch batch = new WriteBatch(0, 0, version);
            final java.util.Set<String> inBatch = new java.util.HashSet<>();
            final List<byte[]> touched = new ArrayList<>(hot);
            for (int i = 0; i < 6; i++)
            {
                touched.add(keyPool.get(rnd.nextInt(keyPool.size())));
            }
            for (final byte[] k : touched)
            {
                if (!inBatch.add(Arrays.toString(k)))
                {
                    continue;
                }
                if (rnd.nextInt(4) == 0)
                {
                    batch.delete(k);
                    record(k, version, null);
                }
                else
                {
                    final byte[] v = ("v" + version + "-" + rnd.nextInt(1000)).getBytes();
                    batch.put(k, v);
                    record(k, version, v);
                }
            }
            store.applyBatch(batch);
        }
        return version;
    }

    private static String hex(final byte[] k)
    {
        return io.regioncache.Region.hex(k);
    }

    /** The model cursor: position = a key of the model, or null (unpositioned / off). */
    private static final class ModelCursor
    {
        final NavigableMap<byte[], Object[]> all;
        final byte[] lower;
        final byte[] upper;
        byte[] at;
        boolean started;

        ModelCursor(final NavigableMap<byte[], Object[]> visible, final byte[] lower, final byte[] upper)
        {
            this.lower = lower;
            this.upper = upper;
            NavigableMap<byte[], Object[]> m = visible;
            if (lower.length > 0)
            {
                m = m.tailMap(lower, true);
            }
            if (upper.length > 0)
            {
                m = m.headMap(upper, false);
            }
            this.all = m;
        }

        boolean land(final byte[] k)
        {
            at = k;
            started = true;
            return k != null;
        }

        boolean next()
        {
            if (!started)
            {
                return land(all.isEmpty() ? null : all.firstKey());
            }
            return at != null && land(all.higherKey(at));
        }

        boolean prev()
        {
            if (!started)
            {
                return land(all.isEmpty() ? null : all.lastKey());
            }
            return at != null && land(all.lowerKey(at));
        }

        boolean first()
        {
            return land(all.isEmpty() ? null : all.firstKey());
        }

        boolean last()
        {
            return land(all.isEmpty() ? null : all.lastKey());
        }

        boolean seek(final byte[] k)
        {
            return land(all.ceilingKey(k));
        }

        boolean seekForPrev(final byte[] k)
        {
            return land(all.floorKey(k));
        }
    }

    private void runModel(final WritableStore store, final Random rnd, final long maxVersion, final String seedInfo)
    {
        final long[] readVersions = {0, 1, maxVersion / 3, maxVersion / 2, maxVersion - 1, maxVersion,
            maxVersion + 5, rnd.nextInt((int)maxVersion + 1)};
        for (final long rv : readVersions)
        {
            final NavigableMap<byte[], Object[]> visible = model(rv);
            for (int c = 0; c < 6; c++)
            {
                byte[] lower = c == 0 ? new byte[0] : keyPool.get(rnd.nextInt(keyPool.size()));
                byte[] upper = c <= 1 ? new byte[0] : randomKey(rnd);
                if (upper.length > 0 && lower.length > 0 && Arrays.compareUnsigned(lower, upper) >= 0)
                {
                    final byte[] t = lower;
                    lower = upper;
                    upper = t;
                }
                if (Arrays.equals(lower, upper))
                {
                    upper = new byte[0];
                }
                final ModelCursor m = new ModelCursor(visible, lower, upper);
                try (StoreCursor cur = store.newCursor(lower, upper, rv))
                {
                    final StringBuilder trail = new StringBuilder();
                    for (int step = 0; step < 60; step++)
                    {
                        final int op = rnd.nextInt(10);
                        final boolean want;
                        final boolean got;
                        switch (op)
                        {
                            case 0:
                            case 1:
                            case 2:
                                trail.append(" next");
                                want = m.next();
                                got = cur.next();
                                break;
                            case 3:
                            case 4:
                            case 5:
                                trail.append(" prev");
                                want = m.prev();
                                got = cur.prev();
                                break;
                            case 6:
                                trail.append(" first");
                                want = m.first();
                                got = cur.seekToFirst();
                                break;
                            case 7:
                                trail.append(" last");
                                want = m.last();
                                got = cur.seekToLast();
                                break;
                            case 8:
                            {
                                final byte[] k = rnd.nextBoolean() ? keyPool.get(rnd.nextInt(keyPool.size())) :
                                    randomKey(rnd);
                                trail.append(" seek(").append(hex(k)).append(')');
                                want = m.seek(k);
                                got = cur.seek(k);
                                break;
                            }
                            default:
                            {
                                final byte[] k = rnd.nextBoolean() ? keyPool.get(rnd.nextInt(keyPool.size())) :
                                    randomKey(rnd);
                                trail.append(" seekForPrev(").append(hex(k)).append(')');
                                want = m.seekForPrev(k);
                                got = cur.seekForPrev(k);
                                break;
                            }
                        }
                        final String where = seedInfo + " rv=" + rv + " [" + hex(lower) + ", " + hex(upper) +
                            ") moves:" + trail;
                        assertEquals(want, got, where);
                        if (want)
                        {
                            final Object[] e = visible.get(m.at);
                            assertEquals(hex(m.at), hex(cur.keyBytes()), where);
                            assertEquals(m.at.length, cur.keyLength(), where);
                            assertArrayEquals((byte[])e[0], cur.valueBytes(), where);
                            assertEquals(((byte[])e[0]).length, cur.valueLength(), where);
                            assertEquals(((Long)e[1]).longValue(), cur.version(), where);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void cursorsMatchTheModelBothWaysOverRandomHistories(final Bb24.Kind kind)
    {
        for (long seed = 2401; seed <= 2403; seed++)
        {
            history.clear();
            keyPool.clear();
            final Path d = dir.resolve("s" + seed);
            try (WritableStore store = kind.open(d))
            {
                final Random rnd = new Random(seed);
                final long max = writeHistory(store, rnd);
                runModel(store, rnd, max, kind + " seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void deleteRangeIsMvccAndGcKeepsReadsAtOrAboveTheSafePoint(final Bb24.Kind kind)
    {
        try (WritableStore store = kind.open(dir))
        {
            final Random rnd = new Random(2424);
            final long max = writeHistory(store, rnd);
            // delete-range over a middle slice of the key space, above every version
            final byte[] from = {'a'};
            final byte[] to = {(byte)0x80};
            final long dr = max + 10;
            long expected = 0;
            for (final Map.Entry<byte[], Object[]> e : model(dr).entrySet())
            {
                if (Arrays.compareUnsigned(e.getKey(), from) >= 0 && Arrays.compareUnsigned(e.getKey(), to) < 0)
                {
                    record(e.getKey(), dr, null);
                    expected++;
                }
            }
            assertEquals(expected, store.deleteRange(from, to, dr), "tombstones written by deleteRange");
            final Random moves = new Random(24);
            runModel(store, moves, dr, kind + " after deleteRange");
            // reads below the delete-range still see the old values (MVCC), point reads too
            assertPointReads(store, max);
            assertPointReads(store, dr);
            // GC at the middle: reads at or above the safe point unchanged
            final long safePoint = max / 2;
            final List<String> before = allVersions(store);
            final long dropped = store.gcBelow(safePoint);
            assertEquals(safePoint, store.gcSafePoint());
            final List<String> after = allVersions(store);
            assertEquals(expectedAfterGc(safePoint), after, kind + ": what gcBelow(" + safePoint + ") keeps");
            assertEquals(before.size() - after.size(), dropped, kind + ": gcBelow's count of dropped entries");
            for (final long rv : new long[] {safePoint, safePoint + 1, max, dr, dr + 3})
            {
                assertPointReads(store, rv);
                final NavigableMap<byte[], Object[]> want = model(rv);
                final List<String> got = new ArrayList<>();
                try (StoreCursor c = store.newCursor(null, null, rv))
                {
                    while (c.next())
                    {
                        got.add(hex(c.keyBytes()) + "=" + new String(c.valueBytes()));
                    }
                }
                final List<String> exp = new ArrayList<>();
                want.forEach((k, v) -> exp.add(hex(k) + "=" + new String((byte[])v[0])));
                assertEquals(exp, got, kind + " scan at " + rv + " after gcBelow(" + safePoint + ")");
            }
        }
    }

    /** Every stored entry, in scan order: key@version, "D" for a tombstone. */
    private static List<String> allVersions(final WritableStore store)
    {
        final List<String> out = new ArrayList<>();
        try (BackingSnapshot s = store.openSnapshot())
        {
            s.scan(new byte[0], new byte[0], (k, ko, kl, v, val, vo, vl) ->
            {
                final byte[] kb = new byte[kl];
                k.getBytes(ko, kb);
                out.add(hex(kb) + "@" + v + (val == null ? "D" : ""));
                return true;
            });
        }
        return out;
    }

    /** Versions above the safe point stay; of the rest, each key keeps its newest unless it is a tombstone. */
    private List<String> expectedAfterGc(final long safePoint)
    {
        final TreeMap<byte[], TreeMap<Long, byte[]>> byKey = new TreeMap<>(UNSIGNED);
        for (final byte[] k : keyPool)
        {
            final TreeMap<Long, byte[]> h = history.get(Arrays.toString(k));
            if (h != null)
            {
                byKey.put(k, h);
            }
        }
        final List<String> out = new ArrayList<>();
        byKey.forEach((k, h) ->
        {
            for (final Map.Entry<Long, byte[]> e : h.descendingMap().entrySet())
            {
                if (e.getKey() > safePoint)
                {
                    out.add(hex(k) + "@" + e.getKey() + (e.getValue() == null ? "D" : ""));
                    continue;
                }
                if (e.getValue() != null)
                {
                    out.add(hex(k) + "@" + e.getKey());
                }
                break;
            }
        });
        return out;
    }

    private void assertPointReads(final WritableStore store, final long rv)
    {
        final NavigableMap<byte[], Object[]> want = model(rv);
        try (BackingSnapshot snap = store.openSnapshot())
        {
            for (final byte[] k : keyPool)
            {
                final Object[] e = want.get(k);
                final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(256);
                final UnsafeBuffer key = new UnsafeBuffer(k);
                final int n = store.get(key, 0, k.length, rv, new UnsafeBuffer(new byte[256]), 0);
                final int m = snap.get(key, 0, k.length, rv, dst, 0);
                if (e == null)
                {
                    assertEquals(BackingSnapshot.NOT_FOUND, n, "store get " + hex(k) + " at " + rv);
                    assertEquals(BackingSnapshot.NOT_FOUND, m, "snapshot get " + hex(k) + " at " + rv);
                }
                else
                {
                    assertEquals(((byte[])e[0]).length, n, "store get " + hex(k) + " at " + rv);
                    assertArrayEquals((byte[])e[0], Arrays.copyOf(dst.byteArray(), Math.max(m, 0)),
                        "snapshot get " + hex(k) + " at " + rv);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Bb24.Kind.class)
    void aBatchIsAtomicAndSnapshotsArePointInTime(final Bb24.Kind kind)
    {
        try (WritableStore store = kind.open(dir))
        {
            Bb24.put(store, 3, "a", "1", "b", "1");
            try (BackingSnapshot before = store.openSnapshot())
            {
                Bb24.put(store, 4, "a", "2", "b", "2", "c", "2");
                final List<String> seenBefore = new ArrayList<>();
                before.scan(new byte[0], new byte[0], (k, ko, kl, v, val, vo, vl) ->
                {
                    final byte[] kb = new byte[kl];
                    k.getBytes(ko, kb);
                    seenBefore.add(new String(kb) + "@" + v);
                    return true;
                });
                assertEquals(List.of("a@3", "b@3"), seenBefore, "a snapshot does not see later batches");
                try (BackingSnapshot after = store.openSnapshot())
                {
                    final List<String> seenAfter = new ArrayList<>();
                    after.scan(new byte[0], new byte[0], (k, ko, kl, v, val, vo, vl) ->
                    {
                        final byte[] kb = new byte[kl];
                        k.getBytes(ko, kb);
                        seenAfter.add(new String(kb) + "@" + v + (val == null ? "D" : ""));
                        return true;
                    });
                    assertEquals(List.of("a@4", "a@3", "b@4", "b@3", "c@4"), seenAfter,
                        "scan order: key ascending, version descending");
                }
            }
            Bb24.delete(store, 5, "a");
            try (StoreCursor c = store.newCursor(b("a"), b("c"), 5))
            {
                assertTrue(c.next());
                assertEquals("b", new String(c.keyBytes()));
                assertEquals(false, c.next());
            }
            try (StoreCursor c = store.newCursor(b("a"), b("c"), 4))
            {
                assertTrue(c.seekToFirst());
                assertEquals("a", new String(c.keyBytes()));
                assertEquals("2", new String(c.valueBytes()));
            }
        }
    }
}
