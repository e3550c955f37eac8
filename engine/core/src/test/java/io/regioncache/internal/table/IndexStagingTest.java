package io.regioncache.internal.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The windowed fill of a load's index ({@link IndexStaging}) at the size it is used for in production (an index of
 * {@link IndexStaging#MIN_CAPACITY} slots or more, full buckets written during the copy and the rest at the build),
 * against a model: keys of every length class the entry knows (inline, inline with the value in the node, too long
 * for the entry), values around the inline limit, tombstones and older versions, every key read at its newest
 * version, at each older one and below all of them, through {@code get} and {@code multiGet}. Also: the staging's
 * memory is counted with the index and given back when the index is published or abandoned, and a pool that refuses
 * it leaves the direct fill. Reproduce a failure with the printed seed ({@code -Dregioncache.seed=...}).
 */
class IndexStagingTest
{
    private static final int MAX_KEY = 160;
    private static final byte[] TOMBSTONE = new byte[0];

    private final NavigableMap<byte[], NavigableMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);

    @ParameterizedTest
    @ValueSource(longs = {1, 2026})
    void theWindowedFillReadsExactlyAsTheModel(final long defaultSeed)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? defaultSeed : Long.decode(forced);
        System.out.println("IndexStagingTest seed " + seed);
        try
        {
            run(new Random(seed));
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("FAILED with seed " + seed + " (rerun with -Dregioncache.seed=" + seed + ")", ex);
        }
    }

    private void run(final Random random)
    {
        // 130,000 keys: an index of 2^18 slots, 512 buckets of 256 records (254 keys per bucket on average), so about
        // half the buckets are written full during the copy and every bucket has keys left for the build.
        makeModel(random, 130_000);
        final SegmentPool pool = new SegmentPool(1 << 20, Long.MAX_VALUE);
        final MvccTable table = deferredTable(pool);
        final long keys = model.size();
        final long startAt = keys / 10;
        long copied = 0;
        boolean started = false;
        for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> key : model.entrySet())
        {
            if (!started && copied == startAt)
            {
                started = table.startIndexDuringCopy(keys, true);
                assertTrue(started);
                assertEquals(0, table.stagedBucketsWritten(), "staged at this size");
            }
            copyKey(table, key);
            copied++;
            if (started && random.nextInt(4) == 0)
            {
                table.indexDuringCopy(1 + random.nextInt(600)); // the loader's idle moments
            }
        }
        final long bucketsWritten = table.stagedBucketsWritten();
        assertTrue(bucketsWritten > 100, "full buckets were written during the copy: " + bucketsWritten);
        assertTrue(table.buildHashIndex());
        assertTrue(table.indexFilledDuringCopy(), "the windowed index is the one published");
        assertEquals(-1, table.stagedBucketsWritten(), "the staging is gone once the index is published");
        assertEquals(table.memoryBytes(), pool.bytesInUse(), "the staging's memory went back to the pool");
        assertEquals(keys, table.indexSlotsInUse(), "every key in the index exactly once");
        checkAllAndFree(table, pool, random);
    }

    /** The staging's memory is counted with the index being filled, and given back whatever becomes of it. */
    @Test
    void theStagingIsCountedAndGivenBack()
    {
        final Random random = new Random(7);
        makeModel(random, 70_000);
        final SegmentPool pool = new SegmentPool(1 << 20, Long.MAX_VALUE);
        final MvccTable table = deferredTable(pool);
        copyAll(table);
        final long data = pool.bytesInUse();
        assertTrue(table.startIndexDuringCopy(model.size(), false));
        final long directIndex = table.copyIndexBytes();
        assertEquals(data + directIndex, pool.bytesInUse());
        table.abandonIndexDuringCopy();
        assertTrue(table.startIndexDuringCopy(model.size(), true));
        final long staging = MvccTable.indexStagingBytes(model.size());
        assertTrue(staging > 0, "an index for 70,000 keys is staged");
        assertEquals(directIndex + staging, table.copyIndexBytes(), "the staging is counted with the index");
        assertEquals(data + directIndex + staging, pool.bytesInUse());
        assertEquals(table.memoryBytes(), pool.bytesInUse(), "and in the table's memory");
        // A new estimate of another capacity starts over: the old index and staging go back.
        assertTrue(table.startIndexDuringCopy(model.size() * 4, true));
        assertEquals(table.memoryBytes(), pool.bytesInUse());
        table.abandonIndexDuringCopy();
        assertEquals(data, pool.bytesInUse(), "abandoned: index and staging given back");
        assertEquals(-1, table.stagedBucketsWritten());
        assertTrue(table.buildHashIndex());
        checkAllAndFree(table, pool, random);
    }

    /** A pool with room for the index but not for its staging: the index is filled directly and published. */
    @Test
    void aPoolWithoutRoomForTheStagingFillsDirectly()
    {
        final Random random = new Random(11);
        makeModel(random, 70_000);
        final long keys = model.size();
        final SegmentPool measure = new SegmentPool(1 << 20, Long.MAX_VALUE);
        final MvccTable probe = deferredTable(measure);
        copyAll(probe);
        final long data = measure.bytesInUse();
        probe.free();
        measure.close();

        final SegmentPool pool = new SegmentPool(1 << 20,
            data + MvccTable.fullIndexBytes(keys) + MvccTable.indexStagingBytes(keys) / 2);
        final MvccTable table = deferredTable(pool);
        copyAll(table);
        assertTrue(table.startIndexDuringCopy(keys, true));
        assertTrue(table.copyIndexHasEntries());
        assertEquals(-1, table.stagedBucketsWritten(), "the pool refused the staging");
        while (table.indexDuringCopy(4096))
        {
            assertEquals(-1, table.stagedBucketsWritten());
        }
        assertTrue(table.buildHashIndex());
        assertTrue(table.indexFilledDuringCopy());
        assertEquals(keys, table.indexSlotsInUse());
        checkAllAndFree(table, pool, random);
    }

    /** A table that copies as a load does: its hash index deferred. */
    private static MvccTable deferredTable(final SegmentPool pool)
    {
        final MvccTable table = new MvccTable(pool, MAX_KEY, true);
        table.deferHashIndex();
        return table;
    }

    private void copyAll(final MvccTable table)
    {
        for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> key : model.entrySet())
        {
            copyKey(table, key);
        }
    }

    /** Copy one key's versions in table order (newest first), as a load does. */
    private static void copyKey(final MvccTable table, final Map.Entry<byte[], NavigableMap<Long, byte[]>> key)
    {
        for (final Map.Entry<Long, byte[]> version : key.getValue().descendingMap().entrySet())
        {
            final byte[] value = version.getValue();
            assertEquals(MvccTable.OK, TOMBSTONE == value ? table.delete(key.getKey(), version.getKey()) :
                table.put(key.getKey(), version.getKey(), value));
        }
    }

    /** Every read against the model, then the table freed: nothing may stay held in the pool. */
    private void checkAllAndFree(final MvccTable table, final SegmentPool pool, final Random random)
    {
        checkAll(table, random);
        table.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    /** Distinct random keys, one to three versions each, the newest a tombstone one time in eight. */
    private void makeModel(final Random random, final int keys)
    {
        model.clear();
        long version = 0;
        while (model.size() < keys)
        {
            final int length;
            switch (random.nextInt(8))
            {
                case 0:
                    length = HashIndex.INLINE_BYTES + 1 + random.nextInt(MAX_KEY - HashIndex.INLINE_BYTES); // key out
                    break;
                case 1:
                    length = HashIndex.INLINE_BYTES - random.nextInt(3); // inline key, value in the node
                    break;
                default:
                    length = 8 + random.nextInt(24);
                    break;
            }
            final byte[] key = new byte[length];
            random.nextBytes(key);
            final NavigableMap<Long, byte[]> versions = new TreeMap<>();
            for (int v = random.nextInt(3); v >= 0; v--)
            {
                version += 1 + random.nextInt(3);
                versions.put(version, 0 == v && random.nextInt(8) == 0 ? TOMBSTONE : value(random, key));
            }
            model.put(key, versions);
        }
    }

    private static byte[] value(final Random random, final byte[] key)
    {
        final int room = Math.max(0, HashIndex.INLINE_BYTES - key.length);
        final int length = random.nextInt(4) == 0 ? room + random.nextInt(3) : random.nextInt(room + 1);
        final byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private void checkAll(final MvccTable table, final Random random)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[16 * MAX_KEY]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16 * 256]);
        final int[] keyOffsets = new int[16];
        final int[] keyLengths = new int[16];
        final int[] valueOffsets = new int[16];
        final int[] valueLengths = new int[16];
        final long[] hashes = new long[16];
        final long[] probes = new long[16];
        final List<byte[]> batch = new ArrayList<>();
        final List<byte[]> expectedBatch = new ArrayList<>();
        for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> key : model.entrySet())
        {
            final NavigableMap<Long, byte[]> versions = key.getValue();
            final byte[] newest = versions.lastEntry().getValue();
            assertArrayEquals(TOMBSTONE == newest ? null : newest, table.get(key.getKey(), Long.MAX_VALUE));
            for (final Map.Entry<Long, byte[]> version : versions.entrySet())
            {
                final byte[] value = version.getValue();
                assertArrayEquals(TOMBSTONE == value ? null : value, table.get(key.getKey(), version.getKey()));
            }
            assertArrayEquals(null, table.get(key.getKey(), versions.firstKey() - 1));
            batch.add(key.getKey());
            expectedBatch.add(TOMBSTONE == newest ? null : newest);
            if (batch.size() == 16)
            {
                int at = 0;
                for (int i = 0; i < 16; i++)
                {
                    keyOffsets[i] = at;
                    keyLengths[i] = batch.get(i).length;
                    keyBuffer.putBytes(at, batch.get(i));
                    at += batch.get(i).length;
                }
                table.multiGet(keyBuffer, keyOffsets, keyLengths, 0, 16, Long.MAX_VALUE, dst, 0, valueOffsets,
                    valueLengths, hashes, probes);
                for (int i = 0; i < 16; i++)
                {
                    final byte[] expected = expectedBatch.get(i);
                    if (null == expected)
                    {
                        assertEquals(MvccTable.NOT_FOUND, valueLengths[i]);
                    }
                    else
                    {
                        final byte[] got = new byte[valueLengths[i]];
                        dst.getBytes(valueOffsets[i], got);
                        assertArrayEquals(expected, got);
                    }
                }
                batch.clear();
                expectedBatch.clear();
            }
        }
        for (int i = 0; i < 1000; i++)
        {
            final byte[] absent = new byte[5 + random.nextInt(30)];
            random.nextBytes(absent);
            assertFalse(model.containsKey(absent) || null != table.get(absent, Long.MAX_VALUE), "absent key found");
        }
    }
}
