package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.internal.table.MvccTable;

/**
 * A {@link MapSource} over one open {@link Snapshot}: cursors are {@link SnapshotIterator}s (allocation-free per
 * step), lookups use the table's hash index. Valid for the one open of the snapshot it was made in: closed, or
 * opened again (even at the same region and read version), the snapshot no longer backs it.
 */
final class SnapshotMapSource implements MapSource
{
    private final Snapshot snapshot;
    private final RegionRecord record;
    private final long readVersion;
    private final Region region;
    private final MvccTable table;
    /** The snapshot's open this source reads: a later open (even of the same region and version) ends it. */
    private final long open;
    private final UnsafeBuffer keyArg = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

    SnapshotMapSource(final Snapshot snapshot)
    {
        snapshot.checkOpen();
        this.snapshot = snapshot;
        this.record = snapshot.record();
        this.readVersion = snapshot.readVersion();
        this.region = snapshot.region();
        this.table = record.table();
        this.open = snapshot.opens();
    }

    @Override
    public StoreCursor newCursor()
    {
        final SnapshotIterator it = new SnapshotIterator(table.maxKeyLength());
        it.reset(snapshot, table, region, readVersion, null, null);
        return new IteratorCursor(it, snapshot);
    }

    @Override
    public void release(final StoreCursor cursor)
    {
        // nothing to release: the iterator reads the pinned snapshot
    }

    @Override
    public byte[] get(final byte[] key)
    {
        keyArg.wrap(key);
        if (!snapshot.getView(keyArg, 0, key.length, valueView))
        {
            return null;
        }
        final byte[] value = new byte[valueView.capacity()];
        valueView.getBytes(0, value);
        return value;
    }

    @Override
    public boolean contains(final byte[] key)
    {
        return region.contains(key);
    }

    @Override
    public void check()
    {
        if (!snapshot.isOpen() || snapshot.opens() != open)
        {
            throw new IllegalStateException("the snapshot behind this map was closed or re-opened");
        }
    }

    /** A {@link SnapshotIterator} as a {@link StoreCursor}: views wrap the table's memory, zero copy. */
    private static final class IteratorCursor implements StoreCursor
    {
        private final SnapshotIterator it;
        /** Each move is counted on the snapshot, so reads through a view heat the region as other reads do. */
        private final Snapshot snapshot;
        private final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer value = new UnsafeBuffer(0, 0);

        IteratorCursor(final SnapshotIterator it, final Snapshot snapshot)
        {
            this.it = it;
            this.snapshot = snapshot;
        }

        @Override
        public boolean next()
        {
            return snapshot.countViewStep(it.next());
        }

        @Override
        public boolean prev()
        {
            return snapshot.countViewStep(it.prev());
        }

        @Override
        public boolean seekToFirst()
        {
            return snapshot.countViewStep(it.seekToFirst());
        }

        @Override
        public boolean seekToLast()
        {
            return snapshot.countViewStep(it.seekToLast());
        }

        @Override
        public boolean seek(final byte[] k)
        {
            return snapshot.countViewStep(it.seekAnywhere(k, false));
        }

        @Override
        public boolean seekForPrev(final byte[] k)
        {
            return snapshot.countViewStep(it.seekAnywhere(k, true));
        }

        @Override
        public DirectBuffer key()
        {
            it.keyView(key);
            return key;
        }

        @Override
        public int keyLength()
        {
            return it.keyLength();
        }

        @Override
        public DirectBuffer value()
        {
            it.valueView(value);
            return value;
        }

        @Override
        public int valueLength()
        {
            return it.valueLength();
        }

        @Override
        public long version()
        {
            return it.version();
        }

        @Override
        public void close()
        {
        }
    }
}
