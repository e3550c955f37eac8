package io.regioncache.internal.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load's node images, written by a {@link NodeSegmentWriter} and adopted by the table
 * ({@link MvccTable#adoptNodeSegment}), must make exactly the table that {@code put}/{@code delete} of the same
 * entries in the same order make: the same entries in the same order, every get at every version alike, duplicates
 * refused, counts and back links right, and every pool byte accounted for. Entries come sorted (a load's shape, with
 * the index filled during the copy between segments) and shuffled with duplicates (a store that breaks its order
 * must still give a right table). Small (4 KiB) segments make many segments and values too large for one. Reproduce
 * a failure with the printed seed ({@code -Dregioncache.seed=...}).
 */
class NodeSegmentAdoptionTest
{
    private static final int SEG = 4096;
    private static final int MAX_KEY = 64;

    private record Entry(byte[] key, long version, byte[] value)
    {
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 7L, 0xBADC0DEL, 20261202L})
    void adoptedImagesMakeTheTablePutMakes(final long defaultSeed)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? defaultSeed : Long.parseLong(forced);
        for (final boolean sorted : new boolean[] {true, false})
        {
            try
            {
                run(new Random(seed), sorted);
            }
            catch (final Throwable ex)
            {
                throw new AssertionError("FAILED with seed " + seed + " sorted=" + sorted +
                    " (rerun with -Dregioncache.seed=" + seed + ")", ex);
            }
        }
    }

    private static void run(final Random random, final boolean sorted)
    {
        final List<Entry> entries = entries(random, 6_000, 900);
        if (sorted)
        {
            // A store scan's order: key ascending, version descending.
            // A store holds one entry per (key, version).
            entries.sort(Comparator.<Entry, byte[]>comparing(Entry::key, Arrays::compareUnsigned)
                .thenComparing(Comparator.comparingLong(Entry::version).reversed()));
            for (int i = entries.size() - 1; i > 0; i--)
            {
                if (Arrays.equals(entries.get(i).key, entries.get(i - 1).key) &&
                    entries.get(i).version == entries.get(i - 1).version)
                {
                    entries.remove(i);
                }
            }
        }
        else
        {
            // Out of order, and some entries twice: both must be handled as the insert handles them.
            for (int i = 0; i < 300; i++)
            {
                entries.add(entries.get(random.nextInt(entries.size())));
            }
            java.util.Collections.shuffle(entries, random);
        }

        final SegmentPool referencePool = new SegmentPool(SEG, Long.MAX_VALUE);
        final MvccTable reference = new MvccTable(referencePool, MAX_KEY);
        final SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE);
        final MvccTable adopted = new MvccTable(pool, MAX_KEY);
        adopted.deferHashIndex();

        // The load copies its first entries inline, then hands the rest to the scan thread's node images.
        final int inline = 1 + random.nextInt(200);
        final NodeSegmentWriter writer = adopted.newNodeSegmentWriter();
        long expectedLinked = 0;
        long linked = 0;
        boolean indexing = false;
        for (int i = 0; i < entries.size(); i++)
        {
            final Entry e = entries.get(i);
            final int rc = null == e.value ? reference.delete(e.key, e.version) : reference.put(e.key, e.version, e.value);
            if (MvccTable.OK == rc)
            {
                expectedLinked++;
            }
            if (i < inline)
            {
                assertEquals(rc, null == e.value ? adopted.delete(e.key, e.version) : adopted.put(e.key, e.version, e.value));
                linked += MvccTable.OK == rc ? 1 : 0;
                continue;
            }
            final UnsafeBuffer key = new UnsafeBuffer(e.key);
            final UnsafeBuffer value = null == e.value ? null : new UnsafeBuffer(e.value);
            final int length = null == e.value ? -1 : e.value.length;
            int w = writer.append(key, 0, e.key.length, e.version, value, 0, length);
            if (NodeSegmentWriter.FULL == w)
            {
                linked += adopt(adopted, writer);
                if (sorted && !indexing)
                {
                    // As a pipelined load does once it has an estimate: fill the index between segments.
                    indexing = adopted.startIndexDuringCopy(
                        entries.stream().map(x -> new UnsafeBuffer(x.key)).distinct().count());
                }
                if (indexing)
                {
                    adopted.indexDuringCopy(64);
                }
                w = writer.append(key, 0, e.key.length, e.version, value, 0, length);
            }
            if (NodeSegmentWriter.TOO_LARGE == w)
            {
                // ScanPipe sends such an entry alone, after the segment before it, and the loader puts it.
                linked += adopt(adopted, writer);
                assertEquals(rc, adopted.put(e.key, e.version, e.value));
                linked += MvccTable.OK == rc ? 1 : 0;
                continue;
            }
            assertEquals(NodeSegmentWriter.APPENDED, w);
        }
        linked += adopt(adopted, writer);
        assertNull(writer.takeFilled(), "nothing left after the last hand-over");
        assertEquals(expectedLinked, linked, "linked entries");
        assertTrue(adopted.buildHashIndex());
        assertEquals(sorted, adopted.indexFilledDuringCopy(), "a sorted load keeps the index it filled during the copy");

        assertEquals(reference.nodeCount(), adopted.nodeCount());
        assertEquals(reference.keyCount(), adopted.keyCount());
        assertEquals(0, adopted.backLinkErrors(), "writer back links");
        sameEntries(reference, adopted);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[SEG * 4]);
        for (final Entry e : entries)
        {
            for (final long at : new long[] {e.version - 1, e.version, e.version + 1, Long.MAX_VALUE})
            {
                assertArrayEquals(reference.get(e.key, at), adopted.get(e.key, at), "get at " + at);
                final UnsafeBuffer key = new UnsafeBuffer(e.key);
                assertEquals(reference.get(key, 0, e.key.length, at, dst, 0), adopted.get(key, 0, e.key.length, at, dst, 0));
            }
        }
        // After the load, the table is written as any other: the arena's current segment is an adopted one.
        // Its new nodes must not land on adopted ones.
        for (int i = 0; i < 200; i++)
        {
            final byte[] later = {(byte)0xFF, (byte)i, 2, 3};
            assertEquals(MvccTable.OK, adopted.put(later, 1L << 40, new byte[40 + i]));
            assertEquals(MvccTable.OK, reference.put(later, 1L << 40, new byte[40 + i]));
            assertNotNull(adopted.get(later, Long.MAX_VALUE));
        }
        sameEntries(reference, adopted);

        assertEquals(adopted.memoryBytes(), pool.bytesInUse(), "every adopted segment is the table's");
        adopted.free();
        reference.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
        referencePool.close();
    }

    private static long adopt(final MvccTable table, final NodeSegmentWriter writer)
    {
        final UnsafeBuffer filled = writer.takeFilled();
        if (null == filled)
        {
            return 0;
        }
        final long linked = table.adoptNodeSegment(filled);
        assertTrue(linked >= 0);
        return linked;
    }

    private static List<Entry> entries(final Random random, final int count, final int keys)
    {
        final byte[][] pool = new byte[keys][];
        for (int i = 0; i < keys; i++)
        {
            pool[i] = new byte[1 + random.nextInt(MAX_KEY)];
            random.nextBytes(pool[i]);
        }
        final List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final byte[] key = pool[random.nextInt(keys)];
            final long version = random.nextInt(50);
            final int dice = random.nextInt(100);
            final byte[] value;
            if (dice < 10)
            {
                value = null; // a tombstone
            }
            else if (dice < 13)
            {
                value = new byte[SEG + random.nextInt(SEG)]; // its node does not fit in a segment
                random.nextBytes(value);
            }
            else
            {
                value = new byte[dice < 20 ? 0 : random.nextInt(300)];
                random.nextBytes(value);
            }
            entries.add(new Entry(key, version, value));
        }
        return entries;
    }

    /** Both tables hold the same (key, version, value) triples in the same order. */
    private static void sameEntries(final MvccTable expected, final MvccTable actual)
    {
        final RawCursor a = expected.newRawCursor();
        final RawCursor b = actual.newRawCursor();
        a.reset((byte[])null, null);
        b.reset((byte[])null, null);
        final UnsafeBuffer ka = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer kb = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer va = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer vb = new UnsafeBuffer(new byte[0]);
        boolean okA = a.seekToFirst();
        boolean okB = b.seekToFirst();
        long n = 0;
        while (okA)
        {
            assertTrue(okB, "entry " + n + " missing");
            a.keyView(ka);
            b.keyView(kb);
            assertEquals(ka, kb, "key of entry " + n);
            assertEquals(a.version(), b.version(), "version of entry " + n);
            assertEquals(a.isTombstone(), b.isTombstone(), "tombstone at entry " + n);
            if (!a.isTombstone())
            {
                a.valueView(va);
                b.valueView(vb);
                assertEquals(va, vb, "value of entry " + n);
            }
            okA = a.next();
            okB = b.next();
            n++;
        }
        assertFalse(okB, "an extra entry after " + n);
        assertEquals(expected.nodeCount(), n);
    }

    @Test
    void aLiveTableRefusesNodeImages()
    {
        final SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE);
        final MvccTable table = new MvccTable(pool, MAX_KEY);
        assertEquals(MvccTable.OK, table.put(new byte[] {1}, 1, new byte[] {1}));
        final NodeSegmentWriter writer = table.newNodeSegmentWriter();
        assertEquals(NodeSegmentWriter.APPENDED,
            writer.append(new UnsafeBuffer(new byte[] {2}), 0, 1, 1, new UnsafeBuffer(new byte[] {2}), 0, 1));
        final UnsafeBuffer filled = writer.takeFilled();
        assertThrows(IllegalStateException.class, () -> table.adoptNodeSegment(filled));
        table.discardNodeSegment(filled);
        table.free();
        assertEquals(0, pool.bytesInUse());
    }

    @Test
    void theWriterRefusesWhatTheTableRefusesAndStopsAtThePoolsCap()
    {
        final SegmentPool pool = new SegmentPool(SEG, 2L * SEG);
        final MvccTable table = new MvccTable(pool, 8);
        final NodeSegmentWriter writer = table.newNodeSegmentWriter();
        final UnsafeBuffer value = new UnsafeBuffer(new byte[1000]);
        assertThrows(IllegalArgumentException.class,
            () -> writer.append(new UnsafeBuffer(new byte[9]), 0, 9, 1, value, 0, 10), "a key over the limit");
        assertThrows(IllegalArgumentException.class,
            () -> writer.append(new UnsafeBuffer(new byte[1]), 0, 1, -1, value, 0, 10), "a negative version");
        int full = 0;
        int refused = 0;
        for (int i = 0; i < 20 && 0 == refused; i++)
        {
            int rc = writer.append(new UnsafeBuffer(new byte[] {(byte)i}), 0, 1, 1, value, 0, 1000);
            if (NodeSegmentWriter.FULL == rc)
            {
                full++;
                assertNotNull(writer.takeFilled()); // held by the test, like a segment in the load's queue
                rc = writer.append(new UnsafeBuffer(new byte[] {(byte)i}), 0, 1, 1, value, 0, 1000);
            }
            refused += NodeSegmentWriter.NO_MEMORY == rc ? 1 : 0;
        }
        assertEquals(1, refused, "the pool's cap refuses the third segment");
        assertEquals(2, full);
        assertEquals(2L * SEG, pool.bytesInUse());
        writer.discard(); // nothing held after the refusal: nothing to give back
        assertEquals(2L * SEG, pool.bytesInUse());
    }
}
