package io.regioncache;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CommandValidation} alone: pure functions, no engine. Each bad input gets a reason that names the problem;
 * each good one gets null.
 */
class CommandValidationTest
{
    private static final int MAX_KEY = 16;
    private static final int MAX_VALUE = 64;
    private static final byte[] EMPTY = new byte[0];

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void bad(final String reason, final String expectedFragment)
    {
        assertNotNull(reason, "expected a refusal mentioning '" + expectedFragment + "'");
        assertTrue(reason.contains(expectedFragment), reason + " should mention " + expectedFragment);
    }

    @Test
    void regionIdsBelowZeroAreReserved()
    {
        assertNull(CommandValidation.regionId("region id", 0));
        assertNull(CommandValidation.regionId("region id", Long.MAX_VALUE));
        bad(CommandValidation.regionId("region id", CommandValidation.ALL_REGIONS), "reserved");
        bad(CommandValidation.regionId("region id", Long.MIN_VALUE), "reserved");
    }

    @Test
    void regions()
    {
        assertNull(CommandValidation.region(new Region(1, b("a"), b("z"), 1), MAX_KEY));
        assertNull(CommandValidation.region(new Region(1, EMPTY, EMPTY, 0), MAX_KEY));
        bad(CommandValidation.region(null, MAX_KEY), "null");
        bad(CommandValidation.region(new Region(-1, b("a"), b("z"), 1), MAX_KEY), "reserved");
        bad(CommandValidation.region(new Region(1, b("z"), b("a"), 1), MAX_KEY), "inverted");
        bad(CommandValidation.region(new Region(1, b("a"), b("a"), 1), MAX_KEY), "inverted");
        bad(CommandValidation.region(new Region(1, b("a"), b("z"), -1), MAX_KEY), "epoch");
        bad(CommandValidation.region(new Region(1, b("a"), b("z"), StateWord.MAX_EPOCH_VERSION + 1), MAX_KEY),
            "epoch");
        bad(CommandValidation.region(new Region(1, new byte[MAX_KEY + 1], EMPTY, 1), MAX_KEY), "maxKeyLength");
    }

    @Test
    void batches()
    {
        assertNull(CommandValidation.batch(new WriteBatch(1, 1, 1), MAX_KEY, MAX_VALUE));
        assertNull(CommandValidation.batch(new WriteBatch(1, 1, 1).put(b("k"), new byte[MAX_VALUE]).delete(b("d")),
            MAX_KEY, MAX_VALUE));
        bad(CommandValidation.batch(null, MAX_KEY, MAX_VALUE), "null");
        bad(CommandValidation.batch(new WriteBatch(-1, 1, 1), MAX_KEY, MAX_VALUE), "reserved");
        bad(CommandValidation.batch(new WriteBatch(1, -3, 1), MAX_KEY, MAX_VALUE), "epoch");
        bad(CommandValidation.batch(new WriteBatch(1, StateWord.MAX_EPOCH_VERSION + 1, 1), MAX_KEY, MAX_VALUE),
            "epoch");
        bad(CommandValidation.batch(new WriteBatch(1, 1, -1), MAX_KEY, MAX_VALUE), "negative");
        bad(CommandValidation.batch(new WriteBatch(1, 1, 1).put(EMPTY, b("v")), MAX_KEY, MAX_VALUE), "key length");
        bad(CommandValidation.batch(new WriteBatch(1, 1, 1).delete(new byte[MAX_KEY + 1]), MAX_KEY, MAX_VALUE),
            "key length");
        bad(CommandValidation.batch(new WriteBatch(1, 1, 1).put(b("k"), new byte[MAX_VALUE + 1]), MAX_KEY,
            MAX_VALUE), "value");
    }

    @Test
    void batchKeysAgainstTheRegion()
    {
        final Region r = new Region(1, b("b"), b("m"), 1);
        assertNull(CommandValidation.batchInRange(new WriteBatch(1, 1, 1).put(b("b"), b("v")).delete(b("lz")), r));
        bad(CommandValidation.batchInRange(new WriteBatch(1, 1, 1).put(b("c"), b("v")).put(b("m"), b("v")), r),
            "outside");
        bad(CommandValidation.batchInRange(new WriteBatch(1, 1, 1).delete(b("a")), r), "outside");
        assertNull(CommandValidation.batchInRange(new WriteBatch(1, 1, 1).put(b("zzz"), b("v")),
            new Region(1, EMPTY, EMPTY, 1)));
    }

    @Test
    void batchBuildingThrowsBeforeItChanges()
    {
        final WriteBatch wb = new WriteBatch(1, 1, 1);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        assertThrows(NullPointerException.class, () -> wb.put(null, b("v")));
        assertThrows(NullPointerException.class, () -> wb.put(b("k"), null));
        assertThrows(NullPointerException.class, () -> wb.delete((byte[])null));
        assertThrows(IllegalArgumentException.class, () -> wb.put(key, -1, 2, key, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> wb.put(key, 0, 9, key, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> wb.put(key, 4, Integer.MAX_VALUE, key, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> wb.put(key, 0, 1, key, 7, 2));
        assertThrows(IllegalArgumentException.class, () -> wb.delete(key, 0, -1));
        assertTrue(wb.count() == 0 && wb.encodedLength() == 0, "a refused op leaves the batch unchanged");
    }

    @Test
    void splits()
    {
        final byte[][] keys = {b("c"), b("f")};
        final long[] ids = {2, 3};
        assertNull(CommandValidation.split(1, 1, keys, ids, 2, MAX_KEY));
        bad(CommandValidation.split(-1, 1, keys, ids, 2, MAX_KEY), "reserved");
        bad(CommandValidation.split(1, 1, null, ids, 2, MAX_KEY), "no split keys");
        bad(CommandValidation.split(1, 1, new byte[0][], new long[0], 2, MAX_KEY), "no split keys");
        bad(CommandValidation.split(1, 1, keys, null, 2, MAX_KEY), "one new region id");
        bad(CommandValidation.split(1, 1, keys, new long[] {2}, 2, MAX_KEY), "one new region id");
        bad(CommandValidation.split(1, 1, keys, ids, 1, MAX_KEY), "new epoch");
        bad(CommandValidation.split(1, 1, keys, ids, StateWord.MAX_EPOCH_VERSION + 1, MAX_KEY), "new epoch");
        bad(CommandValidation.split(1, 1, new byte[][] {b("c"), null}, ids, 2, MAX_KEY), "null");
        bad(CommandValidation.split(1, 1, new byte[][] {EMPTY, b("f")}, ids, 2, MAX_KEY), "empty");
        bad(CommandValidation.split(1, 1, new byte[][] {b("f"), b("c")}, ids, 2, MAX_KEY), "increasing");
        bad(CommandValidation.split(1, 1, new byte[][] {b("c"), b("c")}, ids, 2, MAX_KEY), "increasing");
        bad(CommandValidation.split(1, 1, keys, new long[] {2, -1}, 2, MAX_KEY), "reserved");
        bad(CommandValidation.split(1, 1, keys, new long[] {2, 2}, 2, MAX_KEY), "twice");
        bad(CommandValidation.split(1, 1, keys, new long[] {1, 2}, 2, MAX_KEY), "source");
        final Region r = new Region(1, b("b"), b("m"), 1);
        assertNull(CommandValidation.splitAgainst(r, keys, ids, id -> false));
        bad(CommandValidation.splitAgainst(r, new byte[][] {b("b")}, new long[] {2}, id -> false), "outside");
        bad(CommandValidation.splitAgainst(r, new byte[][] {b("m")}, new long[] {2}, id -> false), "outside");
        bad(CommandValidation.splitAgainst(r, keys, ids, id -> id == 3), "in use");
    }

    @Test
    void evictionsRangesAndSafePoints()
    {
        assertNull(CommandValidation.evict(EvictReason.MANUAL, 1));
        assertNull(CommandValidation.evict(EvictReason.MERGE, 1, 2));
        bad(CommandValidation.evict(null, 1), "reason");
        bad(CommandValidation.evict(EvictReason.MANUAL), "no region ids");
        bad(CommandValidation.evict(EvictReason.MANUAL, (long[])null), "no region ids");
        bad(CommandValidation.evict(EvictReason.MERGE, 1, -1), "reserved");
        assertNull(CommandValidation.range(EMPTY, EMPTY, EvictReason.DELETE_RANGE));
        assertNull(CommandValidation.range(b("a"), b("b"), EvictReason.INGEST));
        bad(CommandValidation.range(null, EMPTY, EvictReason.INGEST), "null");
        bad(CommandValidation.range(EMPTY, null, EvictReason.INGEST), "null");
        bad(CommandValidation.range(b("a"), b("b"), null), "reason");
        bad(CommandValidation.range(b("b"), b("a"), EvictReason.INGEST), "inverted");
        assertNull(CommandValidation.safePoint(CommandValidation.ALL_REGIONS, 5, true));
        assertNull(CommandValidation.safePoint(3, 5, false));
        bad(CommandValidation.safePoint(CommandValidation.ALL_REGIONS, 5, false), "reserved");
        bad(CommandValidation.safePoint(3, -5, false), "negative");
    }

    @Test
    void slicesAreOverflowSafe()
    {
        assertNull(CommandValidation.slice("k", 8, 0, 8));
        assertNull(CommandValidation.slice("k", 8, 8, 0));
        bad(CommandValidation.slice("k", 8, -1, 1), "outside");
        bad(CommandValidation.slice("k", 8, 1, -1), "outside");
        bad(CommandValidation.slice("k", 8, 9, 0), "outside");
        bad(CommandValidation.slice("k", 8, 4, Integer.MAX_VALUE), "outside");
        bad(CommandValidation.slice("k", 8, Integer.MAX_VALUE, Integer.MAX_VALUE), "outside");
    }
}
