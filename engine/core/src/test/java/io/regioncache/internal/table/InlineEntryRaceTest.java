package io.regioncache.internal.table;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers against the single writer rewriting the same few keys' entries in place, all the time: no reader may ever
 * return a torn value (bytes of two versions, or a length of one and bytes of another).
 * <p>
 * Version {@code v} belongs to key {@code v % KEYS}. Its value is {@code length(v)} bytes: the version in the first 8,
 * then bytes that are a function of the version and the position, so any mix of two versions is detected. Lengths
 * cycle through inline ones and ones just too long for the entry (the value code flips between inline and "in the
 * node"), and every 11th version is a tombstone. The writer publishes each version after writing it (as the engine
 * publishes a batch): a reader at the published version must see exactly the newest version of its key at or below
 * it, whether it was answered from the entry (the entry is at that version) or through the node (the entry is
 * already newer, or a rewrite overlapped the read). A reader at {@code Long.MAX_VALUE} sees versions that only grow;
 * a reader at a version taken before the writer started always sees the values of that time. Time-bounded, like the
 * other concurrency tests, with a check that the writer and readers actually raced.
 */
class InlineEntryRaceTest
{
    private static final int KEYS = 6;
    private static final int KEY_LENGTH = 16;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(2000);
    /** Reads each reader must make while the writer runs (the writer keeps going until they have). */
    private static final long MIN_READS = 1_000;

    private final SegmentPool pool = new SegmentPool(1 << 16, Long.MAX_VALUE);
    private final MvccTable table = new MvccTable(pool, 64);
    private final AtomicLong published = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private final byte[][] keys = new byte[KEYS][];
    /** Reads made so far by each reader (ordered stores, read by the writer to decide when to stop). */
    private final AtomicLongArray progress = new AtomicLongArray(4);

    @Test
    @Timeout(60)
    void noTornValueEverReturned() throws Exception
    {
        for (int k = 0; k < KEYS; k++)
        {
            keys[k] = new byte[KEY_LENGTH];
            keys[k][0] = (byte)k;
            keys[k][KEY_LENGTH - 1] = (byte)(0x40 + k);
        }
        // Versions 1..KEYS*3 before the race; the snapshot reader reads at that version throughout.
        final long before = KEYS * 3L;
        for (long v = 1; v <= before; v++)
        {
            write(v);
        }
        published.set(before);

        final long[] reads = new long[4];
        final List<Thread> readers = new ArrayList<>();
        readers.add(new Thread(() -> guard(() -> reads[0] = publishedReader(false, 0)), "published-get"));
        readers.add(new Thread(() -> guard(() -> reads[1] = publishedReader(true, 1)), "published-multiGet"));
        readers.add(new Thread(() -> guard(() -> reads[2] = newestReader(2)), "newest"));
        readers.add(new Thread(() -> guard(() -> reads[3] = snapshotReader(before, 3)), "snapshot"));
        readers.forEach(Thread::start);
        final long[] written = new long[1];
        final Thread writer = new Thread(() -> guard(() ->
        {
            // The race runs for RUN_NANOS and then until every reader has made MIN_READS reads against the
            // moving writer (a loaded 2-core machine can starve a reader for most of the fixed time). Past the
            // time, the writer waits for a read of the slowest reader before each write: the old-version reader
            // walks every version of its key, so a writer free to run ahead made each of its reads slower than
            // the last, and a CI machine twice as slow as this one never reached MIN_READS within the timeout.
            final long deadline = System.nanoTime() + RUN_NANOS;
            long v = before;
            long slowestAtLastWrite = -1;
            while (true)
            {
                final long slowest = slowestReader();
                if (System.nanoTime() >= deadline)
                {
                    if (slowest >= MIN_READS)
                    {
                        break;
                    }
                    if (slowest == slowestAtLastWrite)
                    {
                        Thread.yield();
                        continue;
                    }
                    slowestAtLastWrite = slowest;
                }
                write(++v);
                published.set(v);
            }
            written[0] = v - before;
        }), "writer");
        writer.start();
        writer.join();
        running = false;
        for (final Thread reader : readers)
        {
            reader.join();
        }
        if (!errors.isEmpty())
        {
            final AssertionError failure = new AssertionError(errors.size() + " errors");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
        assertTrue(written[0] > 1_000, "the writer made progress: " + written[0]);
        for (int i = 0; i < reads.length; i++)
        {
            assertTrue(reads[i] >= MIN_READS, "reader " + i + " made progress: " + reads[i]);
        }
        assertTrue(table.indexHasEntries());
        table.free();
        pool.close();
    }

    private long slowestReader()
    {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < progress.length(); i++)
        {
            min = Math.min(min, progress.get(i));
        }
        return errors.isEmpty() ? min : Long.MAX_VALUE; // a failed reader stopped: end the race and report it
    }

    private void write(final long version)
    {
        final byte[] key = keys[(int)(version % KEYS)];
        final int result = isTombstone(version) ? table.delete(key, version) : table.put(key, version, value(version));
        assertEquals(MvccTable.OK, result);
    }

    /** Reads at the published version: exactly the newest version of the key at or below it. */
    private long publishedReader(final boolean batched, final int id)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[KEYS * KEY_LENGTH]);
        final int[] keyOffsets = new int[KEYS];
        final int[] keyLengths = new int[KEYS];
        for (int k = 0; k < KEYS; k++)
        {
            keyBuffer.putBytes(k * KEY_LENGTH, keys[k]);
            keyOffsets[k] = k * KEY_LENGTH;
            keyLengths[k] = KEY_LENGTH;
        }
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[KEYS * 256]);
        final int[] valueOffsets = new int[KEYS];
        final int[] valueLengths = new int[KEYS];
        final long[] hashes = new long[KEYS];
        final long[] probes = new long[KEYS];
        long reads = 0;
        while (running)
        {
            final long at = published.get();
            if (batched)
            {
                table.multiGet(keyBuffer, keyOffsets, keyLengths, 0, KEYS, at, dst, 0, valueOffsets, valueLengths,
                    hashes, probes);
                for (int k = 0; k < KEYS; k++)
                {
                    checkExact(k, at, dst, valueOffsets[k], valueLengths[k]);
                }
            }
            else
            {
                final int k = (int)(reads % KEYS);
                checkExact(k, at, dst, 0, table.get(keyBuffer, keyOffsets[k], KEY_LENGTH, at, dst, 0));
            }
            progress.lazySet(id, ++reads);
        }
        return reads;
    }

    /** Reads past every version: whole values of versions that never go back. */
    private long newestReader(final int id)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[KEY_LENGTH]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        final long[] last = new long[KEYS];
        long reads = 0;
        while (running)
        {
            final int k = (int)(reads % KEYS);
            keyBuffer.putBytes(0, keys[k]);
            final long floor = published.get();
            final int length = table.get(keyBuffer, 0, KEY_LENGTH, Long.MAX_VALUE, dst, 0);
            if (MvccTable.NOT_FOUND != length)
            {
                final long version = checkWhole(k, dst, 0, length);
                assertTrue(version >= last[k], "key " + k + " went back from " + last[k] + " to " + version);
                // Published before the read began, so the read sees it or a newer version of the key.
                assertTrue(version >= newestOf(k, floor), "key " + k + " missed a published version");
                last[k] = version;
            }
            progress.lazySet(id, ++reads);
        }
        return reads;
    }

    /** Reads at a version taken before the writer started: always the same values, through the nodes. */
    private long snapshotReader(final long at, final int id)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[KEY_LENGTH]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        long reads = 0;
        while (running)
        {
            final int k = (int)(reads % KEYS);
            keyBuffer.putBytes(0, keys[k]);
            checkExact(k, at, dst, 0, table.get(keyBuffer, 0, KEY_LENGTH, at, dst, 0));
            progress.lazySet(id, ++reads);
        }
        return reads;
    }

    private void checkExact(final int k, final long at, final UnsafeBuffer dst, final int offset, final int length)
    {
        final long expected = newestOf(k, at);
        if (isTombstone(expected))
        {
            assertEquals(MvccTable.NOT_FOUND, length, "key " + k + " at " + at + ": version " + expected + " deleted");
            return;
        }
        assertEquals(expected, checkWhole(k, dst, offset, length), "key " + k + " at " + at);
    }

    /** @return the version of a value after checking that every byte belongs to it. */
    private static long checkWhole(final int k, final UnsafeBuffer dst, final int offset, final int length)
    {
        assertTrue(length >= Long.BYTES, "key " + k + ": length " + length);
        final long version = dst.getLong(offset);
        assertEquals(k, version % KEYS, "key " + k + ": a value of another key's version " + version);
        assertEquals(valueLength(version), length, "key " + k + ": length of another version than " + version);
        for (int i = Long.BYTES; i < length; i++)
        {
            if (dst.getByte(offset + i) != fill(version, i))
            {
                throw new AssertionError("key " + k + ": torn value, byte " + i + " is not of version " + version);
            }
        }
        return version;
    }

    /** @return the newest version of key {@code k} at or below {@code at} (all keys have one from the start). */
    private static long newestOf(final int k, final long at)
    {
        return at - Math.floorMod(at - k, KEYS);
    }

    private static boolean isTombstone(final long version)
    {
        return version % 11 == 0;
    }

    /** Inline lengths (8..100 after a 16-byte key) and lengths just past the entry's room (101..116). */
    private static int valueLength(final long version)
    {
        return Long.BYTES + (int)((version * 37) % (HashIndex.INLINE_BYTES - KEY_LENGTH + 17 - Long.BYTES));
    }

    private static byte fill(final long version, final int i)
    {
        return (byte)(version * 31 + i * 7 + (version >>> 8));
    }

    private static byte[] value(final long version)
    {
        final UnsafeBuffer value = new UnsafeBuffer(new byte[valueLength(version)]);
        value.putLong(0, version);
        for (int i = Long.BYTES; i < value.capacity(); i++)
        {
            value.putByte(i, fill(version, i));
        }
        return value.byteArray();
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
