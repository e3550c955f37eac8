package io.regioncache.store;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import io.regioncache.BackingStore;
import io.regioncache.StoreCursor;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Drives a store's {@link StoreCursor} both ways (next, prev, seek, seekForPrev, seekToFirst, seekToLast) over a
 * random MVCC history (puts and tombstones at many versions, keys around 0x80 and across the 8-byte groups of the
 * stored-key encoding, a few keys with a version at almost every version) and compares every move with a {@link TreeMap} of what each read version sees.
 */
final class CursorNavigationCheck
{
    /** How the check writes to the store under test. */
    interface Writer
    {
        void put(byte[] key, long version, byte[] value);

        void delete(byte[] key, long version);
    }

    private static final int[] BYTES = {0x00, 0x01, 0x7F, 0x80, 0xFF};
    private static final int VERSIONS = 30;
    /** Keys written at almost every version: long histories, where forward moves seek instead of stepping. */
    private static final byte[][] HOT = {{(byte)0x80}, {0x01, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x00}};

    private CursorNavigationCheck()
    {
    }

    static byte[] randomKey(final Random rnd)
    {
        final int length = rnd.nextInt(5) == 0 ? 7 + rnd.nextInt(3) : 1 + rnd.nextInt(2);
        final byte[] k = new byte[length];
        for (int i = 0; i < length; i++)
        {
            k[i] = (byte)BYTES[rnd.nextInt(BYTES.length)];
        }
        return k;
    }

    /**
     * @param store the store, empty.
     * @param w     writes to it.
     * @param seed  the seed (printed by the caller's assertion messages).
     */
    static void run(final BackingStore store, final Writer w, final long seed)
    {
        final Random rnd = new Random(seed);
        // key -> version -> value (null: tombstone)
        final TreeMap<byte[], TreeMap<Long, byte[]>> history = new TreeMap<>(Arrays::compareUnsigned);
        for (int version = 1; version <= VERSIONS; version++)
        {
            for (int i = 0, n = 1 + rnd.nextInt(6) + HOT.length; i < n; i++)
            {
                final byte[] k = i < HOT.length ? HOT[i] : randomKey(rnd);
                if (i < HOT.length && rnd.nextInt(8) == 0)
                {
                    continue;
                }
                final byte[] v = rnd.nextInt(3) == 0 ? null : ("v" + version + "." + i).getBytes();
                if (v == null)
                {
                    w.delete(k, version);
                }
                else
                {
                    w.put(k, version, v);
                }
                history.computeIfAbsent(k, x -> new TreeMap<>()).put((long)version, v);
            }
        }
        for (int round = 0; round < 60; round++)
        {
            final long readVersion = rnd.nextInt(VERSIONS + 2);
            final byte[] lower = rnd.nextInt(3) == 0 ? new byte[0] : randomKey(rnd);
            final byte[] upper = rnd.nextInt(3) == 0 ? new byte[0] : randomKey(rnd);
            final TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            for (final Map.Entry<byte[], TreeMap<Long, byte[]>> e : history.entrySet())
            {
                final Map.Entry<Long, byte[]> newest = e.getValue().floorEntry(readVersion);
                final boolean inRange = Arrays.compareUnsigned(e.getKey(), lower) >= 0 &&
                    (upper.length == 0 || Arrays.compareUnsigned(e.getKey(), upper) < 0);
                if (inRange && newest != null && newest.getValue() != null)
                {
                    model.put(e.getKey(), newest.getValue());
                }
            }
            final String at = "seed " + seed + " round " + round + " rv " + readVersion + " [" +
                Arrays.toString(lower) + ", " + Arrays.toString(upper) + ")";
            try (StoreCursor c = store.newCursor(lower, upper, readVersion))
            {
                walk(c, model, rnd, at);
            }
        }
    }

    private static void walk(
        final StoreCursor c, final TreeMap<byte[], byte[]> model, final Random rnd, final String at)
    {
        byte[] position = null;
        boolean started = false;
        final StringBuilder trail = new StringBuilder();
        for (int step = 0; step < 40; step++)
        {
            final int op = rnd.nextInt(6);
            final byte[] key = randomKey(rnd);
            final boolean actual;
            switch (op)
            {
                case 0:
                    actual = c.next();
                    position = !started ? model.isEmpty() ? null : model.firstKey() :
                        position == null ? null : model.higherKey(position);
                    trail.append(" next");
                    break;
                case 1:
                    actual = c.prev();
                    position = !started ? model.isEmpty() ? null : model.lastKey() :
                        position == null ? null : model.lowerKey(position);
                    trail.append(" prev");
                    break;
                case 2:
                    actual = c.seekToFirst();
                    position = model.isEmpty() ? null : model.firstKey();
                    trail.append(" first");
                    break;
                case 3:
                    actual = c.seekToLast();
                    position = model.isEmpty() ? null : model.lastKey();
                    trail.append(" last");
                    break;
                case 4:
                    actual = c.seek(key);
                    position = model.ceilingKey(key);
                    trail.append(" seek").append(Arrays.toString(key));
                    break;
                default:
                    actual = c.seekForPrev(key);
                    position = model.floorKey(key);
                    trail.append(" seekForPrev").append(Arrays.toString(key));
                    break;
            }
            started = true;
            final String where = at + ":" + trail;
            assertEquals(position != null, actual, where);
            if (position != null)
            {
                assertEquals(Arrays.toString(position), Arrays.toString(c.keyBytes()), where);
                assertEquals(new String(model.get(position)), new String(c.valueBytes()), where);
            }
        }
    }
}
