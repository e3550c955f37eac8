package io.regioncache.store;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.BackingSnapshot;
import io.regioncache.ReadArguments;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * A simple, thread-safe, in-memory MVCC {@link WritableStore} for tests and examples (it passes the same
 * {@code WritableStoreContract} as RocksDB and LMDB, so a {@link io.regioncache.hybrid.HybridEngine} can run over it).
 * <p>
 * Entries are kept in one sorted map keyed by (key ascending, version descending). Snapshots are consistent by
 * sequence number: every write (a whole batch) is stamped with one store-wide sequence, published after all its
 * entries are in, and a snapshot ignores entries stamped after it was opened. Writes are serialised. GC drops
 * entries outright, so a snapshot opened before {@link #gcBelow} may lose versions below the safe point (reads at
 * or above it are unaffected, which is the contract). Cursors ({@link #newCursor}) see the entries stamped before they were opened, through the same
 * MVCC logic as the RocksDB and LMDB cursors ({@link MvccStoreCursor}, over encoded keys made on the fly).
 */
public final class InMemoryBackingStore implements WritableStore
{
    private static final byte[] TOMBSTONE = new byte[0];

    private final ConcurrentSkipListMap<MvccKey, Stamped> map = new ConcurrentSkipListMap<>();
    /** The last published write's sequence: snapshots see entries stamped at or below it. */
    private final AtomicLong sequence = new AtomicLong();
    private volatile long gcSafePoint = -1;
    private volatile boolean closed;

    /** An empty store. */
    public InMemoryBackingStore()
    {
    }

    /**
     * Store a value.
     *
     * @param key     key.
     * @param version version.
     * @param value   value.
     */
    public void put(final byte[] key, final long version, final byte[] value)
    {
        write(key, version, value.clone());
    }

    /**
     * Store a tombstone.
     *
     * @param key     key.
     * @param version version.
     */
    public void delete(final byte[] key, final long version)
    {
        write(key, version, TOMBSTONE);
    }

    private synchronized void write(final byte[] key, final long version, final byte[] value)
    {
        checkWrite(version);
        final long seq = sequence.get() + 1;
        map.put(new MvccKey(key.clone(), version), new Stamped(value, seq));
        sequence.set(seq);
    }

    @Override
    public synchronized void applyBatch(final WriteBatch batch)
    {
        checkWrite(batch.version());
        final long seq = sequence.get() + 1;
        batch.forEach((op, key, keyLength, value, valueLength) ->
        {
            final byte[] k = new byte[keyLength];
            key.getBytes(0, k);
            byte[] v = TOMBSTONE;
            if (op == WriteBatch.PUT)
            {
                v = new byte[valueLength];
                value.getBytes(0, v);
            }
            map.put(new MvccKey(k, batch.version()), new Stamped(v, seq));
            return 0;
        });
        sequence.set(seq); // publish the whole batch at once
    }

    @Override
    public synchronized long deleteRange(final byte[] start, final byte[] end, final long version)
    {
        checkWrite(version);
        final WriteBatch batch = new WriteBatch(0, 0, version);
        try (StoreCursor c = newCursor(start, end, version))
        {
            while (c.next())
            {
                batch.delete(c.keyBytes());
            }
        }
        if (batch.count() > 0)
        {
            applyBatch(batch);
        }
        return batch.count();
    }

    @Override
    public synchronized long gcBelow(final long safePoint)
    {
        checkOpen();
        long dropped = 0;
        byte[] key = null;
        boolean decided = false;
        for (final Map.Entry<MvccKey, Stamped> e : map.entrySet())
        {
            final MvccKey k = e.getKey();
            if (key == null || !Arrays.equals(key, k.key))
            {
                key = k.key;
                decided = false;
            }
            if (decided)
            {
                map.remove(k); // older than the version kept at or below the safe point
                dropped++;
            }
            else if (k.version <= safePoint)
            {
                decided = true; // the newest version at or below the safe point: kept, unless a tombstone
                if (e.getValue().value == TOMBSTONE)
                {
                    map.remove(k);
                    dropped++;
                }
            }
        }
        gcSafePoint = Math.max(gcSafePoint, safePoint);
        return dropped;
    }

    @Override
    public long gcSafePoint()
    {
        return gcSafePoint;
    }

    private void checkWrite(final long version)
    {
        checkOpen();
        if (version < 0)
        {
            throw new StoreException("version must be >= 0, was " + version);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new StoreException("store is closed");
        }
    }

    /** @return number of stored entries (all versions). */
    public int entryCount()
    {
        return map.size();
    }

    @Override
    public BackingSnapshot openSnapshot()
    {
        checkOpen();
        return new Snap(sequence.get());
    }

    /**
     * {@inheritDoc}
     * <p>
     * Reads the latest published state. Unlike a snapshot's get, a {@code dst} with too little room gets
     * {@code -2 - length} and nothing copied even when it is expandable, as the RocksDB and LMDB stores and the cache
     * answer: a {@link io.regioncache.hybrid.HybridReader} gives the same answer whichever of them serves.
     */
    @Override
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        checkOpen();
        return new Snap(sequence.get()).read(key, keyOffset, keyLength, readVersion, dst, dstOffset, false);
    }

    /**
     * {@inheritDoc}
     * <p>
     * On a closed store it throws {@link StoreException} like every read, also for an empty batch (the inherited loop
     * calls {@link #get} once per key, so with no key it answered {@code dstOffset} as if open).
     */
    @Override
    public int multiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset,
        final int[] valueOffsets, final int[] valueLengths)
    {
        checkOpen();
        return WritableStore.super.multiGet(
            keys, keyOffsets, keyLengths, from, count, readVersion, dst, dstOffset, valueOffsets, valueLengths);
    }

    @Override
    public StoreCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        checkOpen();
        return new Cursor(lower, upper, readVersion, sequence.get());
    }

    @Override
    public void close()
    {
        closed = true;
        map.clear();
    }

    /**
     * A raw iterator over the map for {@link MvccStoreCursor}: it skips entries stamped after the cursor opened and
     * presents each entry as a stored key and value of the RocksDB/LMDB format (allocating per step: a test store).
     */
    private final class Cursor extends MvccStoreCursor
    {
        private final long seq;
        private MvccKey at;
        /** Walks the map from the last raw move, in the direction of {@link #ascending}. */
        private Iterator<Map.Entry<MvccKey, Stamped>> walk;
        private boolean ascending;
        /** Set by {@link #close}; a move after it throws, as on the RocksDB and LMDB stores. */
        private boolean cursorClosed;

        Cursor(final byte[] lower, final byte[] upper, final long readVersion, final long seq)
        {
            super(lower, upper, readVersion);
            this.seq = seq;
        }

        /**
         * Every move of a cursor checks the store is open ({@code StoreCursor}: "@throws StoreException if the store
         * fails or is closed"): close clears the map, and a cursor moving after it went on answering from the
         * cleared map's weakly consistent iterator, a wrong answer rather than an error.
         */
        @Override
        protected void enter()
        {
            checkOpen();
            if (cursorClosed)
            {
                throw new StoreException("cursor is closed");
            }
        }

        @Override
        protected boolean rawSeekToFirst()
        {
            return start(map, true);
        }

        @Override
        protected boolean rawSeekToLast()
        {
            return start(map.descendingMap(), false);
        }

        @Override
        protected boolean rawSeek(final byte[] target)
        {
            final boolean withVersion = target.length % MvccKeyCodec.encodedLength(0) != 0;
            final int encoded = withVersion ? target.length - MvccKeyCodec.VERSION_LENGTH : target.length;
            final byte[] key = new byte[encoded];
            final int n = MvccKeyCodec.decodeKey(new UnsafeBuffer(target), 0, encoded, new UnsafeBuffer(key), 0);
            // an encoded key alone sorts before every version of the key: as the newest possible version does
            final long version = withVersion ? MvccKeyCodec.decodeVersion(target) : Long.MAX_VALUE;
            return start(map.tailMap(new MvccKey(Arrays.copyOf(key, n), version), true), true);
        }

        @Override
        protected boolean rawNext()
        {
            return at != null && (ascending ? advance() : start(map.tailMap(at, false), true));
        }

        @Override
        protected boolean rawPrev()
        {
            return at != null && (!ascending ? advance() : start(map.headMap(at, false).descendingMap(), false));
        }

        private boolean start(final Map<MvccKey, Stamped> from, final boolean up)
        {
            walk = from.entrySet().iterator();
            ascending = up;
            return advance();
        }

        /** The next entry of the walk stamped before this cursor opened. */
        private boolean advance()
        {
            while (walk.hasNext())
            {
                final Map.Entry<MvccKey, Stamped> e = walk.next();
                if (e.getValue().seq <= seq)
                {
                    return land(e);
                }
            }
            return land(null);
        }

        private boolean land(final Map.Entry<MvccKey, Stamped> e)
        {
            at = e == null ? null : e.getKey();
            if (e == null)
            {
                return false;
            }
            rawKey.wrap(MvccKeyCodec.encode(at.key, at.version));
            final byte[] v = e.getValue().value;
            final byte[] stored = new byte[v.length + 1];
            stored[0] = v == TOMBSTONE ? MvccKeyCodec.FLAG_DELETE : MvccKeyCodec.FLAG_PUT;
            System.arraycopy(v, 0, stored, 1, v.length);
            rawValue.wrap(stored);
            return true;
        }

        @Override
        public void close()
        {
            cursorClosed = true;
            at = null;
            walk = null;
        }
    }

    private final class Snap implements BackingSnapshot
    {
        private final long seq;
        /**
         * Set by {@link #close}. Every read after it, or after the store's close (which clears the map, so a read
         * would answer "absent" instead of failing), throws {@link StoreException}, as on the RocksDB and LMDB
         * stores; the estimates answer unknown instead ({@code -1}, {@code null}), as theirs do. Volatile: a snapshot
         * may be scanned by several threads and closed by another.
         */
        private volatile boolean snapClosed;

        Snap(final long seq)
        {
            this.seq = seq;
        }

        private boolean isClosed()
        {
            return closed || snapClosed;
        }

        private void checkSnapOpen()
        {
            checkOpen();
            if (snapClosed)
            {
                throw new StoreException("snapshot is closed");
            }
        }

        /**
         * {@inheritDoc}
         * <p>
         * The number of stored entries (versions and tombstones, all of them) in the range: exact but O(entries), as
         * befits a store for tests.
         */
        @Override
        public long approximateSize(final byte[] start, final byte[] end)
        {
            if (isClosed())
            {
                return -1; // closed: no estimate, as the RocksDB and LMDB snapshots answer (an estimate never throws)
            }
            final byte[] from = null == start ? new byte[0] : start;
            final NavigableMap<MvccKey, Stamped> range = null == end || end.length == 0 ?
                map.tailMap(new MvccKey(from, Long.MAX_VALUE), true) :
                map.subMap(new MvccKey(from, Long.MAX_VALUE), true, new MvccKey(end, Long.MAX_VALUE), false);
            return range.size();
        }

        /**
         * {@inheritDoc}
         * <p>
         * Exact: the key of the middle entry this snapshot sees in the range (or the next key after {@code start} if
         * that is {@code start}), O(entries). Scans of this snapshot may run on several threads at once.
         */
        @Override
        public byte[] splitKey(final byte[] start, final byte[] end)
        {
            if (isClosed())
            {
                return null; // closed: no split, as the RocksDB and LMDB snapshots answer
            }
            final NavigableMap<MvccKey, Stamped> range = null == end || end.length == 0 ?
                map.tailMap(new MvccKey(start, Long.MAX_VALUE), true) :
                map.subMap(new MvccKey(start, Long.MAX_VALUE), true, new MvccKey(end, Long.MAX_VALUE), false);
            long visible = 0;
            for (final Stamped s : range.values())
            {
                visible += s.seq <= seq ? 1 : 0;
            }
            long seen = 0;
            for (final Map.Entry<MvccKey, Stamped> e : range.entrySet())
            {
                if (e.getValue().seq > seq)
                {
                    continue;
                }
                if (++seen > visible / 2 && Arrays.compareUnsigned(e.getKey().key, start) > 0)
                {
                    return e.getKey().key.clone();
                }
            }
            return null;
        }

        @Override
        public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
        {
            checkSnapOpen();
            final NavigableMap<MvccKey, Stamped> range = end.length == 0 ?
                map.tailMap(new MvccKey(start, Long.MAX_VALUE), true) :
                map.subMap(new MvccKey(start, Long.MAX_VALUE), true, new MvccKey(end, Long.MAX_VALUE), false);
            final UnsafeBuffer keyView = new UnsafeBuffer(new byte[0]);
            final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);
            for (final Map.Entry<MvccKey, Stamped> e : range.entrySet())
            {
                final Stamped s = e.getValue();
                if (s.seq > seq)
                {
                    continue;
                }
                checkSnapOpen(); // a close racing the scan ends it with an error, not a silently short scan
                keyView.wrap(e.getKey().key);
                final boolean tombstone = s.value == TOMBSTONE;
                if (!tombstone)
                {
                    valueView.wrap(s.value);
                }
                final boolean more = visitor.onEntry(keyView, 0, e.getKey().key.length, e.getKey().version,
                    tombstone ? null : valueView, 0, tombstone ? 0 : s.value.length);
                if (!more)
                {
                    return;
                }
            }
            checkSnapOpen(); // the store's close clears the map: a scan it cut short must not end as if complete
        }

        /**
         * {@inheritDoc}
         * <p>
         * An expandable {@code dst} with too little room is grown to take the value (as the RocksDB snapshot does);
         * any other {@code dst} gets {@code -2 - length} and nothing copied.
         */
        @Override
        public int get(
            final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
            final MutableDirectBuffer dst, final int dstOffset)
        {
            checkSnapOpen();
            return read(key, keyOffset, keyLength, readVersion, dst, dstOffset, true);
        }

        int read(
            final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
            final MutableDirectBuffer dst, final int dstOffset, final boolean growExpandable)
        {
            // Checked here, as the RocksDB and LMDB stores check theirs, not left to Agrona's bounds checks, which a
            // host may turn off (audit 24).
            ReadArguments.checkKey(key, keyOffset, keyLength);
            ReadArguments.checkDst(dst, dstOffset);
            final byte[] k = new byte[keyLength];
            key.getBytes(keyOffset, k);
            for (final Map.Entry<MvccKey, Stamped> e :
                map.tailMap(new MvccKey(k, readVersion), true).entrySet())
            {
                if (!Arrays.equals(e.getKey().key, k))
                {
                    return NOT_FOUND;
                }
                final Stamped s = e.getValue();
                if (s.seq > seq)
                {
                    continue;
                }
                if (s.value == TOMBSTONE)
                {
                    return NOT_FOUND;
                }
                if (!(growExpandable && dst.isExpandable()) && dst.capacity() - dstOffset < s.value.length)
                {
                    return -2 - s.value.length;
                }
                dst.putBytes(dstOffset, s.value);
                return s.value.length;
            }
            return NOT_FOUND;
        }

        @Override
        public void close()
        {
            snapClosed = true;
        }
    }

    private static final class Stamped
    {
        final byte[] value;
        final long seq;

        Stamped(final byte[] value, final long seq)
        {
            this.value = value;
            this.seq = seq;
        }
    }

    private static final class MvccKey implements Comparable<MvccKey>
    {
        final byte[] key;
        final long version;

        MvccKey(final byte[] key, final long version)
        {
            this.key = key;
            this.version = version;
        }

        @Override
        public int compareTo(final MvccKey o)
        {
            final int c = Arrays.compareUnsigned(key, o.key);
            return c != 0 ? c : Long.compare(o.version, version);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof MvccKey && compareTo((MvccKey)o) == 0;
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(key) * 31 + Long.hashCode(version);
        }
    }
}
