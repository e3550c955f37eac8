package io.regioncache.internal.table;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random operations checked against a reference model {@code TreeMap<key, TreeMap<version, value|TOMBSTONE>>}.
 * Small (4 KiB) segments exercise segment boundaries and dedicated large-value buffers. Reproduce a failure
 * with the printed seed ({@code -Dregioncache.seed=...} runs that seed only).
 */
class MvccTableRandomizedTest
{
    private static final int OPS = 100_000;
    private static final int SEG = 4096;
    private static final byte[] TOMBSTONE = new byte[0];

    private final NavigableMap<byte[], NavigableMap<Long, byte[]>> model = new TreeMap<>(Arrays::compareUnsigned);
    private Random random;
    private long currentVersion;
    private long modelNodes;
    private byte[][] keyPool;

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, 987654321L})
    void matchesReferenceModel(final long defaultSeed)
    {
        final String forced = System.getProperty("regioncache.seed");
        final long seed = null == forced ? defaultSeed : Long.parseLong(forced);
        try
        {
            run(seed);
        }
        catch (final Throwable ex)
        {
            throw new AssertionError("FAILED with seed " + seed + " (rerun with -Dregioncache.seed=" + seed +
                " -Dregioncache.hashSeed=" + KeyHash.seed() + ")", ex);
        }
    }

    private void run(final long seed)
    {
        random = new Random(seed);
        keyPool = new byte[2000][];
        for (int i = 0; i < keyPool.length; i++)
        {
            keyPool[i] = freshKey();
        }
        final SegmentPool pool = new SegmentPool(SEG, Long.MAX_VALUE);
        final MvccTable table = new MvccTable(pool, 32);
        final TableCursor cursor = table.newCursor();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16 * 1024]);

        for (int op = 0; op < OPS; op++)
        {
            final int dice = random.nextInt(100);
            if (dice < 45)
            {
                final byte[] key = randomKey();
                final long version = writeVersion();
                final byte[] value = randomValue();
                final int expected = modelWrite(key, version, value);
                assertEquals(expected, table.put(key, version, value), "put at op " + op);
            }
            else if (dice < 55)
            {
                final byte[] key = randomKey();
                final long version = writeVersion();
                final int expected = modelWrite(key, version, TOMBSTONE);
                assertEquals(expected, table.delete(key, version), "delete at op " + op);
            }
            else if (dice < 85)
            {
                final byte[] key = randomKey();
                final long readVersion = readVersion();
                final byte[] expected = modelGet(key, readVersion);
                assertArrayEquals(expected, table.get(key, readVersion), "get at op " + op);
                final int length = table.get(new UnsafeBuffer(key), 0, key.length, readVersion, dst, 3);
                assertEquals(null == expected ? MvccTable.NOT_FOUND : expected.length, length);
            }
            else
            {
                cursorWalk(cursor, op);
            }
            if (op % 10_000 == 0)
            {
                assertEquals(0, table.backLinkErrors(), "writer back links at op " + op);
            }
        }

        assertEquals(0, table.backLinkErrors(), "writer back links at the end");
        assertTrue(table.insertsLinkedInFront() > OPS / 10, "the in-front insert ran: " + table.insertsLinkedInFront());
        assertEquals(modelNodes, table.nodeCount());
        assertEquals(model.size(), table.keyCount());
        checkRawCursor(table);
        assertEquals(table.memoryBytes(), pool.bytesInUse());
        table.free();
        assertEquals(0, pool.bytesInUse());
        pool.close();
    }

    private void cursorWalk(final TableCursor cursor, final int op)
    {
        final long readVersion = readVersion();
        byte[] lower = random.nextInt(3) == 0 ? null : randomKey();
        byte[] upper = random.nextInt(3) == 0 ? null : randomKey();
        if (null != lower && null != upper && Arrays.compareUnsigned(lower, upper) > 0)
        {
            final byte[] tmp = lower;
            lower = upper;
            upper = tmp;
        }
        cursor.reset(readVersion, lower, upper);
        final VisibleView visible = new VisibleView(readVersion, lower, upper);
        final String context = "cursor walk at op " + op + " R=" + readVersion;

        Map.Entry<byte[], byte[]> expected;
        final byte[] target = randomKey();
        switch (random.nextInt(4))
        {
            case 0:
                cursor.seekToFirst();
                expected = visible.firstEntry();
                break;
            case 1:
                cursor.seekToLast();
                expected = visible.lastEntry();
                break;
            case 2:
                cursor.seek(target);
                expected = visible.ceilingEntry(target);
                break;
            default:
                cursor.seekForPrev(target);
                expected = visible.floorEntry(target);
                break;
        }
        check(cursor, expected, readVersion, context);

        final int steps = random.nextInt(12);
        for (int i = 0; i < steps && null != expected; i++)
        {
            if (random.nextBoolean())
            {
                cursor.next();
                expected = visible.higherEntry(expected.getKey());
            }
            else
            {
                cursor.prev();
                expected = visible.lowerEntry(expected.getKey());
            }
            check(cursor, expected, readVersion, context + " step " + i);
        }
    }

    private void check(
        final TableCursor cursor, final Map.Entry<byte[], byte[]> expected, final long readVersion, final String context)
    {
        if (null == expected)
        {
            assertFalse(cursor.isValid(), context + ": expected invalid");
            return;
        }
        assertTrue(cursor.isValid(), context + ": expected " + Arrays.toString(expected.getKey()));
        assertArrayEquals(expected.getKey(), cursor.key(), context);
        assertArrayEquals(expected.getValue(), cursor.value(), context);
        final long version = cursor.version();
        assertTrue(version <= readVersion, context);
        assertEquals(model.get(expected.getKey()).floorKey(readVersion), version, context);
    }

    private void checkRawCursor(final MvccTable table)
    {
        final RawCursor raw = table.newRawCursor();
        raw.reset((byte[])null, null);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[0]);
        boolean valid = raw.seekToFirst();
        for (final Map.Entry<byte[], NavigableMap<Long, byte[]>> entry : model.entrySet())
        {
            for (final Map.Entry<Long, byte[]> v : entry.getValue().descendingMap().entrySet())
            {
                assertTrue(valid);
                raw.keyView(key);
                raw.valueView(value);
                final byte[] k = new byte[key.capacity()];
                key.getBytes(0, k);
                assertArrayEquals(entry.getKey(), k);
                assertEquals(v.getKey(), raw.version());
                assertEquals(v.getValue() == TOMBSTONE, raw.isTombstone());
                if (v.getValue() != TOMBSTONE)
                {
                    final byte[] val = new byte[value.capacity()];
                    value.getBytes(0, val);
                    assertArrayEquals(v.getValue(), val);
                }
                valid = raw.next();
            }
        }
        assertFalse(valid);
    }

    private int modelWrite(final byte[] key, final long version, final byte[] value)
    {
        final NavigableMap<Long, byte[]> versions = model.computeIfAbsent(key, k -> new TreeMap<>());
        if (versions.containsKey(version))
        {
            return MvccTable.DUPLICATE;
        }
        versions.put(version, value);
        modelNodes++;
        return MvccTable.OK;
    }

    private byte[] modelGet(final byte[] key, final long readVersion)
    {
        final NavigableMap<Long, byte[]> versions = model.get(key);
        if (null == versions)
        {
            return null;
        }
        final Map.Entry<Long, byte[]> entry = versions.floorEntry(readVersion);
        return null == entry || entry.getValue() == TOMBSTONE ? null : entry.getValue();
    }

    /**
     * Navigates the model lazily: visible keys at a read version within [lower, upper).
     */
    private final class VisibleView
    {
        private final long readVersion;
        private final byte[] lower;
        private final byte[] upper;

        VisibleView(final long readVersion, final byte[] lower, final byte[] upper)
        {
            this.readVersion = readVersion;
            this.lower = lower;
            this.upper = upper;
        }

        Map.Entry<byte[], byte[]> firstEntry()
        {
            return null == lower ? scanUp(model) : ceilingEntry(lower);
        }

        Map.Entry<byte[], byte[]> lastEntry()
        {
            return null == upper ? scanDown(model.descendingMap()) : lowerEntry(upper);
        }

        Map.Entry<byte[], byte[]> ceilingEntry(final byte[] key)
        {
            return scanUp(model.tailMap(key, true));
        }

        Map.Entry<byte[], byte[]> higherEntry(final byte[] key)
        {
            return scanUp(model.tailMap(key, false));
        }

        Map.Entry<byte[], byte[]> floorEntry(final byte[] key)
        {
            return scanDown(model.headMap(key, true).descendingMap());
        }

        Map.Entry<byte[], byte[]> lowerEntry(final byte[] key)
        {
            return scanDown(model.headMap(key, false).descendingMap());
        }

        private Map.Entry<byte[], byte[]> scanUp(final NavigableMap<byte[], NavigableMap<Long, byte[]>> from)
        {
            for (final byte[] key : from.keySet())
            {
                if (null != upper && Arrays.compareUnsigned(key, upper) >= 0)
                {
                    return null;
                }
                if (null != lower && Arrays.compareUnsigned(key, lower) < 0)
                {
                    continue;
                }
                final byte[] value = modelGet(key, readVersion);
                if (null != value)
                {
                    return Map.entry(key, value);
                }
            }
            return null;
        }

        private Map.Entry<byte[], byte[]> scanDown(final NavigableMap<byte[], NavigableMap<Long, byte[]>> from)
        {
            for (final byte[] key : from.keySet())
            {
                if (null != lower && Arrays.compareUnsigned(key, lower) < 0)
                {
                    return null;
                }
                if (null != upper && Arrays.compareUnsigned(key, upper) >= 0)
                {
                    continue;
                }
                final byte[] value = modelGet(key, readVersion);
                if (null != value)
                {
                    return Map.entry(key, value);
                }
            }
            return null;
        }
    }

    private byte[] randomKey()
    {
        // Mostly a bounded pool of keys (so keys get many versions); sometimes a fresh key (new keys, and
        // seek targets / bounds that fall between stored keys).
        return random.nextInt(10) == 0 ? freshKey() : keyPool[random.nextInt(keyPool.length)];
    }

    private byte[] freshKey()
    {
        // Few distinct keys (many versions each), bytes biased to 0x00/0xFF/shared prefixes so that unsigned
        // order, prefixes and 8-byte word boundaries are all exercised.
        final int length = random.nextInt(4) == 0 ? random.nextInt(20) : 8 + random.nextInt(3);
        final byte[] key = new byte[length];
        for (int i = 0; i < length; i++)
        {
            switch (random.nextInt(5))
            {
                case 0:
                    key[i] = 0;
                    break;
                case 1:
                    key[i] = (byte)0xFF;
                    break;
                case 2:
                    key[i] = (byte)0x80;
                    break;
                default:
                    key[i] = (byte)('a' + random.nextInt(3));
                    break;
            }
        }
        return key;
    }

    private byte[] randomValue()
    {
        final int length = random.nextInt(500) == 0 ? SEG + random.nextInt(2 * SEG) : random.nextInt(120);
        final byte[] value = new byte[length];
        random.nextBytes(value);
        return value;
    }

    private long writeVersion()
    {
        if (currentVersion > 0 && random.nextInt(5) == 0)
        {
            return (long)(random.nextDouble() * currentVersion); // an old version, as a loader would insert
        }
        currentVersion += 1 + random.nextInt(3);
        return currentVersion;
    }

    private long readVersion()
    {
        return random.nextInt(10) == 0 ? Long.MAX_VALUE : (long)(random.nextDouble() * (currentVersion + 3));
    }

}
