package io.regioncache.lmdb;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;

/**
 * The Javadoc of {@link LmdbBackingStore}'s reads held to what the code does: each test names the sentence. Written
 * with the audit that found {@code multiGet} outside the store's lifecycle lock (an empty batch on a closed store
 * answered as if open, and a batch read each key in its own transaction).
 */
class AdapterJavadocAuditTest
{
    @TempDir
    Path dir;

    private LmdbBackingStore store;

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

    private LmdbBackingStore open()
    {
        store = LmdbBackingStore.open(dir.resolve("db"), 64L << 20, false);
        store.put(b("a"), 1, b("va"));
        store.put(b("bb"), 1, b("a value of 20 bytes."));
        store.put(b("c"), 1, b("old"));
        store.applyBatch(new WriteBatch(1, 1, 2).delete(b("c")));
        return store;
    }

    private static final UnsafeBuffer KEYS = new UnsafeBuffer(b("abbcz"));
    private static final int[] OFFSETS = {0, 1, 3, 4};
    private static final int[] LENGTHS = {1, 2, 1, 1};

    /** multiGet: "per key, the answer is what get would return", values packed one after the other. */
    @Test
    void multiGetPacksTheValuesAndMarksAbsentAndDeletedKeys()
    {
        open();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        final int[] vo = new int[4];
        final int[] vl = new int[4];
        final int end = store.multiGet(KEYS, OFFSETS, LENGTHS, 0, 4, 10, dst, 5, vo, vl);
        assertArrayEquals(new int[] {2, 20, BackingSnapshot.NOT_FOUND, BackingSnapshot.NOT_FOUND}, vl);
        assertEquals(5, vo[0]);
        assertEquals(7, vo[1]);
        assertEquals(27, end);
        final byte[] second = new byte[20];
        dst.getBytes(7, second);
        assertArrayEquals(b("a value of 20 bytes."), second);
    }

    /** multiGet at an older version reads the value the tombstone shadows. */
    @Test
    void multiGetReadsAtItsVersion()
    {
        open();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        final int[] vo = new int[4];
        final int[] vl = new int[4];
        store.multiGet(KEYS, OFFSETS, LENGTHS, 2, 1, 1, dst, 0, vo, vl);
        assertEquals(3, vl[2]);
        final byte[] got = new byte[3];
        dst.getBytes(vo[2], got);
        assertArrayEquals(b("old"), got);
    }

    /** multiGet: a value that does not fit gets -2 - length, nothing grown, and the next value still lands. */
    @Test
    void multiGetMarksTheValueThatDoesNotFitAndGoesOn()
    {
        open();
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(10);
        final int[] vo = new int[4];
        final int[] vl = new int[4];
        final int end = store.multiGet(KEYS, OFFSETS, LENGTHS, 0, 2, 10, dst, 5, vo, vl);
        assertArrayEquals(new int[] {2, -2 - 20, 0, 0}, vl);
        assertEquals(7, end);
        assertEquals(10, dst.capacity(), "not grown");
    }

    /** multiGet: "@throws StoreException if ... the store is closed", a batch of keys. */
    @Test
    void multiGetOnAClosedStoreThrowsStoreException()
    {
        open().close();
        final int[] vl = new int[4];
        assertThrows(StoreException.class, () ->
            store.multiGet(KEYS, OFFSETS, LENGTHS, 0, 4, 10, new UnsafeBuffer(new byte[64]), 0, new int[4], vl));
        assertArrayEquals(new int[4], vl, "nothing answered");
        store = null;
    }

    /** multiGet: "... the store is closed (an empty batch included)". Was: an empty batch answered as if open. */
    @Test
    void anEmptyMultiGetOnAClosedStoreThrowsStoreException()
    {
        open().close();
        assertThrows(StoreException.class, () ->
            store.multiGet(KEYS, OFFSETS, LENGTHS, 0, 0, 10, new UnsafeBuffer(new byte[64]), 0, new int[4], new int[4]));
        store = null;
    }

    /** multiGet: the arguments are checked before anything is read (IllegalArgumentException, not StoreException). */
    @Test
    void multiGetChecksItsArgumentsFirst()
    {
        open();
        assertThrows(IllegalArgumentException.class, () ->
            store.multiGet(KEYS, OFFSETS, LENGTHS, 2, 4, 10, new UnsafeBuffer(new byte[64]), 0, new int[4], new int[4]));
        assertThrows(IllegalArgumentException.class, () ->
            store.multiGet(KEYS, OFFSETS, LENGTHS, 0, 4, 10, new UnsafeBuffer(new byte[64]), 65, new int[4], new int[4]));
    }

    /** multiGet: "@throws StoreException if a key is over maxKeyLength()". */
    @Test
    void multiGetOfAKeyOverTheLimitThrowsStoreException()
    {
        open();
        final byte[] longKey = new byte[store.maxKeyLength() + 1];
        Arrays.fill(longKey, (byte)'k');
        assertThrows(StoreException.class, () -> store.multiGet(new UnsafeBuffer(longKey), new int[] {0},
            new int[] {longKey.length}, 0, 1, 10, new UnsafeBuffer(new byte[64]), 0, new int[1], new int[1]));
        assertArrayEquals(b("va"), store.get(b("a"), 10), "the store still serves");
    }

    /** get: "@throws StoreException if ... the store is closed". */
    @Test
    void getOnAClosedStoreThrowsStoreException()
    {
        open().close();
        assertThrows(StoreException.class, () -> store.get(new UnsafeBuffer(b("a")), 0, 1, 10,
            new UnsafeBuffer(new byte[64]), 0));
        store = null;
    }

    /** The snapshot's get does not grow an expandable dst either (BackingSnapshot.get: "LMDB's does not"). */
    @Test
    void snapshotGetDoesNotGrowAnExpandableBuffer()
    {
        open();
        try (BackingSnapshot s = store.openSnapshot())
        {
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(4);
            assertEquals(-2 - 20, s.get(new UnsafeBuffer(b("bb")), 0, 2, 10, dst, 0));
            assertEquals(4, dst.capacity());
            assertTrue(s.get(new UnsafeBuffer(b("a")), 0, 1, 10, dst, 0) == 2);
        }
    }
}
