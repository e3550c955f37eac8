package io.regioncache.internal.table;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One writer inserting (newer versions, new keys, and older versions that shadow nothing at the snapshot)
 * while readers get and scan at a snapshot version R taken before the writer started: they must always see
 * exactly the pre-populated data. Another reader follows the latest published version of a counter key and
 * must see it exactly and monotonically. Small segments make the writer publish new segments and hash-index
 * generations all the time while readers run.
 */
class MvccTableConcurrencyTest
{
    private static final long R = 10;
    private static final int KEYS = 3000;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(2500);
    private static final long MIN_WRITES = 1_000;
    private static final byte[] COUNTER_KEY = "counter".getBytes(StandardCharsets.US_ASCII);

    private final SegmentPool pool = new SegmentPool(4096, Long.MAX_VALUE);
    private final MvccTable table = new MvccTable(pool, 64);
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicLong published = new AtomicLong(-1);
    private volatile boolean running = true;

    private byte[][] expectedKeys;
    private byte[][] expectedValues;
    private final TreeMap<byte[], byte[]> expectedAtR = new TreeMap<>(Arrays::compareUnsigned);
    private final List<byte[]> allKeys = new ArrayList<>();
    private final Map<String, Long> oldestVersion = new java.util.HashMap<>();

    @Test
    @Timeout(60)
    void readersSeeStableSnapshotWhileWriterInserts() throws Exception
    {
        prepopulate();

        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final long seed = 100 + i;
            threads.add(new Thread(() -> guard(() -> snapshotReader(seed)), "snapshot-reader-" + i));
        }
        threads.add(new Thread(() -> guard(this::latestReader), "latest-reader"));
        threads.forEach(Thread::start);
        final long[] writes = new long[1];
        final Thread writer = new Thread(() -> guard(() -> writes[0] = writer()), "writer");
        writer.start();
        writer.join();
        running = false;
        for (final Thread thread : threads)
        {
            thread.join();
        }
        if (!errors.isEmpty())
        {
            final AssertionError failure = new AssertionError(errors.size() + " reader/writer errors");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
        // Time-bounded: on a loaded 2-core machine the writer may get little CPU; a race needs only some writes.
        assertTrue(writes[0] > MIN_WRITES, "writer made progress: " + writes[0]);

        // After the race, the snapshot is still exact.
        verifyFullScan(table.newCursor());
        table.free();
        assertEquals(0, pool.bytesInUse());
    }

    private void prepopulate()
    {
        final Random random = new Random(7);
        for (int i = 0; i < KEYS; i++)
        {
            final byte[] key = String.format("k%05d", i * 3).getBytes(StandardCharsets.US_ASCII);
            allKeys.add(key);
            final int versions = 1 + random.nextInt(3);
            long version = 5 + random.nextInt(2);
            oldestVersion.put(new String(key, StandardCharsets.US_ASCII), version);
            byte[] newest = null;
            for (int v = 0; v < versions && version <= R; v++, version += 1 + random.nextInt(2))
            {
                if (random.nextInt(5) == 0)
                {
                    assertEquals(MvccTable.OK, table.delete(key, version));
                    newest = null;
                }
                else
                {
                    newest = ("v" + i + "@" + version + "#" + "x".repeat(random.nextInt(40)))
                        .getBytes(StandardCharsets.US_ASCII);
                    assertEquals(MvccTable.OK, table.put(key, version, newest));
                }
            }
            if (null != newest)
            {
                expectedAtR.put(key, newest);
            }
        }
        expectedKeys = expectedAtR.keySet().toArray(new byte[0][]);
        expectedValues = expectedAtR.values().toArray(new byte[0][]);
    }

    private long writer()
    {
        final Random random = new Random(99);
        final long deadline = System.nanoTime() + RUN_NANOS;
        final UnsafeBuffer value = new UnsafeBuffer(new byte[Long.BYTES]);
        long version = R;
        long writes = 0;
        int newKeys = 0;
        // The run's length (or 1.5 M writes), and at least the MIN_WRITES asserted however little CPU it gets.
        while ((System.nanoTime() < deadline && writes < 1_500_000) || writes <= MIN_WRITES)
        {
            version++;
            switch (random.nextInt(4))
            {
                case 0:
                    table.put(allKeys.get(random.nextInt(KEYS)), version, ("new@" + version).getBytes(StandardCharsets.US_ASCII));
                    break;
                case 1:
                    table.delete(allKeys.get(random.nextInt(KEYS)), version);
                    break;
                case 2:
                {
                    // Keys between the existing ones, only at versions > R: invisible to the snapshot.
                    final byte[] key = String.format("k%05d", 3 * random.nextInt(KEYS) + 1 + random.nextInt(2))
                        .getBytes(StandardCharsets.US_ASCII);
                    table.put(key, version, "fresh".getBytes(StandardCharsets.US_ASCII));
                    final byte[] fresh = ("z" + newKeys++).getBytes(StandardCharsets.US_ASCII);
                    table.put(fresh, version, fresh); // brand-new keys grow the hash index
                    break;
                }
                default:
                {
                    // A loader inserting an old version below the oldest pre-populated one: shadows nothing at R.
                    final byte[] key = allKeys.get(random.nextInt(KEYS));
                    final long oldest = oldestVersion.get(new String(key, StandardCharsets.US_ASCII));
                    table.put(key, random.nextInt((int)oldest), "ancient".getBytes(StandardCharsets.US_ASCII));
                    break;
                }
            }
            value.putLong(0, version);
            assertEquals(MvccTable.OK, table.put(new UnsafeBuffer(COUNTER_KEY), 0, COUNTER_KEY.length, version, value, 0, 8));
            published.set(version); // volatile: everything written so far is visible to whoever reads this
            writes++;
        }
        return writes;
    }

    private void snapshotReader(final long seed)
    {
        final Random random = new Random(seed);
        final TableCursor cursor = table.newCursor();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[0]);
        long iterations = 0;
        while (running || iterations < 100)
        {
            iterations++;
            // Point gets at R.
            for (int i = 0; i < 200; i++)
            {
                final byte[] key = allKeys.get(random.nextInt(KEYS));
                keyBuffer.wrap(key);
                final byte[] expected = expectedAtR.get(key);
                final int length = table.get(keyBuffer, 0, key.length, R, dst, 0);
                if (null == expected)
                {
                    assertEquals(MvccTable.NOT_FOUND, length, () -> "get " + new String(key, StandardCharsets.US_ASCII));
                }
                else
                {
                    assertEquals(expected.length, length);
                    final byte[] actual = new byte[length];
                    dst.getBytes(0, actual);
                    assertEquals(new String(expected, StandardCharsets.US_ASCII), new String(actual, StandardCharsets.US_ASCII));
                    assertTrue(table.getView(keyBuffer, 0, key.length, R, view));
                    assertEquals(expected.length, view.capacity());
                }
            }
            // A forward then backward walk from a random key.
            cursor.reset(R, (byte[])null, null);
            int index = random.nextInt(expectedKeys.length);
            assertTrue(cursor.seek(expectedKeys[index]));
            for (int step = 0; step < 100 && index < expectedKeys.length; step++, index++)
            {
                assertTrue(cursor.isValid());
                assertEquals(new String(expectedKeys[index], StandardCharsets.US_ASCII), new String(cursor.key(), StandardCharsets.US_ASCII));
                assertEquals(new String(expectedValues[index], StandardCharsets.US_ASCII), new String(cursor.value(), StandardCharsets.US_ASCII));
                cursor.next();
            }
            // The cursor now sits on expectedKeys[index], or is invalid if the walk ran off the end.
            if (!cursor.isValid())
            {
                assertTrue(cursor.seekToLast());
                index = expectedKeys.length - 1;
            }
            for (int step = 0; step < 50; step++, index--)
            {
                cursor.prev();
                if (index == 0)
                {
                    assertTrue(!cursor.isValid(), "prev before the first key");
                    break;
                }
                assertEquals(new String(expectedKeys[index - 1], StandardCharsets.US_ASCII), new String(cursor.key(), StandardCharsets.US_ASCII));
                assertEquals(new String(expectedValues[index - 1], StandardCharsets.US_ASCII), new String(cursor.value(), StandardCharsets.US_ASCII));
            }
            if (iterations % 50 == 0)
            {
                verifyFullScan(cursor);
            }
        }
    }

    private void latestReader()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
        final UnsafeBuffer key = new UnsafeBuffer(COUNTER_KEY);
        final TableCursor cursor = table.newCursor();
        long last = -1;
        while (running)
        {
            final long version = published.get();
            if (version < 0)
            {
                continue;
            }
            assertEquals(8, table.get(key, 0, COUNTER_KEY.length, version, dst, 0));
            final long seen = dst.getLong(0);
            assertEquals(version, seen, "newest version <= published must be exactly the published one");
            assertTrue(seen >= last, "monotonic");
            last = seen;

            cursor.reset(version, COUNTER_KEY, null);
            assertTrue(cursor.seekToFirst());
            assertEquals(version, cursor.version());
        }
    }

    private void verifyFullScan(final TableCursor cursor)
    {
        cursor.reset(R, (byte[])null, null);
        int index = 0;
        for (boolean ok = cursor.seekToFirst(); ok; ok = cursor.next())
        {
            assertTrue(index < expectedKeys.length, "too many keys visible at R");
            assertEquals(new String(expectedKeys[index], StandardCharsets.US_ASCII), new String(cursor.key(), StandardCharsets.US_ASCII));
            assertTrue(Arrays.equals(expectedValues[index], cursor.value()));
            index++;
        }
        assertEquals(expectedKeys.length, index);
    }

    private void guard(final Runnable body)
    {
        try
        {
            body.run();
        }
        catch (final Throwable ex)
        {
            errors.add(ex);
            running = false;
        }
    }
}
