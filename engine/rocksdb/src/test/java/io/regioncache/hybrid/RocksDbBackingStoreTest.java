package io.regioncache.hybrid;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.WriteBatch;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.rocksdb.MvccKeyCodec;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.rocksdb.RocksDbSnapshot;
import io.regioncache.rocksdb.RocksDbCursor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RocksDbBackingStoreTest
{
    @TempDir
    Path dir;

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
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
    void encodingPreservesKeyAscVersionDescOrder()
    {
        final Random rnd = new Random(42);
        final byte[] alphabet = {0x00, 0x01, (byte)0x7F, (byte)0x80, (byte)0xF7, (byte)0xFE, (byte)0xFF};
        final List<Entry> entries = new ArrayList<>();
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 400; i++)
        {
            final byte[] k;
            if (!keys.isEmpty() && rnd.nextInt(3) == 0)
            {
                // A prefix or an extension of an existing key: the hard cases for variable-length keys.
                final byte[] base = keys.get(rnd.nextInt(keys.size()));
                if (rnd.nextBoolean() && base.length > 0)
                {
                    k = Arrays.copyOf(base, rnd.nextInt(base.length));
                }
                else
                {
                    k = Arrays.copyOf(base, base.length + 1 + rnd.nextInt(9));
                    for (int j = base.length; j < k.length; j++)
                    {
                        k[j] = alphabet[rnd.nextInt(alphabet.length)];
                    }
                }
            }
            else
            {
                k = new byte[rnd.nextInt(25)];
                for (int j = 0; j < k.length; j++)
                {
                    k[j] = alphabet[rnd.nextInt(alphabet.length)];
                }
            }
            keys.add(k);
            final long[] versions = {0, 1, 255, 256, Long.MAX_VALUE, rnd.nextLong() & Long.MAX_VALUE};
            entries.add(new Entry(k, versions[rnd.nextInt(versions.length)], null));
        }
        final Comparator<Entry> logical = (x, y) ->
        {
            final int c = Arrays.compareUnsigned(x.key, y.key);
            return c != 0 ? c : Long.compare(y.version, x.version);
        };
        final Comparator<Entry> encoded = (x, y) ->
            Arrays.compareUnsigned(MvccKeyCodec.encode(x.key, x.version), MvccKeyCodec.encode(y.key, y.version));
        for (final Entry x : entries)
        {
            // Round trip, and the encoding length formula.
            final byte[] enc = MvccKeyCodec.encode(x.key, x.version);
            assertEquals(MvccKeyCodec.encodedLength(x.key.length) + 8, enc.length);
            assertArrayEquals(x.key, MvccKeyCodec.decodeUserKey(enc));
            assertEquals(x.version, MvccKeyCodec.decodeVersion(enc));
            for (final Entry y : entries)
            {
                assertEquals(Integer.signum(logical.compare(x, y)), Integer.signum(encoded.compare(x, y)),
                    () -> "order of " + Arrays.toString(x.key) + "@" + x.version + " vs " +
                        Arrays.toString(y.key) + "@" + y.version);
            }
        }
    }

    @Test
    void decodeRejectsCorruptEncodings()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(new byte[5]), 0, 5, dst, 0));
        final byte[] badMarker = new byte[9];
        badMarker[8] = 0x10;
        assertThrows(IllegalArgumentException.class,
            () -> MvccKeyCodec.decodeKey(new UnsafeBuffer(badMarker), 0, 9, dst, 0));
    }

    @Test
    void getAtVersionsWithTombstonesAndPrefixKeys()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            store.put(b("k"), 5, b("v5"));
            store.put(b("k"), 10, b("v10"));
            store.delete(b("k"), 15);
            store.put(b("k"), 20, b("v20"));
            store.put(b("k\0"), 7, b("other")); // k ++ 0x00: the key right after k, must never be confused with it
            store.put(b("kkkkkkkk"), 3, b("eight")); // exactly one group
            for (long v = 0; v <= 25; v++)
            {
                final byte[] expected = v < 5 ? null : v < 10 ? b("v5") : v < 15 ? b("v10") : v < 20 ? null : b("v20");
                final long at = v;
                assertArrayEquals(expected, store.get(b("k"), v), () -> "k@" + at);
            }
            assertNull(store.get(b("k\0"), 6));
            assertArrayEquals(b("other"), store.get(b("k\0"), 7));
            assertNull(store.get(b("kk"), 100));
            assertArrayEquals(b("eight"), store.get(b("kkkkkkkk"), 3));
            assertNull(store.get(b("kkkkkkk"), 3));
            assertNull(store.get(b("k"), -1));

            // A too-small, non-expandable destination: length reported, nothing copied.
            final UnsafeBuffer small = new UnsafeBuffer(new byte[2]);
            assertEquals(-2 - 3, store.get(new UnsafeBuffer(b("k")), 0, 1, 20, small, 0));
            assertEquals(0, small.getByte(0));

            // The snapshot's get agrees.
            try (RocksDbSnapshot snap = store.openSnapshot())
            {
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
                assertEquals(BackingSnapshot.NOT_FOUND, snap.get(new UnsafeBuffer(b("k")), 0, 1, 17, dst, 0));
                assertEquals(3, snap.get(new UnsafeBuffer(b("k")), 0, 1, 21, dst, 0));
                assertEquals('2', dst.getByte(1));
            }
        }
    }

    @Test
    void scanVisitsEveryVersionInsideBounds()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            final String[] keys = {"a", "ab", "abc", "abcdefghij", "b", "ba", "c"};
            for (final String k : keys)
            {
                store.put(b(k), 1, b(k + "@1"));
                store.put(b(k), 2, b(k + "@2"));
            }
            store.delete(b("ab"), 3);
            try (RocksDbSnapshot snap = store.openSnapshot())
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

                try (RocksDbCursor c = snap.newCursor(b("a"), b("c"), 2))
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
                try (RocksDbCursor c = snap.newCursor(b("a"), b("b"), 3))
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
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            store.put(b("x"), 1, b("old"));
            try (RocksDbSnapshot snap = store.openSnapshot())
            {
                store.put(b("x"), 2, b("new"));
                store.put(b("y"), 2, b("y"));
                assertEquals(1, scanAll(snap, new byte[0], new byte[0]).size());
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
                assertEquals(3, snap.get(new UnsafeBuffer(b("x")), 0, 1, 10, dst, 0));
                assertEquals('o', dst.getByte(0));
                assertEquals(BackingSnapshot.NOT_FOUND, snap.get(new UnsafeBuffer(b("y")), 0, 1, 10, dst, 0));
                assertArrayEquals(b("new"), store.get(b("x"), 10));
            }
        }
    }

    @Test
    void applyBatchIsAtomicAtOneVersion()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            store.applyBatch(new WriteBatch(7, 1, 9).put(b("a"), b("1")).put(b("b"), new byte[0]).delete(b("c")));
            try (RocksDbSnapshot snap = store.openSnapshot())
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
            assertThrows(StoreException.class, () -> store.put(b("a"), -1, b("x")));
        }
    }

    @Test
    void gcBelowKeepsEveryReadAtOrAboveTheSafePoint()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            final Random rnd = new Random(7);
            final int keys = 30;
            for (long v = 1; v <= 200; v++)
            {
                final byte[] k = b("key" + rnd.nextInt(keys));
                if (rnd.nextInt(4) == 0)
                {
                    store.delete(k, v);
                }
                else
                {
                    store.put(k, v, b("v" + v));
                }
            }
            final long safePoint = 120;
            final List<byte[]> before = new ArrayList<>();
            for (int k = 0; k < keys; k++)
            {
                for (long v = safePoint; v <= 201; v++)
                {
                    before.add(store.get(b("key" + k), v));
                }
            }
            final int entriesBefore;
            try (RocksDbSnapshot snap = store.openSnapshot())
            {
                entriesBefore = scanAll(snap, new byte[0], new byte[0]).size();
            }
            final long dropped = store.gcBelow(safePoint);
            assertTrue(dropped > 0, "something below the safe point must be shadowed");
            try (RocksDbSnapshot snap = store.openSnapshot())
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
                    assertArrayEquals(before.get(i++), store.get(b("key" + k), v));
                }
            }
            assertEquals(safePoint, store.gcSafePoint());
            assertEquals(0, store.gcBelow(safePoint)); // idempotent
        }
    }

    @Test
    void mvccDeleteRangeKeepsHistory()
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            store.put(b("a"), 1, b("a"));
            store.put(b("b"), 1, b("b"));
            store.put(b("c"), 1, b("c"));
            store.delete(b("b"), 2);
            assertEquals(1, store.deleteRange(b("a"), b("c"), 5)); // b is already deleted at 5
            assertNull(store.get(b("a"), 5));
            assertArrayEquals(b("a"), store.get(b("a"), 4));
            assertArrayEquals(b("c"), store.get(b("c"), 5));
        }
    }

    @Test
    void rocksDbErrorsSurfaceAsStoreException() throws Exception
    {
        final Path file = Files.createFile(dir.resolve("not-a-dir"));
        assertThrows(StoreException.class, () -> RocksDbBackingStore.open(file));

        // A second open of a directory RocksDB has locked fails with the LOCK error, typed.
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db")))
        {
            final StoreException ex = assertThrows(StoreException.class,
                () -> RocksDbBackingStore.open(dir.resolve("db")));
            assertTrue(ex.getCause() instanceof org.rocksdb.RocksDBException, String.valueOf(ex.getCause()));
            store.put(b("a"), 1, b("1"));
        }

        final RocksDbBackingStore store = RocksDbBackingStore.open(dir.resolve("db2"));
        store.put(b("a"), 1, b("1"));
        final RocksDbSnapshot snap = store.openSnapshot();
        final RocksDbCursor cursor = store.newCursor(new byte[0], new byte[0], 1);
        store.close(); // releases the open snapshot and cursor before the database
        assertThrows(StoreException.class, () -> store.get(b("a"), 1));
        assertThrows(StoreException.class, () -> store.put(b("a"), 2, b("2")));
        assertThrows(StoreException.class, store::openSnapshot);
        assertThrows(StoreException.class, () -> scanAll(snap, new byte[0], new byte[0]));
        assertThrows(StoreException.class, cursor::next);
        snap.close(); // harmless after the store released it
        cursor.close();
        store.close();
    }
}
