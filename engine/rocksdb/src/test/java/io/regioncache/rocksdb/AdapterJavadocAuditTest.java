package io.regioncache.rocksdb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDBException;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;

/**
 * The Javadoc of {@link RocksDbBackingStore} and {@link RocksDbSnapshot} held to what the code does: each test names
 * the sentence. Written with the audit that found {@code splitKey} answering a key below a range's only key (so one
 * part of the split was empty) and {@code approximateSize} reading through a closed snapshot.
 */
class AdapterJavadocAuditTest
{
    @TempDir
    Path dir;

    private RocksDbBackingStore store;

    @AfterEach
    void close()
    {
        if (store != null)
        {
            store.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static byte[] key(final int i)
    {
        return b(String.format("key%08d", i));
    }

    private RocksDbBackingStore storeWith(final int from, final int count)
    {
        store = RocksDbBackingStore.open(dir.resolve("db"));
        final WriteBatch wb = new WriteBatch(1, 1, 1);
        for (int i = from; i < from + count; i++)
        {
            wb.put(key(i), new byte[100]);
        }
        if (count > 0)
        {
            store.applyBatch(wb);
        }
        return store;
    }

    private void flush()
    {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true))
        {
            store.db().flush(flush);
        }
        catch (final RocksDBException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static int compare(final byte[] a, final byte[] b)
    {
        return Arrays.compareUnsigned(a, b);
    }

    /** splitKey: "Null if the range holds fewer than two keys" (no key at all). */
    @Test
    void splitKeyOfAnEmptyRangeIsNull()
    {
        storeWith(0, 0);
        try (BackingSnapshot s = store.openSnapshot())
        {
            assertNull(s.splitKey(b("a"), new byte[0]));
        }
    }

    /**
     * splitKey: "Null if the range holds fewer than two keys", with a start below the one key. Was: a key between the
     * start and the only key, so the first part was empty.
     */
    @Test
    void splitKeyOfARangeWithOneKeyIsNullWhateverTheStart()
    {
        storeWith(500, 1);
        try (BackingSnapshot s = store.openSnapshot())
        {
            assertNull(s.splitKey(b("a"), new byte[0]));
            assertNull(s.splitKey(key(500), new byte[0]));
            assertNull(s.splitKey(b("a"), key(501)));
        }
    }

    /** splitKey: "above the first key and not above the last, so both parts hold at least one key" (two keys). */
    @Test
    void splitKeyOfTwoKeysSeparatesThem()
    {
        storeWith(10, 1);
        store.applyBatch(new WriteBatch(1, 1, 2).put(key(900_000), new byte[100]));
        try (BackingSnapshot s = store.openSnapshot())
        {
            final byte[] split = s.splitKey(b("a"), new byte[0]);
            if (split != null) // the estimate may be too coarse for two keys; a key, if any, must separate them
            {
                assertTrue(compare(split, key(10)) > 0);
                assertTrue(compare(split, key(900_000)) <= 0);
            }
        }
    }

    /** splitKey: within the range, above its first key and not above its last, with a start far below the keys. */
    @Test
    void splitKeyOfManyKeysLiesBetweenTheFirstAndLastKey()
    {
        storeWith(20_000, 50_000);
        flush();
        try (BackingSnapshot s = store.openSnapshot())
        {
            final byte[] split = s.splitKey(b("a"), new byte[0]);
            assertNotNull(split);
            assertTrue(compare(split, key(20_000)) > 0, () -> new String(split, US_ASCII));
            assertTrue(compare(split, key(69_999)) <= 0, () -> new String(split, US_ASCII));
            final byte[] bounded = s.splitKey(key(30_000), key(40_000));
            assertNotNull(bounded);
            assertTrue(compare(bounded, key(30_000)) > 0);
            assertTrue(compare(bounded, key(39_999)) <= 0);
        }
    }

    /** splitKey: null for a range past every key, the keys below it notwithstanding. */
    @Test
    void splitKeyOfARangePastTheKeysIsNull()
    {
        storeWith(0, 1_000);
        try (BackingSnapshot s = store.openSnapshot())
        {
            assertNull(s.splitKey(b("zzz"), new byte[0]));
        }
    }

    /** Class Javadoc: the optional estimates answer "unknown" after close: splitKey null, approximateSize -1. */
    @Test
    void estimatesOfAClosedSnapshotAreUnknown()
    {
        storeWith(0, 10_000);
        flush();
        final BackingSnapshot s = store.openSnapshot();
        assertTrue(s.approximateSize(new byte[0], new byte[0]) > 0);
        s.close();
        assertEquals(-1, s.approximateSize(new byte[0], new byte[0]));
        assertNull(s.splitKey(key(0), new byte[0]));
    }

    /** Class Javadoc: "Every call after close() ... throws StoreException" for the reads. */
    @Test
    void readsOfAClosedSnapshotThrowStoreException()
    {
        storeWith(0, 10);
        final BackingSnapshot s = store.openSnapshot();
        s.close();
        assertThrows(StoreException.class,
            () -> s.get(new UnsafeBuffer(key(1)), 0, key(1).length, 5, new UnsafeBuffer(new byte[200]), 0));
        assertThrows(StoreException.class, () -> s.scan(new byte[0], new byte[0], (k, ko, kl, v, vb, vo, vl) -> true));
    }

    /** approximateSize of an open snapshot after the store's close: -1, never a throw. */
    @Test
    void estimatesAfterTheStoresCloseAreUnknown()
    {
        storeWith(0, 10);
        final BackingSnapshot s = store.openSnapshot();
        store.close();
        assertEquals(-1, s.approximateSize(new byte[0], new byte[0]));
        assertNull(s.splitKey(key(0), new byte[0]));
        store = null;
    }

    /** RocksDbSnapshot.get: "An expandable dst grows; a fixed one too small gets -2 - length back and nothing copied". */
    @Test
    void snapshotGetGrowsAnExpandableBufferAndRefusesAFixedOne()
    {
        storeWith(0, 1);
        try (BackingSnapshot s = store.openSnapshot())
        {
            final byte[] fixed = new byte[50];
            assertEquals(-2 - 100, s.get(new UnsafeBuffer(key(0)), 0, key(0).length, 5, new UnsafeBuffer(fixed), 0));
            assertTrue(Arrays.equals(new byte[50], fixed));
            final ExpandableArrayBuffer grows = new ExpandableArrayBuffer(8);
            assertEquals(100, s.get(new UnsafeBuffer(key(0)), 0, key(0).length, 5, grows, 0));
            assertTrue(grows.capacity() >= 100);
        }
    }

    /** RocksDbBackingStore.get (BackingStore.get): -2 - length and an expandable dst not grown. */
    @Test
    void storeGetDoesNotGrowAnExpandableBuffer()
    {
        storeWith(0, 1);
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(8);
        assertEquals(-2 - 100, store.get(new UnsafeBuffer(key(0)), 0, key(0).length, 5, dst, 0));
        assertEquals(8, dst.capacity());
    }
}
