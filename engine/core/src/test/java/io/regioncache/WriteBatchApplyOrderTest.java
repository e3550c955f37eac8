package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order the apply thread inserts a batch in ({@link WriteBatch#forEachInApplyOrder}): first to last only when
 * every key is strictly greater than the one before it in the table's order (unsigned bytes, then length), which
 * rules out a key appearing twice; otherwise last to first, so that the later operation on a key wins.
 */
class WriteBatchApplyOrderTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> applyOrder(final WriteBatch batch)
    {
        final List<String> seen = new ArrayList<>();
        batch.forEachInApplyOrder((op, key, keyLength, value, valueLength) ->
        {
            final byte[] k = new byte[keyLength];
            key.getBytes(0, k);
            seen.add((op == WriteBatch.PUT ? "put " : "delete ") + new String(k, StandardCharsets.ISO_8859_1));
            return 0;
        }, new UnsafeBuffer(0, 0), new UnsafeBuffer(0, 0));
        return seen;
    }

    @Test
    void strictlyAscendingKeysGoInFirstToLast()
    {
        final WriteBatch batch = new WriteBatch(1, 1, 1)
            .put(b("a"), b("1")).put(b("ab"), b("2")).delete(b("b")).put(b("b\u007f"), b("3")).put(b("b\u0080"), b("4"));
        assertTrue(batch.keysAscending(), "a < ab < b < b\\x7f < b\\x80 (a prefix first, bytes unsigned)");
        assertEquals(List.of("put a", "put ab", "delete b", "put b\u007f", "put b\u0080"), applyOrder(batch));
    }

    @Test
    void aRepeatedKeyGoesInLastFirstSoTheLaterOperationWins()
    {
        final WriteBatch batch = new WriteBatch(1, 1, 1).put(b("a"), b("1")).put(b("b"), b("2")).delete(b("b"))
            .put(b("c"), b("3"));
        assertFalse(batch.keysAscending());
        assertEquals(List.of("put c", "delete b", "put b", "put a"), applyOrder(batch));
    }

    @Test
    void descendingOrSignedLookingOrdersGoInLastFirst()
    {
        assertFalse(new WriteBatch(1, 1, 1).put(b("b"), b("1")).put(b("a"), b("2")).keysAscending());
        assertFalse(new WriteBatch(1, 1, 1).put(b("ab"), b("1")).put(b("a"), b("2")).keysAscending());
        // 0x80 is above 0x7f unsigned (the table's order), below it signed.
        final WriteBatch unsigned = new WriteBatch(1, 1, 1).put(b("\u0080"), b("1")).put(b("\u007f"), b("2"));
        assertFalse(unsigned.keysAscending());
        assertEquals(List.of("put \u007f", "put \u0080"), applyOrder(unsigned));
        // Once out of order, later ascending keys do not make the batch ascending again.
        final WriteBatch late = new WriteBatch(1, 1, 1).put(b("b"), b("1")).put(b("a"), b("2")).put(b("c"), b("3"));
        assertFalse(late.keysAscending());
    }

    @Test
    void emptyAndSingleOperationBatchesAreAscending()
    {
        assertTrue(new WriteBatch(1, 1, 1).keysAscending());
        final WriteBatch one = new WriteBatch(1, 1, 1).put(b("k"), b("v"));
        assertTrue(one.keysAscending());
        assertEquals(List.of("put k"), applyOrder(one));
    }
}
