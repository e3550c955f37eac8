package io.regioncache.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link WritableStore} must do, run against each implementation (RocksDB, LMDB) by a subclass that
 * says how to open one: MVCC gets at every version with tombstones and prefix keys, scans in (key asc, version desc)
 * order inside bounds, visible-key cursors moving both ways, snapshot isolation, atomic batches, GC that keeps every read at or
 * above the safe point, and MVCC delete-range that keeps history.
 */
public abstract class WritableStoreContract
{
    @TempDir
    protected Path dir;

    /**
     * @param dir an empty directory.
     * @return a new store there.
     */
    protected abstract WritableStore open(Path dir);

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void put(final WritableStore store, final byte[] key, final long version, final byte[] value)
    {
        store.applyBatch(new WriteBatch(0, 0, version).put(key, value));
    }

    static void delete(final WritableStore store, final byte[] key, final long version)
    {
        store.applyBatch(new WriteBatch(0, 0, version).delete(key));
    }

    static byte[] get(final WritableStore store, final byte[] key, final long version)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        final int n = store.get(new UnsafeBuffer(key), 0, key.length, version, dst, 0);
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    /** One stored entry as seen by a full scan. */
    record Entry(byte[] key, long version, byte[] value)
    {
    }

    static List<Entry> scanAll(final BackingSnapshot snap, final byte[] start, final byte[] end)
    {
        final List<Entry> out = new ArrayList<>();
        snap.scan(start, end, (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
        {
            final byte[] k = new byte[keyLength];
            key.getBytes(keyOffset, k);
            byte[] v = null;
            if (value != null)
            {
                v = new byte[valueLength];
                value.getBytes(valueOffset, v);
            }
            out.add(new Entry(k, version, v));
            return true;
        });
        return out;
    }

    @Test
    void getAtVersionsWithTombstonesAndPrefixKeys()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            put(store, b("k"), 5, b("v5"));
            put(store, b("k"), 10, b("v10"));
            delete(store, b("k"), 15);
            put(store, b("k"), 20, b("v20"));
            put(store, b("k\0"), 7, b("other")); // k ++ 0x00: the key right after k, must never be confused with it
            put(store, b("kkkkkkkk"), 3, b("eight")); // exactly one group
            for (long v = 0; v <= 25; v++)
            {
                final byte[] expected = v < 5 ? null : v < 10 ? b("v5") : v < 15 ? b("v10") : v < 20 ? null : b("v20");
                final long at = v;
                assertArrayEquals(expected, get(store, b("k"), v), () -> "k@" + at);
            }
            assertNull(get(store, b("k\0"), 6));
            assertArrayEquals(b("other"), get(store, b("k\0"), 7));
            assertNull(get(store, b("kk"), 100));
            assertArrayEquals(b("eight"), get(store, b("kkkkkkkk"), 3));
            assertNull(get(store, b("kkkkkkk"), 3));
            assertNull(get(store, b("k"), -1));

            // A too-small, non-expandable destination: length reported, nothing copied.
            final UnsafeBuffer small = new UnsafeBuffer(new byte[2]);
            assertEquals(-2 - 3, store.get(new UnsafeBuffer(b("k")), 0, 1, 20, small, 0));
            assertEquals(0, small.getByte(0));

            // The snapshot's get agrees.
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
                assertEquals(BackingSnapshot.NOT_FOUND, snap.get(new UnsafeBuffer(b("k")), 0, 1, 17, dst, 0));
                assertEquals(3, snap.get(new UnsafeBuffer(b("k")), 0, 1, 21, dst, 0));
                assertEquals('2', dst.getByte(1));
            }
        }
    }

    /** A store's or a snapshot's point get. */
    private interface PointRead
    {
        int get(DirectBuffer key, int keyOffset, int keyLength, long readVersion, MutableDirectBuffer dst, int dstOffset);
    }

    /**
     * A key or destination slice outside its buffer is the store's own {@code IllegalArgumentException}, not left to
     * Agrona's bounds checks (a host may turn those off, and then the read would run past the buffer). The in-memory
     * store left its key to them until audit 24 (an {@code IndexOutOfBoundsException} with the checks on).
     */
    @Test
    void aKeyOrDestinationSliceOutsideItsBufferIsRefusedByTheStore()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            put(store, b("key"), 5, b("v"));
            final UnsafeBuffer key = new UnsafeBuffer(b("key"));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
            try (BackingSnapshot snap = store.openSnapshot())
            {
                for (final PointRead reader : List.<PointRead>of(store::get, snap::get))
                {
                    assertThrows(IllegalArgumentException.class, () -> reader.get(key, 1, 3, 10, dst, 0), "key past end");
                    assertThrows(IllegalArgumentException.class, () -> reader.get(key, -1, 2, 10, dst, 0), "offset < 0");
                    assertThrows(IllegalArgumentException.class, () -> reader.get(key, 0, -1, 10, dst, 0), "length < 0");
                    assertThrows(IllegalArgumentException.class, () -> reader.get(key, 0, 3, 10, dst, 17), "dst past end");
                    assertEquals(1, reader.get(key, 0, 3, 10, dst, 0), "the store still reads");
                }
            }
        }
    }

    @Test
    void scanVisitsEveryVersionInsideBounds()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            final String[] keys = {"a", "ab", "abc", "abcdefghij", "b", "ba", "c"};
            for (final String k : keys)
            {
                put(store, b(k), 1, b(k + "@1"));
                put(store, b(k), 2, b(k + "@2"));
            }
            delete(store, b("ab"), 3);
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final List<Entry> all = scanAll(snap, new byte[0], new byte[0]);
                assertEquals(keys.length * 2 + 1, all.size());
                final List<Entry> mid = scanAll(snap, b("ab"), b("b"));
                final List<String> seen = new ArrayList<>();
                for (final Entry e : mid)
                {
                    seen.add(new String(e.key, StandardCharsets.UTF_8) + "@" + e.version + (e.value == null ? "D" : ""));
                }
                assertEquals(List.of("ab@3D", "ab@2", "ab@1", "abc@2", "abc@1", "abcdefghij@2", "abcdefghij@1"),
                    seen);
                assertEquals(List.of("b@2", "b@1", "ba@2", "ba@1", "c@2", "c@1"),
                    scanAll(snap, b("b"), new byte[0]).stream()
                        .map(e -> new String(e.key, StandardCharsets.UTF_8) + "@" + e.version).toList());
                assertEquals(2, scanAll(snap, new byte[0], b("ab")).size()); // a@2, a@1
                // A visitor can stop early.
                final int[] n = {0};
                snap.scan(new byte[0], new byte[0], (k, ko, kl, v, val, vo, vl) -> ++n[0] < 3);
                assertEquals(3, n[0]);

                try (StoreCursor c = store.newCursor(b("a"), b("c"), 2))
                {
                    final List<String> visible = new ArrayList<>();
                    while (c.next())
                    {
                        visible.add(new String(c.keyBytes(), StandardCharsets.UTF_8) + "=" +
                            new String(c.valueBytes(), StandardCharsets.UTF_8));
                    }
                    assertEquals(List.of("a=a@2", "ab=ab@2", "abc=abc@2", "abcdefghij=abcdefghij@2", "b=b@2",
                        "ba=ba@2"), visible);
                }
                try (StoreCursor c = store.newCursor(b("a"), b("b"), 3))
                {
                    final List<String> visible = new ArrayList<>();
                    while (c.next())
                    {
                        visible.add(new String(c.keyBytes(), StandardCharsets.UTF_8));
                    }
                    assertEquals(List.of("a", "abc", "abcdefghij"), visible); // ab deleted at 3
                }
            }
        }
    }

    @Test
    void snapshotIsolation()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            put(store, b("x"), 1, b("old"));
            try (BackingSnapshot snap = store.openSnapshot())
            {
                put(store, b("x"), 2, b("new"));
                put(store, b("y"), 2, b("y"));
                assertEquals(1, scanAll(snap, new byte[0], new byte[0]).size());
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
                assertEquals(3, snap.get(new UnsafeBuffer(b("x")), 0, 1, 10, dst, 0));
                assertEquals('o', dst.getByte(0));
                assertEquals(BackingSnapshot.NOT_FOUND, snap.get(new UnsafeBuffer(b("y")), 0, 1, 10, dst, 0));
                assertArrayEquals(b("new"), get(store, b("x"), 10));
            }
        }
    }

    @Test
    void applyBatchIsAtomicAtOneVersion()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            store.applyBatch(new WriteBatch(7, 1, 9).put(b("a"), b("1")).put(b("b"), new byte[0]).delete(b("c")));
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final List<Entry> all = scanAll(snap, new byte[0], new byte[0]);
                assertEquals(3, all.size());
                for (final Entry e : all)
                {
                    assertEquals(9, e.version);
                }
                assertArrayEquals(new byte[0], all.get(1).value); // an empty value is a put, not a tombstone
                assertNull(all.get(2).value);
            }
            assertThrows(StoreException.class, () -> put(store, b("a"), -1, b("x")));
        }
    }

    @Test
    void gcBelowKeepsEveryReadAtOrAboveTheSafePoint()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            final Random rnd = new Random(7);
            final int keys = 30;
            for (long v = 1; v <= 200; v++)
            {
                final byte[] k = b("key" + rnd.nextInt(keys));
                if (rnd.nextInt(4) == 0)
                {
                    delete(store, k, v);
                }
                else
                {
                    put(store, k, v, b("v" + v));
                }
            }
            final long safePoint = 120;
            final List<byte[]> before = new ArrayList<>();
            for (int k = 0; k < keys; k++)
            {
                for (long v = safePoint; v <= 201; v++)
                {
                    before.add(get(store, b("key" + k), v));
                }
            }
            final int entriesBefore;
            try (BackingSnapshot snap = store.openSnapshot())
            {
                entriesBefore = scanAll(snap, new byte[0], new byte[0]).size();
            }
            final long dropped = store.gcBelow(safePoint);
            assertTrue(dropped > 0, "something below the safe point must be shadowed");
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final List<Entry> after = scanAll(snap, new byte[0], new byte[0]);
                assertEquals(entriesBefore - dropped, after.size());
                // At most one version at or below the safe point survives per key, and never a tombstone.
                for (int i = 0; i < after.size(); i++)
                {
                    final Entry e = after.get(i);
                    if (e.version <= safePoint)
                    {
                        assertTrue(e.value != null, "tombstone at or below the safe point survived");
                        if (i + 1 < after.size())
                        {
                            assertTrue(!Arrays.equals(after.get(i + 1).key, e.key),
                                "an older version below the safe point survived");
                        }
                    }
                }
            }
            int i = 0;
            for (int k = 0; k < keys; k++)
            {
                for (long v = safePoint; v <= 201; v++)
                {
                    assertArrayEquals(before.get(i++), get(store, b("key" + k), v));
                }
            }
            assertEquals(safePoint, store.gcSafePoint());
            assertEquals(0, store.gcBelow(safePoint)); // idempotent
        }
    }

    /**
     * The SPI: "a negative safe point drops nothing". Was, on RocksDB: a round ran with the safe point encoded as a
     * version, whose inverted suffix sorts before every real one (and since {@code MvccKeyCodec} refuses a negative
     * version, it threw part-way through a round).
     */
    @Test
    void aNegativeSafePointDropsNothing()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            for (long v = 1; v <= 20; v++)
            {
                put(store, b("k" + (v % 3)), v, b("v" + v));
            }
            delete(store, b("k0"), 21);
            final int entriesBefore;
            try (BackingSnapshot snap = store.openSnapshot())
            {
                entriesBefore = scanAll(snap, new byte[0], new byte[0]).size();
            }
            for (final long p : new long[] {-1, -2, Long.MIN_VALUE})
            {
                assertEquals(0, store.gcBelow(p), "safe point " + p);
            }
            try (BackingSnapshot snap = store.openSnapshot())
            {
                assertEquals(entriesBefore, scanAll(snap, new byte[0], new byte[0]).size());
            }
            assertArrayEquals(b("v1"), get(store, b("k1"), 1), "the oldest version is still readable");
            assertTrue(store.gcSafePoint() < 0, "no safe point recorded: " + store.gcSafePoint());
            assertTrue(store.gcBelow(10) > 0, "a real round after them still sweeps");
        }
    }

    @Test
    void mvccDeleteRangeKeepsHistory()
    {
        try (WritableStore store = open(dir.resolve("db")))
        {
            put(store, b("a"), 1, b("a"));
            put(store, b("b"), 1, b("b"));
            put(store, b("c"), 1, b("c"));
            delete(store, b("b"), 2);
            assertEquals(1, store.deleteRange(b("a"), b("c"), 5)); // b is already deleted at 5
            assertNull(get(store, b("a"), 5));
            assertArrayEquals(b("a"), get(store, b("a"), 4));
            assertArrayEquals(b("c"), get(store, b("c"), 5));
        }
    }

    /**
     * Keys and values longer than a store's first read buffers (RocksDB's reads start with 256 and 1,024 bytes and
     * grow), between short ones: a scan and a cursor each way return every entry whole, and an entry read after a
     * long one does not carry the long one's length.
     */
    @Test
    void longKeysAndValuesBetweenShortOnesReadWholeBothWays()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final int[] keyLengths = {1, 300, 2, 400, 3, 40}; // 400 encodes under LMDB's 511-byte key limit
        final int[] valueLengths = {1, 3_000, 0, 9_000, 5, 1_025};
        final java.util.TreeMap<byte[], byte[]> model = new java.util.TreeMap<>(Arrays::compareUnsigned);
        try (WritableStore store = open(dir.resolve("db")))
        {
            for (int i = 0; i < keyLengths.length; i++)
            {
                final byte[] key = new byte[keyLengths[i]];
                random.nextBytes(key);
                key[0] = (byte)('a' + i); // the order of i, whatever the lengths
                final byte[] value = new byte[valueLengths[i]];
                random.nextBytes(value);
                put(store, key, 2, value);
                model.put(key, value);
            }
            final byte[] deleted = {(byte)('a' + keyLengths.length)};
            put(store, deleted, 1, new byte[2_000]);
            delete(store, deleted, 2);
            try (BackingSnapshot snap = store.openSnapshot())
            {
                final List<Entry> all = scanAll(snap, new byte[0], new byte[0]);
                assertEquals(model.size() + 2, all.size(), "seed " + seed);
                int i = 0;
                for (final var e : model.entrySet())
                {
                    assertArrayEquals(e.getKey(), all.get(i).key(), "seed " + seed + ": key " + i);
                    assertEquals(2, all.get(i).version(), "seed " + seed);
                    assertArrayEquals(e.getValue(), all.get(i).value(), "seed " + seed + ": value " + i);
                    i++;
                }
                assertArrayEquals(deleted, all.get(i).key(), "seed " + seed);
                assertNull(all.get(i).value(), "seed " + seed + ": the tombstone after a 9,000-byte value");
                assertEquals(2_000, all.get(i + 1).value().length, "seed " + seed);
            }
            try (StoreCursor cursor = store.newCursor(new byte[0], new byte[0], 5))
            {
                final List<byte[]> keys = new ArrayList<>(model.keySet());
                int i = 0;
                for (boolean valid = cursor.seekToFirst(); valid; valid = cursor.next())
                {
                    assertArrayEquals(keys.get(i), cursor.keyBytes(), "seed " + seed + ": forward key " + i);
                    assertArrayEquals(model.get(keys.get(i)), cursor.valueBytes(), "seed " + seed + ": forward " + i);
                    i++;
                }
                assertEquals(keys.size(), i, "seed " + seed);
                for (boolean valid = cursor.seekToLast(); valid; valid = cursor.prev())
                {
                    i--;
                    assertArrayEquals(keys.get(i), cursor.keyBytes(), "seed " + seed + ": backward key " + i);
                    assertArrayEquals(model.get(keys.get(i)), cursor.valueBytes(), "seed " + seed + ": backward " + i);
                }
                assertEquals(0, i, "seed " + seed);
            }
        }
    }

    @Test
    void cursorsMoveBothWaysOverMvccHistory()
    {
        final long seed = System.nanoTime();
        try (WritableStore store = open(dir.resolve("db")))
        {
            CursorNavigationCheck.run(store, new CursorNavigationCheck.Writer()
            {
                @Override
                public void put(final byte[] key, final long version, final byte[] value)
                {
                    WritableStoreContract.put(store, key, version, value);
                }

                @Override
                public void delete(final byte[] key, final long version)
                {
                    WritableStoreContract.delete(store, key, version);
                }
            }, seed);
        }
    }

    @Test
    void closeReleasesSnapshotsAndCursorsLeftOpenAndLaterCallsFailTyped()
    {
        final WritableStore store = open(dir.resolve("db"));
        put(store, b("a"), 1, b("1"));
        final BackingSnapshot snap = store.openSnapshot();
        final StoreCursor cursor = store.newCursor(new byte[0], new byte[0], 5);
        assertTrue(cursor.next());
        store.close();
        assertThrows(StoreException.class, () -> put(store, b("b"), 2, b("2")));
        assertThrows(StoreException.class, store::openSnapshot);
        snap.close(); // idempotent after the store closed it
        cursor.close();
    }
}
