package io.regioncache.bench.store;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import io.regioncache.bench.support.KeySpace;

/**
 * On-heap baseline: {@code ConcurrentSkipListMap<byte[], byte[]>} ordered by {@link Arrays#compareUnsigned}.
 * A get copies the value into a reused array (like the copying peers); a scan walks {@code tailMap} (the JDK
 * API allocates its view, iterator and one entry per step unless escape analysis removes them).
 */
final class SkipListStore extends ReadStore
{
    private final KeySpace keys;
    private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    SkipListStore(final KeySpace keys)
    {
        this.keys = keys;
        final byte[][] keyArrays = keys.keyArrays();
        for (int i = 0; i < keys.size(); i++)
        {
            map.put(keyArrays[i], keys.value(i));
        }
    }

    @Override
    public Reader newReader()
    {
        return new Reader()
        {
            private final byte[] dst = new byte[KeySpace.VALUE_LENGTH];
            private final byte[] key = new byte[KeySpace.KEY_LENGTH];

            @Override
            public long get(final int i)
            {
                keys.writeKey(i, key);
                final byte[] v = map.get(key);
                if (v == null)
                {
                    return -1;
                }
                System.arraycopy(v, 0, dst, 0, v.length);
                return v.length + KeySpace.longAt(dst, 0);
            }

            private byte[] key(final int i)
            {
                keys.writeKey(i, key);
                return key;
            }

            /** The absent key just before key {@code i} (see {@link KeySpace#writeSeekKey}). */
            private byte[] seekKey(final int i)
            {
                return Arrays.copyOf(keys.key(i - 1), KeySpace.SEEK_KEY_LENGTH);
            }

            @Override
            public long scan(final int i, final int nexts)
            {
                long acc = 0;
                final byte[] from = absentSeeks && i > 0 ? seekKey(i) : key(i);
                final Iterator<Map.Entry<byte[], byte[]>> it = map.tailMap(from, true).entrySet().iterator();
                for (int step = 0; step <= nexts && it.hasNext(); step++)
                {
                    final Map.Entry<byte[], byte[]> e = it.next();
                    acc = KeySpace.fold(acc, KeySpace.longAt(e.getKey(), 8), KeySpace.longAt(e.getValue(), 0));
                }
                return acc;
            }

            @Override
            public void close()
            {
            }
        };
    }

    @Override
    public void close()
    {
        map.clear();
    }
}
