package io.regioncache.rocksdb;

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
import io.regioncache.store.MvccKeyCodec;
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
