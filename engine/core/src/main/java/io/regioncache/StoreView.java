package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A read-only view of one key range of a {@link BackingStore} at one read version, as {@link NavigableMap}s with the
 * semantics of {@link Snapshot#asNavigableMap()} and {@link Snapshot#asBytesMap()} (the same class serves both):
 * the range's visible keys in unsigned lexicographic order, sub-maps, descending views and navigation, mutators
 * refused. Navigation runs on the store's two-way {@link StoreCursor}s; point lookups on
 * {@link BackingStore#get}, or, for a key the store refuses to point-read (longer than it can hold: LMDB's 439
 * bytes), on a cursor's seek, so that {@code get} answers null for it as a cache-served view does and as
 * navigation around it does.
 * <p>
 * <b>Consistency.</b> Each cursor and lookup reads the store's latest state at the view's read version. The answer
 * is the same for all of them as long as the store's history at or below the read version does not change, which
 * is the MVCC contract the engine relies on everywhere: writes land above every acknowledged read version, and the
 * store's GC stays below live read versions.
 * <p>
 * <b>Resources.</b> Every map of the view shares one lookup cursor; every Java iterator opens a cursor of its own
 * and closes it when it reaches its end. {@link #close()} closes whatever is still open (iterators abandoned midway
 * included); the maps then throw {@link IllegalStateException}. One thread at a time, like the maps.
 */
public final class StoreView implements AutoCloseable
{
    private final Source source;

    private StoreView(final BackingStore store, final byte[] start, final byte[] end, final long readVersion)
    {
        this.source = new Source(store, start.clone(), end.clone(), readVersion);
    }

    /**
     * @param store       the store.
     * @param start       inclusive start of the range (empty: -infinity).
     * @param end         exclusive end (empty: +infinity).
     * @param readVersion the read version.
     * @return an open view; close it.
     * @throws IllegalArgumentException if {@code end} is not empty and not above {@code start}.
     */
    public static StoreView open(final BackingStore store, final byte[] start, final byte[] end, final long readVersion)
    {
        if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0)
        {
            throw new IllegalArgumentException("empty or inverted range");
        }
        return new StoreView(store, start, end, readVersion);
    }

    /**
     * @return the range's visible keys and values as a read-only map of {@code byte[]} (fresh copies; equality by
     * array identity, see {@link #asBytesMap()}).
     * @throws IllegalStateException if the view is closed.
     * @throws StoreException if the store fails.
     */
    public NavigableMap<byte[], byte[]> asNavigableMap()
    {
        source.check();
        return SnapshotMapView.arrays(source);
    }

    /**
     * @return {@link #asNavigableMap()} keyed and valued by {@link Bytes}, so equality works by content.
     * @throws IllegalStateException if the view is closed.
     * @throws StoreException if the store fails.
     */
    public NavigableMap<Bytes, Bytes> asBytesMap()
    {
        source.check();
        return SnapshotMapView.bytes(source);
    }

    /** @return the number of store cursors the view holds open (for tests: iterators at their end hold none). */
    public int openCursors()
    {
        return source.open.size();
    }

    /** Close every cursor still open; the maps throw {@link IllegalStateException} from now on. Idempotent. */
    @Override
    public void close()
    {
        source.close();
    }

    /** The range of the store as a {@link MapSource}: cursors opened on demand and tracked until released. */
    private static final class Source implements MapSource
    {
        private final BackingStore store;
        private final byte[] start;
        private final byte[] end;
        private final long readVersion;
        private final List<StoreCursor> open = new ArrayList<>();
        private final UnsafeBuffer keyArg = new UnsafeBuffer(new byte[0]);
        private final ExpandableArrayBuffer value = new ExpandableArrayBuffer(256);
        private boolean closed;

        Source(final BackingStore store, final byte[] start, final byte[] end, final long readVersion)
        {
            this.store = store;
            this.start = start;
            this.end = end;
            this.readVersion = readVersion;
        }

        @Override
        public StoreCursor newCursor()
        {
            final StoreCursor c = store.newCursor(start, end, readVersion);
            open.add(c);
            return c;
        }

        @Override
        public void release(final StoreCursor cursor)
        {
            if (open.remove(cursor))
            {
                cursor.close();
            }
        }

        @Override
        public byte[] get(final byte[] key)
        {
            keyArg.wrap(key);
            int n;
            try
            {
                n = store.get(keyArg, 0, key.length, readVersion, value, 0);
            }
            catch (final StoreException refused)
            {
                // A store may refuse a point read of a key longer than it can hold (LMDB: over 439 bytes) while its
                // cursors seek past such a key, so the map's navigation answered and its get threw; a cache-served
                // view answers null (audit 11b). Ask a cursor, as navigation does: it answers the same for every
                // key, and a store that really failed (closed, I/O) throws again there.
                return getBySeek(key, refused);
            }
            if (n < BackingSnapshot.NOT_FOUND)
            {
                value.checkLimit(-2 - n); // too large for the buffer: grow it and read again (same version)
                n = store.get(keyArg, 0, key.length, readVersion, value, 0);
            }
            return n < 0 ? null : Arrays.copyOf(value.byteArray(), n);
        }

        /** {@link #get} through a cursor of the view's range: the value if the first key at or after it is it. */
        private byte[] getBySeek(final byte[] key, final StoreException refused)
        {
            try (StoreCursor c = store.newCursor(start, end, readVersion))
            {
                if (!c.seek(key) || c.keyLength() != key.length)
                {
                    return null;
                }
                final byte[] at = c.keyBytes();
                return Arrays.equals(at, key) ? c.valueBytes() : null;
            }
            catch (final StoreException again)
            {
                again.addSuppressed(refused);
                throw again;
            }
        }

        @Override
        public boolean contains(final byte[] key)
        {
            return Arrays.compareUnsigned(key, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(key, end) < 0);
        }

        @Override
        public void check()
        {
            if (closed)
            {
                throw new IllegalStateException("the store view behind this map was closed");
            }
        }

        void close()
        {
            closed = true;
            for (final StoreCursor c : open)
            {
                c.close();
            }
            open.clear();
        }
    }
}
