package io.regioncache.internal.table;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hash index's entries (the newest version of each key, inline) against a model
 * {@code TreeMap<key, TreeMap<version, value|TOMBSTONE>>}: random puts, overwrites, deletes and writes below the
 * newest version, and gets at the newest version, at older ones and past all of them, through {@code get} (entry
 * first: the one-pass {@code HashIndex.getInline} into an {@code UnsafeBuffer}, on or off the heap, and the general
 * path into any other buffer type), {@code getView} (always the node), {@code multiGet} (interleaved) and a
 * destination too small.
 * <p>
 * Keys and values straddle the entry's inline limit ({@link HashIndex#INLINE_BYTES}): inline key and value, inline
 * key with the value in the node, key too long for the entry. A group of keys shares one home slot at every capacity
 * up to 1024 (a long collision chain), and three share both the home slot and the entry tag at the initial capacity
 * (the tag matches, the key does not). The index grows all along; with {@code entryLimit} small the table crosses from
 * a generation with entries to ones without. Every other round rebuilds the table through the deferred bulk build
 * (load and compaction path) and goes on writing it. Reproduce a failure with the printed seed
 * ({@code -Dregioncache.seed=...}).
 */
class HashIndexEntryModelTest
{
    private static final int OPS = 40_000;
    private static final int MAX_KEY = 160;
    private static final byte[] TOMBSTONE = new byte[0];

    private final NavigableMap<byte[], NavigableMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);
    private final List<byte[]> keys = new ArrayList<>();
    private Random random;
    private long newestVersion;

    @ParameterizedTest
    @CsvSource({"1, 8388608", "42, 8388608", "7, 64", "0xC0FFEE, 256"})
    void matchesModel(final String defaultSeed, final int entryLimit)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = Long.decode(null == forced ? defaultSeed : forced);
        System.out.println("HashIndexEntryModelTest seed " + seed + " entryLimit " + entryLimit);
        try
        {
            run(seed, entryLimit);
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("FAILED with seed " + seed + " (rerun with -Dregioncache.seed=" + seed + ")", ex);
        }
    }

    private void run(final long seed, final int entryLimit)
    {
        random = new Random(seed);
        makeKeys();
        final SegmentPool pool = new SegmentPool(4096, Long.MAX_VALUE);
        MvccTable table = new MvccTable(pool, MAX_KEY, entryLimit);
        final Reader reader = new Reader();
        boolean sawEntries = false;
        boolean sawNoEntries = false;
        for (int op = 0; op < OPS; op++)
        {
            final int dice = random.nextInt(100);
            if (dice < 30)
            {
                final byte[] key = key();
                final long version = ++newestVersion;
                final byte[] value = value(key);
                assertEquals(write(key, version, value), table.put(key, version, value), "put at op " + op);
            }
            else if (dice < 38)
            {
                final byte[] key = key();
                final long version = ++newestVersion;
                assertEquals(write(key, version, TOMBSTONE), table.delete(key, version), "delete at op " + op);
            }
            else if (dice < 45 && newestVersion > 0)
            {
                // Below the newest version: the entry must not change, a read at that version must see it.
                final byte[] key = key();
                final long version = 1 + (long)(random.nextDouble() * newestVersion);
                final byte[] value = random.nextInt(4) == 0 ? TOMBSTONE : value(key);
                final int expected = write(key, version, value);
                assertEquals(expected, TOMBSTONE == value ? table.delete(key, version) : table.put(key, version, value),
                    "old write at op " + op);
            }
            else if (dice < 90)
            {
                reader.check(table, key(), readVersion(), "get at op " + op);
            }
            else if (dice < 99)
            {
                reader.checkMulti(table, readVersion(), "multiGet at op " + op);
            }
            else if (random.nextBoolean())
            {
                table = rebuilt(pool, table, entryLimit);
            }
            if (table.keyCount() > 0)
            {
                sawEntries |= table.indexHasEntries();
                sawNoEntries |= !table.indexHasEntries();
            }
        }
        for (final byte[] key : keys)
        {
            reader.check(table, key, Long.MAX_VALUE, "final");
            reader.check(table, key, newestVersion, "final");
        }
        assertTrue(sawEntries, "ran with entries");
        assertEquals(entryLimit < 1024, sawNoEntries, "ran without entries exactly when the limit was crossed");
        assertEquals(table.memoryBytes(), pool.bytesInUse(), "the budget sees the whole index");
        table.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    /**
     * When the pool refuses a generation's entries (the budget is nearly full), the index grows without them and
     * every read stays exact through the nodes; once memory is back, the next generation has entries again, filled
     * from the nodes, and the reads are still exact.
     */
    @Test
    void entriesRefusedByThePoolDegradeToSlotsAndComeBack()
    {
        random = new Random(5);
        keys.clear();
        model.clear();
        newestVersion = 0;
        for (int i = 0; i < 300; i++)
        {
            keys.add(randomKey(1 + random.nextInt(20)));
        }
        final SegmentPool pool = new SegmentPool(4096, Long.MAX_VALUE);
        final MvccTable table = new MvccTable(pool, MAX_KEY);
        final Reader reader = new Reader();
        writeKeys(table, 0, 100); // 100 keys: 256 slots, with entries
        assertTrue(table.indexHasEntries());
        // Room for node segments and the next slot array (512 x 8 bytes), not for its entries (512 x 128 bytes).
        pool.setCapacity(pool.bytesInUse() + 56 * 1024);
        writeKeys(table, 100, 200); // grows to 512 slots at key 129
        assertFalse(table.indexHasEntries(), "the pool refused the entries");
        writeKeys(table, 0, 50); // newer versions of indexed keys, in a generation without entries
        checkAll(table, reader, "without entries");
        pool.setCapacity(Long.MAX_VALUE);
        writeKeys(table, 200, 300); // grows to 1024 slots at key 257, with entries filled from the nodes
        assertTrue(table.indexHasEntries(), "entries are back");
        checkAll(table, reader, "entries back");
        writeKeys(table, 0, 300); // rewrites of the refilled entries
        checkAll(table, reader, "rewritten");
        assertEquals(table.memoryBytes(), pool.bytesInUse());
        table.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    private void writeKeys(final MvccTable table, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final byte[] key = keys.get(i);
            final long version = ++newestVersion;
            final byte[] value = value(key);
            assertEquals(write(key, version, value), table.put(key, version, value));
        }
    }

    private void checkAll(final MvccTable table, final Reader reader, final String context)
    {
        for (final byte[] key : model.keySet())
        {
            reader.check(table, key, Long.MAX_VALUE, context);
            reader.check(table, key, 1 + (long)(random.nextDouble() * newestVersion), context);
        }
        for (int i = 0; i < 20; i++)
        {
            reader.checkMulti(table, readVersion(), context);
        }
    }

    /**
     * The deferred bulk build: a private copy in table order, its index built once; the old table is freed. In six
     * rounds of seven the copy also sizes an index a third of the way in, as a pipelined load does, and fills it
     * between writes (directly, or windowed through {@link IndexStaging} in half the copies): with the right
     * estimate (that index is published), one too low or too high, or with one write that is not an append (the
     * newest version of a middle key held back to the end): then the build starts over, and every read must be exact
     * either way.
     */
    private MvccTable rebuilt(final SegmentPool pool, final MvccTable table, final int entryLimit)
    {
        final MvccTable copy = new MvccTable(pool, MAX_KEY, entryLimit);
        copy.deferHashIndex();
        // Half the copies fill their index windowed (IndexStaging), at these sizes a bucket of one key per two slots.
        final boolean staged = random.nextBoolean();
        copy.stageIndexesFrom(0);
        // 0 plain, 1 right estimate, 2 too low, 3 too high, 4 a non-append; 5 and 6: too low or too high, then the
        // right estimate two thirds of the way (a load re-estimating as its sample grows: the index starts over)
        final int mode = random.nextInt(7);
        final long keyCount = model.size();
        final long estimate = 1 == mode || 4 == mode ? keyCount :
            2 == mode || 5 == mode ? Math.max(1, keyCount / 4) : keyCount * 4 + 1024;
        final long reestimateAt = mode >= 5 ? keyCount * 2 / 3 : Long.MAX_VALUE;
        boolean reestimated = false;
        final long startAt = keyCount / 3;
        final byte[] heldKey = 4 == mode && keyCount > 2 ? new ArrayList<>(model.keySet()).get((int)keyCount / 2) : null;
        long keysCopied = 0;
        long keysAtStart = 0;
        boolean started = false;
        for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> key : model.entrySet())
        {
            if (0 != mode && !started && keysCopied >= startAt)
            {
                keysAtStart = copy.keyCount();
                started = copy.startIndexDuringCopy(estimate, staged);
                assertEquals(keysAtStart > 0, started, "an unlimited pool never refuses the index");
                assertEquals(started && staged && copy.copyIndexHasEntries(), copy.stagedBucketsWritten() >= 0,
                    "staged exactly when asked and the index has entries");
            }
            if (started && !reestimated && keysCopied >= reestimateAt)
            {
                reestimated = true;
                assertTrue(copy.startIndexDuringCopy(keyCount, staged));
            }
            boolean newest = true;
            for (final Map.Entry<Long, byte[]> version : key.getValue().descendingMap().entrySet())
            {
                if (newest && key.getKey() == heldKey)
                {
                    newest = false;
                    continue; // written after everything else: an insert before nodes already walked
                }
                newest = false;
                assertEquals(MvccTable.OK, copyWrite(copy, key.getKey(), version.getKey(), version.getValue()));
            }
            keysCopied++;
            if (started && random.nextInt(3) == 0)
            {
                copy.indexDuringCopy(1 + random.nextInt(64));
            }
        }
        if (null != heldKey)
        {
            final Map.Entry<Long, byte[]> newestVersion = model.get(heldKey).lastEntry();
            assertEquals(MvccTable.OK, copyWrite(copy, heldKey, newestVersion.getKey(), newestVersion.getValue()));
        }
        assertTrue(copy.buildHashIndex());
        // Published exactly when the walk saw only appends and the estimate gave the capacity the keys need (at small
        // sizes a low estimate can still round up to it).
        assertEquals(started && null == heldKey && (reestimated ||
            HashIndex.capacityFor(Math.max(estimate, keysAtStart)) == HashIndex.capacityFor(keyCount)),
            copy.indexFilledDuringCopy(), "mode " + mode + " estimate " + estimate + " keys " + keyCount);
        table.free();
        return copy;
    }

    private static int copyWrite(final MvccTable copy, final byte[] key, final long version, final byte[] value)
    {
        return TOMBSTONE == value ? copy.delete(key, version) : copy.put(key, version, value);
    }

    private int write(final byte[] key, final long version, final byte[] value)
    {
        final NavigableMap<Long, byte[]> versions = model.computeIfAbsent(key, k -> new TreeMap<>());
        if (versions.containsKey(version))
        {
            return MvccTable.DUPLICATE;
        }
        versions.put(version, value);
        return MvccTable.OK;
    }

    private byte[] expected(final byte[] key, final long readVersion)
    {
        final NavigableMap<Long, byte[]> versions = model.get(key);
        final Map.Entry<Long, byte[]> visible = null == versions ? null : versions.floorEntry(readVersion);
        return null == visible || TOMBSTONE == visible.getValue() ? null : visible.getValue();
    }

    private long readVersion()
    {
        switch (random.nextInt(4))
        {
            case 0:
                return Long.MAX_VALUE;
            case 1:
                return newestVersion;
            default:
                return (long)(random.nextDouble() * (newestVersion + 1));
        }
    }

    private byte[] key()
    {
        return keys.get(random.nextInt(keys.size()));
    }

    /** A value whose length, after this key, lands below, at or just above the entry's inline limit, or far off. */
    private byte[] value(final byte[] key)
    {
        final int room = Math.max(0, HashIndex.INLINE_BYTES - key.length);
        final int length;
        switch (random.nextInt(5))
        {
            case 0:
                length = room;
                break;
            case 1:
                length = room + 1;
                break;
            case 2:
                length = random.nextInt(8);
                break;
            case 3:
                length = random.nextInt(300);
                break;
            default:
                length = random.nextInt(room + 1);
                break;
        }
        final byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private void makeKeys()
    {
        keys.clear();
        model.clear();
        newestVersion = 0;
        for (int i = 0; i < 300; i++)
        {
            final int length;
            switch (random.nextInt(6))
            {
                case 0:
                    length = HashIndex.INLINE_BYTES - random.nextInt(3); // inline key, little or no room for a value
                    break;
                case 1:
                    length = HashIndex.INLINE_BYTES + 1 + random.nextInt(MAX_KEY - HashIndex.INLINE_BYTES); // key out
                    break;
                default:
                    length = random.nextInt(25);
                    break;
            }
            keys.add(randomKey(length));
        }
        // A collision chain at every capacity up to 1024: the same low 10 bits of the hash.
        for (int found = 0; found < 24; )
        {
            final byte[] key = randomKey(8);
            if (0 == (hash(key) & 1023))
            {
                keys.add(key);
                found++;
            }
        }
        // The same home slot at the initial capacity and the same entry tag: only the key comparison tells them apart.
        final byte[] first = randomKey(8);
        final long home = hash(first) & (HashIndex.INITIAL_CAPACITY - 1);
        final long tag = hash(first) >>> 49;
        keys.add(first);
        for (int found = 0; found < 2; )
        {
            final byte[] key = randomKey(8);
            final long h = hash(key);
            if ((h & (HashIndex.INITIAL_CAPACITY - 1)) == home && h >>> 49 == tag && !Arrays.equals(key, first))
            {
                keys.add(key);
                found++;
            }
        }
    }

    private byte[] randomKey(final int length)
    {
        final byte[] key = new byte[length];
        random.nextBytes(key);
        return key;
    }

    private static long hash(final byte[] key)
    {
        return KeyHash.hash(new UnsafeBuffer(key), 0, key.length);
    }

    /** Reads one key, or a batch, every way a reader can, and compares each with the model. */
    private final class Reader
    {
        private final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[64 * MAX_KEY]);
        private final UnsafeBuffer dst = new UnsafeBuffer(new byte[4096]);
        private final UnsafeBuffer small = new UnsafeBuffer(new byte[24]);
        /** Off-heap: the one-pass entry read copies to an address, not into an array. */
        private final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        /** Not an UnsafeBuffer: every get into it takes the general path (find, then readInline or the node). */
        private final ExpandableArrayBuffer general = new ExpandableArrayBuffer(4096);
        private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        private final int[] keyOffsets = new int[16];
        private final int[] keyLengths = new int[16];
        private final int[] valueOffsets = new int[16];
        private final int[] valueLengths = new int[16];
        private final long[] hashes = new long[16];
        private final long[] probes = new long[16];

        void check(final MvccTable table, final byte[] key, final long readVersion, final String context)
        {
            final String where = context + " R=" + readVersion + " key length " + key.length;
            final byte[] expected = expected(key, readVersion);
            assertArrayEquals(expected, table.get(key, readVersion), where);
            keyBuffer.putBytes(0, key);
            final int length = table.get(keyBuffer, 0, key.length, readVersion, dst, 5);
            assertEquals(null == expected ? MvccTable.NOT_FOUND : expected.length, length, where);
            if (null != expected)
            {
                final byte[] copied = new byte[length];
                dst.getBytes(5, copied);
                assertArrayEquals(expected, copied, where);
                // The same get into an off-heap destination and into one the one-pass path does not take.
                assertEquals(length, table.get(keyBuffer, 0, key.length, readVersion, direct, 7), where + " direct");
                direct.getBytes(7, copied);
                assertArrayEquals(expected, copied, where + " direct");
                assertEquals(length, table.get(keyBuffer, 0, key.length, readVersion, general, 3), where + " general");
                general.getBytes(3, copied);
                assertArrayEquals(expected, copied, where + " general path");
                final int tooSmall = table.get(keyBuffer, 0, key.length, readVersion, small, 0);
                assertEquals(expected.length <= small.capacity() ? expected.length : -2 - expected.length, tooSmall,
                    where + " small destination");
                assertTrue(table.getView(keyBuffer, 0, key.length, readVersion, view), where);
                final byte[] viewed = new byte[view.capacity()];
                view.getBytes(0, viewed);
                assertArrayEquals(expected, viewed, where + " view");
            }
            else
            {
                assertFalse(table.getView(keyBuffer, 0, key.length, readVersion, view), where);
                assertEquals(MvccTable.NOT_FOUND, table.get(keyBuffer, 0, key.length, readVersion, direct, 0),
                    where + " direct");
                assertEquals(MvccTable.NOT_FOUND, table.get(keyBuffer, 0, key.length, readVersion, general, 0),
                    where + " general path");
            }
        }

        void checkMulti(final MvccTable table, final long readVersion, final String context)
        {
            final int count = 1 + random.nextInt(16);
            final byte[][] batch = new byte[count][];
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                // Absent keys too: a key the table never saw.
                batch[i] = random.nextInt(8) == 0 ? randomKey(random.nextInt(20)) : key();
                keyOffsets[i] = at;
                keyLengths[i] = batch[i].length;
                keyBuffer.putBytes(at, batch[i]);
                at += batch[i].length;
            }
            // Sometimes a destination too small for all of them: the keys that do not fit say how much they need.
            final UnsafeBuffer out = random.nextInt(4) == 0 ? new UnsafeBuffer(new byte[random.nextInt(300)]) : dst;
            final int end = table.multiGet(keyBuffer, keyOffsets, keyLengths, 0, count, readVersion, out, 0,
                valueOffsets, valueLengths, hashes, probes);
            int position = 0;
            for (int i = 0; i < count; i++)
            {
                final String where = context + " key " + i + " R=" + readVersion;
                final byte[] expected = expected(batch[i], readVersion);
                if (null == expected)
                {
                    assertEquals(MvccTable.NOT_FOUND, valueLengths[i], where);
                }
                else if (out.capacity() - position < expected.length)
                {
                    assertEquals(-2 - expected.length, valueLengths[i], where);
                }
                else
                {
                    assertEquals(expected.length, valueLengths[i], where);
                    assertEquals(position, valueOffsets[i], where);
                    final byte[] copied = new byte[expected.length];
                    out.getBytes(position, copied);
                    assertArrayEquals(expected, copied, where);
                    position += expected.length;
                }
            }
            assertEquals(position, end, context);
        }
    }
}
