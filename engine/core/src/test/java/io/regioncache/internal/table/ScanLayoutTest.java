package io.regioncache.internal.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout a scan streams over, and the cursor's forward step on it. A table filled in key order (as a load and a
 * compaction fill their private table) has its nodes in key order in memory ({@link MvccTable#layoutBreaks()} is 0),
 * and the cursor then reads ahead; every scan over such a table, with versions, tombstones, bounds, large values in
 * dedicated buffers and 4 KiB segments (a segment change every ~20 nodes), is compared with a reference model, as are
 * scans of a table written in random order (no read-ahead) and scans racing a writer that breaks the layout while
 * readers stream. Seeds are printed; {@code -Dregioncache.seed=N} reruns one.
 */
class ScanLayoutTest
{
    private static final int SEG = 4096;
    private static final byte[] TOMBSTONE = new byte[0];

    /** key -> (version -> value, {@link #TOMBSTONE} for a delete), newest version first. */
    private final NavigableMap<byte[], NavigableMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);

    @ParameterizedTest
    @ValueSource(longs = {1L, 7L, 0xBEEFL})
    void copyInKeyOrderIsLaidOutInKeyOrderAndScansMatchTheModel(final long defaultSeed)
    {
        final long seed = seed(defaultSeed);
        final Random random = new Random(seed);
        final String tag = "seed " + seed + " (rerun with -Dregioncache.seed=" + seed + "): ";
        fillModel(random, 3_000);
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final MvccTable table = new MvccTable(pool, 32);
            // As a compaction copies: a private table, every version of each key newest first, in key order.
            table.deferHashIndex();
            int dedicated = 0;
            for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> e : model.entrySet())
            {
                for (final Map.Entry<Long, byte[]> version : e.getValue().descendingMap().entrySet())
                {
                    if (version.getValue().length >= SEG)
                    {
                        dedicated++;
                    }
                    final int rc = version.getValue() == TOMBSTONE ? table.delete(e.getKey(), version.getKey()) :
                        table.put(e.getKey(), version.getKey(), version.getValue());
                    assertEquals(MvccTable.OK, rc, tag);
                }
            }
            assertTrue(table.buildHashIndex(), tag);
            // A value larger than a segment gets a buffer of its own, placed after the pooled segment the copy is
            // filling; the node after it goes back to that segment: one backward link per such node, and no other.
            assertTrue(dedicated > 0, tag);
            assertTrue(table.layoutBreaks() <= dedicated,
                tag + table.layoutBreaks() + " nodes out of key order after an in-order copy, " + dedicated + " dedicated");
            compareScans(table, random, 300, tag);
            table.free();
        }
    }

    /**
     * Runs of keys written in descending order, as the apply thread writes a batch of keys in key order (last operation
     * first): each run is laid out backwards, so the cursor reads ahead below the node it steps to.
     */
    @ParameterizedTest
    @ValueSource(longs = {4L, 57L})
    void batchesAppliedLastFirstAreLaidOutBackwardsAndScansMatch(final long defaultSeed)
    {
        final long seed = seed(defaultSeed);
        final Random random = new Random(seed);
        final String tag = "seed " + seed + " (rerun with -Dregioncache.seed=" + seed + "): ";
        fillModel(random, 3_000);
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final MvccTable table = new MvccTable(pool, 32);
            final List<Object[]> writes = new ArrayList<>(); // in table order: keys ascending, versions descending
            for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> e : model.entrySet())
            {
                for (final Map.Entry<Long, byte[]> version : e.getValue().descendingMap().entrySet())
                {
                    writes.add(new Object[] {e.getKey(), version.getKey(), version.getValue()});
                }
            }
            for (int start = 0; start < writes.size(); start += 64)
            {
                for (int i = Math.min(writes.size(), start + 64) - 1; i >= start; i--)
                {
                    final Object[] w = writes.get(i);
                    final int rc = w[2] == TOMBSTONE ? table.delete((byte[])w[0], (Long)w[1]) :
                        table.put((byte[])w[0], (Long)w[1], (byte[])w[2]);
                    assertEquals(MvccTable.OK, rc, tag);
                }
            }
            assertTrue(table.layoutBreaks() > writes.size() / 2, tag + "runs written backwards");
            compareScans(table, random, 300, tag);
            table.free();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {2L, 99L})
    void randomOrderWritesBreakTheLayoutAndScansStillMatch(final long defaultSeed)
    {
        final long seed = seed(defaultSeed);
        final Random random = new Random(seed);
        final String tag = "seed " + seed + " (rerun with -Dregioncache.seed=" + seed + "): ";
        fillModel(random, 2_000);
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final MvccTable table = new MvccTable(pool, 32);
            final List<Object[]> writes = new ArrayList<>();
            for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> e : model.entrySet())
            {
                for (final Map.Entry<Long, byte[]> version : e.getValue().entrySet())
                {
                    writes.add(new Object[] {e.getKey(), version.getKey(), version.getValue()});
                }
            }
            java.util.Collections.shuffle(writes, random);
            for (final Object[] w : writes)
            {
                final int rc = w[2] == TOMBSTONE ? table.delete((byte[])w[0], (Long)w[1]) :
                    table.put((byte[])w[0], (Long)w[1], (byte[])w[2]);
                assertEquals(MvccTable.OK, rc, tag);
            }
            assertTrue(table.layoutBreaks() > writes.size() / 4, tag + "random-order writes must scatter the nodes");
            compareScans(table, random, 300, tag);
            table.free();
        }
    }

    @Test
    void cursorReusedAfterTheTableIsFreedAndWrittenAgain()
    {
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final MvccTable table = new MvccTable(pool, 32);
            final TableCursor cursor = table.newCursor();
            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < 500; i++)
                {
                    assertEquals(MvccTable.OK, table.put(key(i), 1, value(round, i, 40 + round * 30)));
                }
                cursor.reset(1, null, null);
                int i = 0;
                for (boolean ok = cursor.seekToFirst(); ok; ok = cursor.next(), i++)
                {
                    assertArrayEquals(key(i), cursor.key(), "round " + round);
                    assertArrayEquals(value(round, i, 40 + round * 30), cursor.value(), "round " + round);
                }
                assertEquals(500, i, "round " + round);
                table.free(); // the next round reuses segment indexes with other buffers
            }
        }
    }

    /**
     * Readers stream over a table filled in key order, at the read version of that fill, while the writer inserts
     * newer versions and new keys at random places (new segments, links out of memory order under the readers).
     * Every scan must return exactly the filled data.
     */
    @ParameterizedTest
    @ValueSource(longs = {3L, 31L})
    void readersStreamWhileTheWriterBreaksTheLayout(final long defaultSeed) throws Exception
    {
        final long seed = seed(defaultSeed);
        final String tag = "seed " + seed + " (rerun with -Dregioncache.seed=" + seed + "): ";
        final Random random = new Random(seed);
        try (SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE))
        {
            final MvccTable table = new MvccTable(pool, 32);
            final int keys = 3_000;
            for (int i = 0; i < keys; i++)
            {
                assertEquals(MvccTable.OK, table.put(key(2 * i), 1, value(0, i, 20 + i % 90)));
            }
            assertEquals(0, table.layoutBreaks(), tag);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch started = new CountDownLatch(2);
            final List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++)
            {
                final long readerSeed = seed * 31 + r;
                final Thread t = new Thread(() ->
                {
                    final Random rnd = new Random(readerSeed);
                    final TableCursor cursor = table.newCursor();
                    started.countDown();
                    try
                    {
                        while (!stop.get())
                        {
                            final int from = rnd.nextInt(keys);
                            cursor.reset(1, null, rnd.nextBoolean() ? null : key(2 * (from + rnd.nextInt(200))));
                            int i = from;
                            for (boolean ok = cursor.seek(key(2 * from)); ok; ok = cursor.next(), i++)
                            {
                                if (!Arrays.equals(key(2 * i), cursor.key()) ||
                                    !Arrays.equals(value(0, i, 20 + i % 90), cursor.value()) || cursor.version() != 1)
                                {
                                    throw new AssertionError(tag + "reader " + readerSeed + " expected key " + 2 * i);
                                }
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                });
                readers.add(t);
                t.start();
            }
            assertTrue(started.await(30, TimeUnit.SECONDS), tag);
            for (long version = 2; version < 6_000 && failure.get() == null; version++)
            {
                final int k = random.nextInt(2 * keys + 1); // even: a newer version; odd: a new key between two
                final int rc = random.nextInt(5) == 0 ? table.delete(key(k), version) :
                    table.put(key(k), version, value(1, k, random.nextInt(120)));
                assertEquals(MvccTable.OK, rc, tag);
            }
            stop.set(true);
            for (final Thread t : readers)
            {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(t.isAlive(), tag);
            }
            assertNull(failure.get(), () -> tag + failure.get());
            assertTrue(table.layoutBreaks() > 0, tag);
            table.free();
        }
    }

    // ----------------------------------------------------------------------------------------------------------

    private static long seed(final long defaultSeed)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? defaultSeed : Long.parseLong(forced);
        System.out.println("ScanLayoutTest seed " + seed);
        return seed;
    }

    private static byte[] key(final int i)
    {
        return String.format("k%07d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] value(final int round, final int i, final int length)
    {
        final byte[] v = new byte[length];
        for (int b = 0; b < length; b++)
        {
            v[b] = (byte)(round * 131 + i * 7 + b);
        }
        return v;
    }

    /** Keys of 1-24 random bytes, 1-4 versions each, some deletes, some values in dedicated buffers. */
    private void fillModel(final Random random, final int keys)
    {
        for (int i = 0; i < keys; i++)
        {
            final byte[] key = new byte[1 + random.nextInt(24)];
            random.nextBytes(key);
            final NavigableMap<Long, byte[]> versions = model.computeIfAbsent(key, k -> new TreeMap<>());
            for (int v = 1 + random.nextInt(4); v > 0; v--)
            {
                final long version = 1 + random.nextInt(50);
                final int dice = random.nextInt(100);
                final byte[] value = dice < 15 ? TOMBSTONE :
                    new byte[dice < 17 ? SEG + random.nextInt(SEG) : random.nextInt(dice < 30 ? 3 : 200)];
                random.nextBytes(value);
                versions.put(version, value);
            }
        }
    }

    /** Seek (to a key of the table, to a random key, or to the first) and walk to the end, against the model. */
    private void compareScans(final MvccTable table, final Random random, final int scans, final String tag)
    {
        final List<byte[]> allKeys = new ArrayList<>(model.keySet());
        final TableCursor cursor = table.newCursor();
        for (int s = 0; s < scans; s++)
        {
            final long readVersion = random.nextInt(6) == 0 ? Long.MAX_VALUE : random.nextInt(52);
            final byte[] upper = random.nextInt(3) == 0 ? null : allKeys.get(random.nextInt(allKeys.size()));
            cursor.reset(readVersion, null, upper);
            final byte[] target;
            final boolean ok;
            switch (random.nextInt(3))
            {
                case 0:
                    target = allKeys.get(random.nextInt(allKeys.size()));
                    ok = cursor.seek(target);
                    break;
                case 1:
                    target = new byte[1 + random.nextInt(24)];
                    random.nextBytes(target);
                    ok = cursor.seek(target);
                    break;
                default:
                    target = new byte[0];
                    ok = cursor.seekToFirst();
                    break;
            }
            final String context = tag + "scan " + s + " at " + readVersion;
            boolean valid = ok;
            for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> e : model.tailMap(target, true).entrySet())
            {
                if (null != upper && Arrays.compareUnsigned(e.getKey(), upper) >= 0)
                {
                    break;
                }
                final Map.Entry<Long, byte[]> visible = e.getValue().floorEntry(readVersion);
                if (null == visible || visible.getValue() == TOMBSTONE)
                {
                    continue;
                }
                assertTrue(valid, context + ": ended before " + Arrays.toString(e.getKey()));
                assertArrayEquals(e.getKey(), cursor.key(), context);
                assertEquals(visible.getKey(), cursor.version(), context);
                assertArrayEquals(visible.getValue(), cursor.value(), context);
                final UnsafeBuffer view = new UnsafeBuffer(0, 0);
                cursor.valueView(view);
                assertEquals(visible.getValue().length, view.capacity(), context);
                valid = cursor.next();
            }
            assertFalse(valid, context + ": more keys than the model");
        }
    }
}
