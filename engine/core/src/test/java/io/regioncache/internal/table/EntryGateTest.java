package io.regioncache.internal.table;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table asks its {@link EntryGate} before each index generation's entries: refused (memory pressure), the
 * generation is slots-only, takes ~1/17 of the index memory, and every read (get, getView, multiGet, at the newest
 * version and below it) is the same as with entries; allowed, the generation has entries.
 */
class EntryGateTest
{
    private static final int KEYS = 3_000;

    /** A gate the test opens and closes; counts what it was asked. */
    private static final class Switch implements EntryGate
    {
        final AtomicBoolean open = new AtomicBoolean(true);
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public boolean allowEntries(final long entryBytes)
        {
            assertTrue(entryBytes > 0);
            if (!open.get())
            {
                refused.incrementAndGet();
            }
            return open.get();
        }
    }

    private static byte[] key(final int i)
    {
        return String.format("key-%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(final int i, final long version)
    {
        return String.format("value-%06d-at-%d-padding-to-about-sixty-bytes", i, version)
            .getBytes(StandardCharsets.US_ASCII);
    }

    /** A load's path: bulk copy with the index deferred, then one build; versions 1 and 2 of every key. */
    private static MvccTable load(final SegmentPool pool, final EntryGate gate)
    {
        final MvccTable table = new MvccTable(pool, 64, true, gate);
        table.deferHashIndex();
        for (int i = 0; i < KEYS; i++)
        {
            assertEquals(MvccTable.OK, table.put(key(i), 2, value(i, 2)));
            assertEquals(MvccTable.OK, table.put(key(i), 1, value(i, 1)));
        }
        assertTrue(table.buildHashIndex());
        return table;
    }

    private static void checkReads(final MvccTable table, final String when)
    {
        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        for (int i = 0; i < KEYS; i++)
        {
            final long newest = i % 7 == 0 ? 3 : 2; // keys rewritten at version 3 after the build
            assertArrayEquals(value(i, newest), table.get(key(i), Long.MAX_VALUE), when + ": newest of " + i);
            assertArrayEquals(value(i, 1), table.get(key(i), 1), when + ": version 1 of " + i);
            assertTrue(table.getView(new UnsafeBuffer(key(i)), 0, key(i).length, 2, view), when);
            final byte[] copy = new byte[view.capacity()];
            view.getBytes(0, copy);
            assertArrayEquals(value(i, 2), copy, when + ": view of " + i);
        }
        assertNull(table.get(key(KEYS + 1), Long.MAX_VALUE), when + ": absent key");
        // multiGet of 16 keys at a time, at the newest version
        final int batch = 16;
        final byte[] keyBytes = new byte[batch * 16];
        final UnsafeBuffer keys = new UnsafeBuffer(keyBytes);
        final int[] offsets = new int[batch];
        final int[] lengths = new int[batch];
        final int[] valueOffsets = new int[batch];
        final int[] valueLengths = new int[batch];
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[batch * 128]);
        for (int from = 0; from + batch <= KEYS; from += 97)
        {
            for (int k = 0; k < batch; k++)
            {
                final byte[] kb = key(from + k);
                keys.putBytes(k * 16, kb);
                offsets[k] = k * 16;
                lengths[k] = kb.length;
            }
            table.multiGet(keys, offsets, lengths, 0, batch, Long.MAX_VALUE, dst, 0, valueOffsets, valueLengths,
                new long[batch], new long[batch]);
            for (int k = 0; k < batch; k++)
            {
                final int i = from + k;
                final byte[] got = new byte[valueLengths[k]];
                dst.getBytes(valueOffsets[k], got);
                assertArrayEquals(value(i, i % 7 == 0 ? 3 : 2), got, when + ": multiGet of " + i);
            }
        }
    }

    private static void rewriteSome(final MvccTable table)
    {
        for (int i = 0; i < KEYS; i += 7)
        {
            assertEquals(MvccTable.OK, table.put(key(i), 3, value(i, 3)));
        }
    }

    @Test
    void underPressureABuildIsSlotsOnlyAndReadsStayExact()
    {
        final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
        final Switch room = new Switch();
        final MvccTable withEntries = load(pool, room);
        assertTrue(withEntries.indexHasEntries(), "room for the entries: the build has them");
        assertEquals(0, room.refused.get());
        rewriteSome(withEntries);
        checkReads(withEntries, "with entries");
        final long bytesWithEntries = withEntries.memoryBytes();

        final Switch pressure = new Switch();
        pressure.open.set(false);
        final long before = pool.bytesInUse();
        final MvccTable slotsOnly = load(pool, pressure);
        assertFalse(slotsOnly.indexHasEntries(), "under pressure the build is slots-only");
        assertTrue(pressure.refused.get() >= 1, "the gate was asked");
        rewriteSome(slotsOnly);
        checkReads(slotsOnly, "slots only");
        assertEquals(slotsOnly.memoryBytes(), pool.bytesInUse() - before, "the pool sees the whole table");
        // 3,000 keys: 8,192 slots; entries would be 8,192 x 128 bytes = 1 MiB more than the 64 KiB of slots
        assertTrue(bytesWithEntries - slotsOnly.memoryBytes() >= 8_192L * 128,
            "slots only saves the entry column: " + bytesWithEntries + " vs " + slotsOnly.memoryBytes());
        // The data, the slot index a load estimate counts, and the 16-slot generation the first insert made.
        assertEquals(slotsOnly.dataBytes() + MvccTable.slotIndexBytes(KEYS) + MvccTable.slotIndexBytes(1),
            slotsOnly.memoryBytes(), "a slots-only bulk build holds what the load estimate counts");
        withEntries.free();
        slotsOnly.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    @Test
    void liveGrowthFollowsTheGateBothWays()
    {
        final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
        final Switch gate = new Switch();
        final MvccTable table = new MvccTable(pool, 64, true, gate);
        assertEquals(MvccTable.OK, table.put(key(0), 1, value(0, 1)));
        assertTrue(table.indexHasEntries());
        gate.open.set(false); // pressure: the growths from here on are slots-only
        for (int i = 1; i < KEYS / 2; i++)
        {
            assertEquals(MvccTable.OK, table.put(key(i), 1, value(i, 1)));
        }
        assertFalse(table.indexHasEntries(), "grown under pressure: slots-only");
        assertTrue(gate.refused.get() >= 1);
        for (int i = 0; i < KEYS / 2; i++)
        {
            assertArrayEquals(value(i, 1), table.get(key(i), Long.MAX_VALUE), "slots-only generation, key " + i);
        }
        gate.open.set(true); // pressure gone: the next growth fills its entries from the nodes
        for (int i = KEYS / 2; i < KEYS; i++)
        {
            assertEquals(MvccTable.OK, table.put(key(i), 1, value(i, 1)));
        }
        assertTrue(table.indexHasEntries(), "grown with room: entries again");
        for (int i = 0; i < KEYS; i++)
        {
            assertArrayEquals(value(i, 1), table.get(key(i), Long.MAX_VALUE), "entries refilled, key " + i);
        }
        table.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    @Test
    void slotsOnlyByConfigurationNeverAsksTheGate()
    {
        final SegmentPool pool = new SegmentPool(64 * 1024, Long.MAX_VALUE);
        final EntryGate never = entryBytes ->
        {
            throw new AssertionError("inlineNewestVersions(false) must not ask for entries");
        };
        final MvccTable table = new MvccTable(pool, 64, false, never);
        for (int i = 0; i < 100; i++)
        {
            assertEquals(MvccTable.OK, table.put(key(i), 1, value(i, 1)));
        }
        assertFalse(table.indexHasEntries());
        table.free();
        pool.close();
    }
}
