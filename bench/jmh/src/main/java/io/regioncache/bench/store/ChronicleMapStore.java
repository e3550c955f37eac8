package io.regioncache.bench.store;

import net.openhft.chronicle.map.ChronicleMap;

import io.regioncache.bench.support.KeySpace;

/**
 * Chronicle Map (off-heap hash map, in memory, not persisted): {@code byte[]} keys and values of constant size,
 * read with {@code getUsing} into a reused value array. No ordered iteration: gets only.
 */
final class ChronicleMapStore extends ReadStore
{
    private final KeySpace keys;
    private final byte[][] keyArrays;
    private final ChronicleMap<byte[], byte[]> map;

    ChronicleMapStore(final KeySpace keys)
    {
        this.keys = keys;
        this.keyArrays = keys.keyArrays();
        this.map = ChronicleMap.of(byte[].class, byte[].class)
            .name("regioncache-bench")
            .entries(keys.size())
            .constantKeySizeBySample(new byte[KeySpace.KEY_LENGTH])
            .constantValueSizeBySample(new byte[KeySpace.VALUE_LENGTH])
            .create();
        for (int i = 0; i < keys.size(); i++)
        {
            map.put(keyArrays[i], keys.value(i));
        }
    }

    @Override
    public boolean supportsScan()
    {
        return false;
    }

    @Override
    public Reader newReader()
    {
        return new Reader()
        {
            private final byte[] using = new byte[KeySpace.VALUE_LENGTH];

            @Override
            public long get(final int i)
            {
                final byte[] v = map.getUsing(keyArrays[i], using);
                return v == null ? -1 : v.length + KeySpace.longAt(v, 0);
            }

            @Override
            public long scan(final int i, final int nexts)
            {
                throw new UnsupportedOperationException("Chronicle Map has no ordered iteration");
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
        map.close();
        keys.size(); // keep the key arrays reachable until the map is closed
    }
}
