package io.regioncache.bench.store;

import java.nio.ByteOrder;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.RegionCache;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.bench.RegionCaches;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;

/**
 * RegionCache: one region {@code [-inf, +inf)} holding every key, loaded through write batches on the dedicated
 * apply thread. Readers keep one {@link Snapshot} open at the latest version (or open one per operation).
 */
final class RegionCacheStore extends ReadStore
{
    enum Variant
    {
        /** {@code Snapshot.get} copying into a reused buffer. */
        COPY,
        /** {@code Snapshot.getView}: zero copy. */
        VIEW,
        /** open, get (copy), close around every operation. */
        OPEN_PER_OP,
        /** {@code Snapshot.multiGet} of each batch; single gets as {@link #COPY}. */
        MULTI_GET
    }

    static final long REGION_ID = 1;
    static final long EPOCH = 1;
    /** Largest batch a reader's {@code multiGet} takes. */
    static final int MAX_BATCH = 64;

    private final KeySpace keys;
    private final Variant variant;
    private final RegionCache cache;

    RegionCacheStore(final KeySpace keys, final Variant variant, final boolean inlineNewestVersions,
        final boolean hugePages)
    {
        this.keys = keys;
        this.variant = variant;
        this.cache = RegionCaches.create(RegionCaches.READ_CAPACITY, inlineNewestVersions, hugePages);
        RegionCaches.createAndLoad(cache, REGION_ID, EPOCH, keys);
    }

    @Override
    public boolean supportsScan()
    {
        // Scans always read through views: the VIEW variant would repeat COPY, and MULTI_GET is about gets.
        return variant != Variant.VIEW && variant != Variant.MULTI_GET;
    }

    @Override
    public Reader newReader()
    {
        return new RcReader();
    }

    @Override
    public void close()
    {
        cache.close();
    }

    private final class RcReader extends Reader
    {
        /** Keys are computed into this scratch (key {@code k} of a batch at {@code 16 * k}), never loaded. */
        private final UnsafeBuffer keyScratch = new UnsafeBuffer(new byte[MAX_BATCH * KeySpace.KEY_LENGTH]);
        private final Snapshot snapshot = cache.newSnapshot();
        private final UnsafeBuffer dst = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128, 64));
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private SnapshotIterator iterator;
        private final int[] keyOffsets = new int[MAX_BATCH];
        private final int[] keyLengths = new int[MAX_BATCH];
        private final int[] valueOffsets = new int[MAX_BATCH];
        private final int[] valueLengths = new int[MAX_BATCH];
        private final UnsafeBuffer values =
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_BATCH * KeySpace.VALUE_LENGTH, 64));

        RcReader()
        {
            if (variant != Variant.OPEN_PER_OP)
            {
                open();
                iterator = snapshot.iterator();
            }
        }

        private void open()
        {
            final SnapshotStatus s = snapshot.open(REGION_ID, EPOCH, RegionCaches.LATEST);
            if (s != SnapshotStatus.OK)
            {
                throw new IllegalStateException("snapshot open failed: " + s);
            }
        }

        @Override
        public long get(final int i)
        {
            if (variant == Variant.COPY || variant == Variant.MULTI_GET)
            {
                // The common case first, without the enum switch's table loads: a harness adds as few instructions
                // between two gets as it can (they cost the overlap of consecutive gets' misses; see the README's
                // one-pass get), and the peers' readers have no switch.
                keys.writeKey(i, keyScratch, 0);
                final int len = snapshot.get(keyScratch, 0, KeySpace.KEY_LENGTH, dst, 0);
                return len + dst.getLong(0, ByteOrder.BIG_ENDIAN);
            }
            switch (variant)
            {
                case VIEW:
                    keys.writeKey(i, keyScratch, 0);
                    if (!snapshot.getView(keyScratch, 0, KeySpace.KEY_LENGTH, view))
                    {
                        return -1;
                    }
                    return view.capacity() + view.getLong(0, ByteOrder.BIG_ENDIAN);
                case OPEN_PER_OP:
                {
                    open();
                    keys.writeKey(i, keyScratch, 0);
                    final int len = snapshot.get(keyScratch, 0, KeySpace.KEY_LENGTH, dst, 0);
                    final long r = len + dst.getLong(0, ByteOrder.BIG_ENDIAN);
                    snapshot.close();
                    return r;
                }
                default:
                {
                    keys.writeKey(i, keyScratch, 0);
                    final int len = snapshot.get(keyScratch, 0, KeySpace.KEY_LENGTH, dst, 0);
                    return len + dst.getLong(0, ByteOrder.BIG_ENDIAN);
                }
            }
        }

        @Override
        public long multiGet(final int[] indices, final int from, final int count)
        {
            if (variant != Variant.MULTI_GET)
            {
                return super.multiGet(indices, from, count);
            }
            writeBatchKeys(keys, indices, from, count, keyScratch, keyOffsets, keyLengths);
            snapshot.multiGet(keyScratch, keyOffsets, keyLengths, count, values, 0, valueOffsets, valueLengths);
            return batchChecksum(values, valueOffsets, valueLengths, count);
        }

        @Override
        public long scan(final int i, final int nexts)
        {
            if (variant == Variant.OPEN_PER_OP)
            {
                open();
                iterator = snapshot.iterator();
                final long r = doScan(i, nexts);
                snapshot.close();
                return r;
            }
            return doScan(i, nexts);
        }

        private long doScan(final int i, final int nexts)
        {
            final SnapshotIterator it = iterator;
            long acc = 0;
            final int seekLength = keys.writeSeekKey(i, absentSeeks, keyScratch, 0);
            boolean valid = it.seek(keyScratch, 0, seekLength);
            for (int step = 0; valid; step++)
            {
                it.keyView(keyView);
                it.valueView(view);
                acc = KeySpace.fold(acc, keyView.getLong(8, ByteOrder.BIG_ENDIAN), view.getLong(0, ByteOrder.BIG_ENDIAN));
                if (step == nexts)
                {
                    break;
                }
                valid = it.next();
            }
            return acc;
        }

        @Override
        public void close()
        {
            snapshot.dispose();
        }
    }
}
