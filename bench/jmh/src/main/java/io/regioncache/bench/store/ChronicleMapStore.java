package io.regioncache.bench.store;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

import io.regioncache.bench.support.KeySpace;

/**
 * Chronicle Map (off-heap hash map, in memory, not persisted): {@code byte[]} keys and values of constant size.
 * Read either with {@code getUsing} into a reused value array (the usual API; it allocates per get), or at its
 * zero-allocation best: the key written into a reused off-heap {@link BytesStore}, a query context on those bytes
 * (Chronicle reuses one per thread), the entry's value read in place through its off-heap {@link Data} view. No ordered iteration: gets only.
 */
final class ChronicleMapStore extends ReadStore
{
    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    private final KeySpace keys;
    private final ChronicleMap<byte[], byte[]> map;
    private final boolean offHeap;

    ChronicleMapStore(final KeySpace keys, final boolean offHeap)
    {
        this.keys = keys;
        this.offHeap = offHeap;
        final byte[][] keyArrays = keys.keyArrays();
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
        if (offHeap)
        {
            return new Reader()
            {
                /**
                 * The key, serialized in place off-heap: constant-size {@code byte[]} keys are stored as their raw
                 * bytes, so the query context reads them from here and no heap key is wrapped per get.
                 */
                private final BytesStore<?, Void> key = BytesStore.nativeStoreWithFixedCapacity(KeySpace.KEY_LENGTH);

                @Override
                public long get(final int i)
                {
                    // Big-endian bytes, as the byte[] keys were written.
                    final long hi = keys.keyHi(i);
                    final long lo = keys.keyLo(i);
                    key.writeLong(0, LITTLE_ENDIAN ? Long.reverseBytes(hi) : hi);
                    key.writeLong(8, LITTLE_ENDIAN ? Long.reverseBytes(lo) : lo);
                    try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(key, 0, KeySpace.KEY_LENGTH))
                    {
                        final MapEntry<byte[], byte[]> e = c.entry(); // takes the segment's read lock
                        if (e == null)
                        {
                            return -1;
                        }
                        final Data<byte[]> v = e.value();
                        final RandomDataInput in = v.bytes();
                        // The value's first 8 bytes, big-endian as every store reports them.
                        final long first = in.readLong(v.offset());
                        return v.size() + (LITTLE_ENDIAN ? Long.reverseBytes(first) : first);
                    }
                }

                @Override
                public long scan(final int i, final int nexts)
                {
                    throw new UnsupportedOperationException("Chronicle Map has no ordered iteration");
                }

                @Override
                public void close()
                {
                    key.releaseLast();
                }
            };
        }
        return new Reader()
        {
            private final byte[] using = new byte[KeySpace.VALUE_LENGTH];
            private final byte[] key = new byte[KeySpace.KEY_LENGTH];

            @Override
            public long get(final int i)
            {
                keys.writeKey(i, key);
                final byte[] v = map.getUsing(key, using);
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
