package io.regioncache;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.internal.table.MvccTable;

/**
 * A read-only {@link NavigableMap} over one open {@link Snapshot}: the keys visible in the snapshot's region at its
 * read version, in unsigned lexicographic order, each mapped to its visible value. Deleted keys and shadowed
 * versions are not in the map, exactly as for {@link SnapshotIterator}.
 * <p>
 * <b>Cursors.</b> Every navigation ({@code ceiling/floor/higher/lower}, {@code first/last}) is one seek of a
 * {@link SnapshotIterator} (the allocation-free MVCC cursor); each Java iterator owns its own cursor and steps it
 * with {@code next}/{@code prev}; point lookups use the table's hash index through {@link Snapshot#getView}. The map
 * API allocates its results (keys, values, entries), by nature; the cursors underneath do not allocate per step.
 * <p>
 * <b>Key type.</b> One implementation, two element types (see {@link Codec}): {@code byte[]} for
 * {@link Snapshot#asNavigableMap()}, and {@link Bytes} for {@link Snapshot#asBytesMap()}. Only the latter can honour
 * the {@code equals}/{@code hashCode} contracts of {@link Map}, {@link Map.Entry} and {@link Set} (arrays compare by
 * identity), so guava-testlib's {@code NavigableMapTestSuiteBuilder} runs against it; lookups by key never use
 * {@code equals} and behave the same for both.
 * <p>
 * <b>Lifetime and threads.</b> Like its snapshot, a view belongs to one thread at a time and is valid while the
 * snapshot stays open at the same record and read version: every operation checks that first and throws
 * {@link IllegalStateException} once the snapshot was closed or re-opened elsewhere (it never reads freed memory).
 * The snapshot is immutable, so sizes are computed once per view.
 * <p>
 * <b>Mutators</b> ({@code put}, {@code remove}, {@code poll*}, {@code clear}, {@code compute*}, {@code merge},
 * {@code replace*}, and the same on the key, value and entry collections and on iterators) throw
 * {@link UnsupportedOperationException}. Null keys throw {@link NullPointerException}, as in {@link java.util.TreeMap}.
 *
 * @param <T> the key and value type: {@code byte[]} or {@link Bytes}.
 */
final class SnapshotMapView<T> extends AbstractMap<T, T> implements NavigableMap<T, T>
{
    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    /** How the view's element type maps to the engine's bytes. */
    abstract static class Codec<T>
    {
        /** @return an element over {@code owned} (a fresh array nobody else holds). */
        abstract T decode(byte[] owned);

        /** @return the bytes of {@code t}, not copied: read them, never change them. */
        abstract byte[] bytes(T t);

        /** @return {@code o} as an element, or null if it is of another type. */
        abstract T cast(Object o);

        /** @return the ascending comparator reported by {@link #comparator()} (null: natural order). */
        abstract Comparator<? super T> comparator();
    }

    static final Codec<byte[]> ARRAYS = new Codec<>()
    {
        @Override
        byte[] decode(final byte[] owned)
        {
            return owned;
        }

        @Override
        byte[] bytes(final byte[] t)
        {
            return t;
        }

        @Override
        byte[] cast(final Object o)
        {
            return o instanceof byte[] ? (byte[])o : null;
        }

        @Override
        Comparator<? super byte[]> comparator()
        {
            return UNSIGNED;
        }
    };

    static final Codec<Bytes> BYTES = new Codec<>()
    {
        @Override
        Bytes decode(final byte[] owned)
        {
            return Bytes.wrap(owned);
        }

        @Override
        byte[] bytes(final Bytes t)
        {
            return t.array();
        }

        @Override
        Bytes cast(final Object o)
        {
            return o instanceof Bytes ? (Bytes)o : null;
        }

        @Override
        Comparator<? super Bytes> comparator()
        {
            return null; // Bytes is Comparable in unsigned order, as TreeMap<Bytes, ?> would report
        }
    };

    /**
     * What every view derived from one {@code asNavigableMap()} call shares: the snapshot as it was opened, and a
     * cursor for one-shot lookups (views are confined to one thread, and a lookup never interleaves with another).
     */
    private static final class Root<T>
    {
        final Snapshot snapshot;
        final RegionRecord record;
        final long readVersion;
        final Region region;
        final MvccTable table;
        final Codec<T> codec;
        final Cursor lookup;
        final UnsafeBuffer keyArg = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

        Root(final Snapshot snapshot, final Codec<T> codec)
        {
            snapshot.checkOpen();
            this.snapshot = snapshot;
            this.record = snapshot.record();
            this.readVersion = snapshot.readVersion();
            this.region = snapshot.region();
            this.table = record.table();
            this.codec = codec;
            this.lookup = newCursor();
        }

        Cursor newCursor()
        {
            final SnapshotIterator it = new SnapshotIterator(table.maxKeyLength());
            it.reset(snapshot, table, region, readVersion, null, null);
            return new Cursor(it);
        }

        /** The snapshot must still be open at the record and version this view was made for. */
        void check()
        {
            if (snapshot.record() != record || snapshot.readVersion() != readVersion)
            {
                throw new IllegalStateException("the snapshot behind this map was closed or re-opened");
            }
        }
    }

    /** A cursor and the buffers it wraps over the current key and value (zero copy until materialised). */
    private static final class Cursor
    {
        final SnapshotIterator it;
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);

        Cursor(final SnapshotIterator it)
        {
            this.it = it;
        }

        /** @return the current key compared with {@code other}, unsigned. */
        int compareKey(final byte[] other)
        {
            it.keyView(key);
            return Keys.compare(key, 0, key.capacity(), other);
        }

        byte[] keyBytes()
        {
            it.keyView(key);
            final byte[] k = new byte[key.capacity()];
            key.getBytes(0, k);
            return k;
        }

        byte[] valueBytes()
        {
            final UnsafeBuffer v = key;
            it.valueView(v);
            final byte[] out = new byte[v.capacity()];
            v.getBytes(0, out);
            return out;
        }
    }

    private final Root<T> root;
    /** Bounds in ascending key order; null = the region's bound. */
    private final byte[] lo;
    private final boolean loInclusive;
    private final byte[] hi;
    private final boolean hiInclusive;
    private final boolean descending;
    private int size = -1;
    private KeySet<T> keySet;
    private Set<Map.Entry<T, T>> entrySet;
    private SnapshotMapView<T> descendingMap;

    private SnapshotMapView(
        final Root<T> root,
        final byte[] lo, final boolean loInclusive, final byte[] hi, final boolean hiInclusive,
        final boolean descending)
    {
        this.root = root;
        this.lo = lo;
        this.loInclusive = loInclusive;
        this.hi = hi;
        this.hiInclusive = hiInclusive;
        this.descending = descending;
    }

    static NavigableMap<byte[], byte[]> arrays(final Snapshot snapshot)
    {
        return new SnapshotMapView<>(new Root<>(snapshot, ARRAYS), null, false, null, false, false);
    }

    static NavigableMap<Bytes, Bytes> bytes(final Snapshot snapshot)
    {
        return new SnapshotMapView<>(new Root<>(snapshot, BYTES), null, false, null, false, false);
    }

    // ------------------------------------------------------------------ bounds, in ascending order

    private boolean tooLow(final byte[] key)
    {
        if (lo == null)
        {
            return false;
        }
        final int c = Arrays.compareUnsigned(key, lo);
        return c < 0 || c == 0 && !loInclusive;
    }

    private boolean tooHigh(final byte[] key)
    {
        if (hi == null)
        {
            return false;
        }
        final int c = Arrays.compareUnsigned(key, hi);
        return c > 0 || c == 0 && !hiInclusive;
    }

    private boolean tooLow(final Cursor c)
    {
        if (lo == null)
        {
            return false;
        }
        final int cmp = c.compareKey(lo);
        return cmp < 0 || cmp == 0 && !loInclusive;
    }

    private boolean tooHigh(final Cursor c)
    {
        if (hi == null)
        {
            return false;
        }
        final int cmp = c.compareKey(hi);
        return cmp > 0 || cmp == 0 && !hiInclusive;
    }

    private boolean inRange(final byte[] key)
    {
        return !tooLow(key) && !tooHigh(key);
    }

    /** TreeMap's rule for a sub-map bound: an exclusive bound may sit on this view's own (exclusive) bound. */
    private boolean inRange(final byte[] key, final boolean inclusive)
    {
        if (inclusive)
        {
            return inRange(key);
        }
        return (lo == null || Arrays.compareUnsigned(key, lo) >= 0) &&
            (hi == null || Arrays.compareUnsigned(key, hi) <= 0);
    }

    // ------------------------------------------------------------------ positioning, in ascending order
    // Each positions the cursor and returns true if it stands on a key of this view.

    private boolean lowest(final Cursor c)
    {
        boolean ok;
        if (lo == null)
        {
            ok = c.it.seekToFirst();
        }
        else
        {
            ok = c.it.seek(lo);
            if (ok && !loInclusive && c.compareKey(lo) == 0)
            {
                ok = c.it.next();
            }
        }
        return ok && !tooHigh(c);
    }

    private boolean highest(final Cursor c)
    {
        boolean ok;
        if (hi == null)
        {
            ok = c.it.seekToLast();
        }
        else
        {
            ok = c.it.seekForPrev(hi);
            if (ok && !hiInclusive && c.compareKey(hi) == 0)
            {
                ok = c.it.prev();
            }
        }
        return ok && !tooLow(c);
    }

    private boolean ceiling(final Cursor c, final byte[] key, final boolean strict)
    {
        if (tooLow(key))
        {
            return lowest(c);
        }
        boolean ok = c.it.seek(key);
        if (ok && strict && c.compareKey(key) == 0)
        {
            ok = c.it.next();
        }
        return ok && !tooHigh(c);
    }

    private boolean floor(final Cursor c, final byte[] key, final boolean strict)
    {
        if (tooHigh(key))
        {
            return highest(c);
        }
        boolean ok = c.it.seekForPrev(key);
        if (ok && strict && c.compareKey(key) == 0)
        {
            ok = c.it.prev();
        }
        return ok && !tooLow(c);
    }

    /** Step in this view's direction; true if still on a key of the view. */
    private boolean step(final Cursor c)
    {
        return descending ? c.it.prev() && !tooLow(c) : c.it.next() && !tooHigh(c);
    }

    private boolean first(final Cursor c)
    {
        return descending ? highest(c) : lowest(c);
    }

    private T key(final Cursor c)
    {
        return root.codec.decode(c.keyBytes());
    }

    private Map.Entry<T, T> entry(final Cursor c)
    {
        final T k = key(c);
        return new SimpleImmutableEntry<>(k, root.codec.decode(c.valueBytes()));
    }

    private byte[] bytesOf(final T key)
    {
        return root.codec.bytes(Objects.requireNonNull(key, "key"));
    }

    private Map.Entry<T, T> entryOrNull(final boolean positioned)
    {
        return positioned ? entry(root.lookup) : null;
    }

    private T keyOrNull(final boolean positioned)
    {
        return positioned ? key(root.lookup) : null;
    }

    // ------------------------------------------------------------------ queries

    @Override
    public T get(final Object key)
    {
        root.check();
        final T k = root.codec.cast(Objects.requireNonNull(key, "key"));
        if (k == null)
        {
            return null;
        }
        final byte[] bytes = root.codec.bytes(k);
        if (!inRange(bytes) || !root.region.contains(bytes))
        {
            return null;
        }
        root.keyArg.wrap(bytes);
        if (!root.snapshot.getView(root.keyArg, 0, bytes.length, root.valueView))
        {
            return null;
        }
        final byte[] value = new byte[root.valueView.capacity()];
        root.valueView.getBytes(0, value);
        return root.codec.decode(value);
    }

    @Override
    public boolean containsKey(final Object key)
    {
        return get(key) != null;
    }

    @Override
    public int size()
    {
        root.check();
        if (size < 0)
        {
            final Cursor c = root.lookup;
            int n = 0;
            for (boolean ok = lowest(c); ok; ok = c.it.next() && !tooHigh(c))
            {
                n++;
            }
            size = n;
        }
        return size;
    }

    @Override
    public boolean isEmpty()
    {
        root.check();
        return size >= 0 ? size == 0 : !lowest(root.lookup);
    }

    @Override
    public Comparator<? super T> comparator()
    {
        final Comparator<? super T> ascending = root.codec.comparator();
        if (!descending)
        {
            return ascending;
        }
        return ascending == null ? Collections.reverseOrder() : Collections.reverseOrder(ascending);
    }

    @Override
    public Map.Entry<T, T> firstEntry()
    {
        root.check();
        return entryOrNull(descending ? highest(root.lookup) : lowest(root.lookup));
    }

    @Override
    public Map.Entry<T, T> lastEntry()
    {
        root.check();
        return entryOrNull(descending ? lowest(root.lookup) : highest(root.lookup));
    }

    @Override
    public T firstKey()
    {
        root.check();
        return orThrow(keyOrNull(descending ? highest(root.lookup) : lowest(root.lookup)));
    }

    @Override
    public T lastKey()
    {
        root.check();
        return orThrow(keyOrNull(descending ? lowest(root.lookup) : highest(root.lookup)));
    }

    private static <E> E orThrow(final E e)
    {
        if (e == null)
        {
            throw new NoSuchElementException();
        }
        return e;
    }

    /** Ascending ceiling (strict: higher) in this view's direction. */
    private boolean up(final T key, final boolean strict)
    {
        final byte[] k = bytesOf(key);
        root.check();
        return descending ? floor(root.lookup, k, strict) : ceiling(root.lookup, k, strict);
    }

    /** Ascending floor (strict: lower) in this view's direction. */
    private boolean down(final T key, final boolean strict)
    {
        final byte[] k = bytesOf(key);
        root.check();
        return descending ? ceiling(root.lookup, k, strict) : floor(root.lookup, k, strict);
    }

    @Override
    public Map.Entry<T, T> ceilingEntry(final T key)
    {
        return entryOrNull(up(key, false));
    }

    @Override
    public T ceilingKey(final T key)
    {
        return keyOrNull(up(key, false));
    }

    @Override
    public Map.Entry<T, T> higherEntry(final T key)
    {
        return entryOrNull(up(key, true));
    }

    @Override
    public T higherKey(final T key)
    {
        return keyOrNull(up(key, true));
    }

    @Override
    public Map.Entry<T, T> floorEntry(final T key)
    {
        return entryOrNull(down(key, false));
    }

    @Override
    public T floorKey(final T key)
    {
        return keyOrNull(down(key, false));
    }

    @Override
    public Map.Entry<T, T> lowerEntry(final T key)
    {
        return entryOrNull(down(key, true));
    }

    @Override
    public T lowerKey(final T key)
    {
        return keyOrNull(down(key, true));
    }

    // ------------------------------------------------------------------ views

    @Override
    public NavigableMap<T, T> descendingMap()
    {
        root.check();
        if (descendingMap == null)
        {
            descendingMap = new SnapshotMapView<>(root, lo, loInclusive, hi, hiInclusive, !descending);
            descendingMap.descendingMap = this;
        }
        return descendingMap;
    }

    @Override
    public NavigableSet<T> navigableKeySet()
    {
        root.check();
        if (keySet == null)
        {
            keySet = new KeySet<>(this);
        }
        return keySet;
    }

    @Override
    public Set<T> keySet()
    {
        return navigableKeySet();
    }

    @Override
    public NavigableSet<T> descendingKeySet()
    {
        return descendingMap().navigableKeySet();
    }

    @Override
    public Set<Map.Entry<T, T>> entrySet()
    {
        root.check();
        if (entrySet == null)
        {
            entrySet = new EntrySet();
        }
        return entrySet;
    }

    @Override
    public NavigableMap<T, T> subMap(
        final T fromKey, final boolean fromInclusive, final T toKey, final boolean toInclusive)
    {
        final byte[] from = bytesOf(fromKey);
        final byte[] to = bytesOf(toKey);
        root.check();
        final int order = Arrays.compareUnsigned(from, to);
        if (descending ? order < 0 : order > 0)
        {
            throw new IllegalArgumentException("fromKey > toKey");
        }
        checkInRange(from, fromInclusive, "fromKey");
        checkInRange(to, toInclusive, "toKey");
        return descending ?
            new SnapshotMapView<>(root, to, toInclusive, from, fromInclusive, true) :
            new SnapshotMapView<>(root, from, fromInclusive, to, toInclusive, false);
    }

    @Override
    public NavigableMap<T, T> headMap(final T toKey, final boolean inclusive)
    {
        final byte[] to = bytesOf(toKey);
        root.check();
        checkInRange(to, inclusive, "toKey");
        return descending ?
            new SnapshotMapView<>(root, to, inclusive, hi, hiInclusive, true) :
            new SnapshotMapView<>(root, lo, loInclusive, to, inclusive, false);
    }

    @Override
    public NavigableMap<T, T> tailMap(final T fromKey, final boolean inclusive)
    {
        final byte[] from = bytesOf(fromKey);
        root.check();
        checkInRange(from, inclusive, "fromKey");
        return descending ?
            new SnapshotMapView<>(root, lo, loInclusive, from, inclusive, true) :
            new SnapshotMapView<>(root, from, inclusive, hi, hiInclusive, false);
    }

    private void checkInRange(final byte[] key, final boolean inclusive, final String name)
    {
        if (!inRange(key, inclusive))
        {
            throw new IllegalArgumentException(name + " out of range");
        }
    }

    @Override
    public SortedMap<T, T> subMap(final T fromKey, final T toKey)
    {
        return subMap(fromKey, true, toKey, false);
    }

    @Override
    public SortedMap<T, T> headMap(final T toKey)
    {
        return headMap(toKey, false);
    }

    @Override
    public SortedMap<T, T> tailMap(final T fromKey)
    {
        return tailMap(fromKey, true);
    }

    // ------------------------------------------------------------------ iteration

    /** Walks this view in its direction on a cursor of its own. */
    private abstract class ViewIterator<E> implements Iterator<E>
    {
        private final Cursor cursor;
        private boolean hasNext;

        ViewIterator()
        {
            root.check();
            cursor = root.newCursor();
            hasNext = first(cursor);
        }

        @Override
        public boolean hasNext()
        {
            return hasNext;
        }

        @Override
        public E next()
        {
            if (!hasNext)
            {
                throw new NoSuchElementException();
            }
            root.check();
            final E e = current(cursor);
            hasNext = step(cursor);
            return e;
        }

        abstract E current(Cursor c);
    }

    Iterator<T> keyIterator()
    {
        return new ViewIterator<>()
        {
            @Override
            T current(final Cursor c)
            {
                return key(c);
            }
        };
    }

    Iterator<Map.Entry<T, T>> entryIterator()
    {
        return new ViewIterator<>()
        {
            @Override
            Map.Entry<T, T> current(final Cursor c)
            {
                return entry(c);
            }
        };
    }

    /** Entries of the view; {@code contains} is a point lookup. */
    private final class EntrySet extends AbstractSet<Map.Entry<T, T>>
    {
        @Override
        public Iterator<Map.Entry<T, T>> iterator()
        {
            return entryIterator();
        }

        @Override
        public Spliterator<Map.Entry<T, T>> spliterator()
        {
            return Spliterators.spliterator(this, Spliterator.DISTINCT | Spliterator.ORDERED | Spliterator.NONNULL);
        }

        @Override
        public int size()
        {
            return SnapshotMapView.this.size();
        }

        @Override
        public boolean isEmpty()
        {
            return SnapshotMapView.this.isEmpty();
        }

        @Override
        public boolean contains(final Object o)
        {
            if (!(o instanceof Map.Entry))
            {
                return false;
            }
            final Map.Entry<?, ?> e = (Map.Entry<?, ?>)o;
            if (e.getKey() == null)
            {
                return false;
            }
            final T value = get(e.getKey());
            return value != null && value.equals(e.getValue());
        }

        @Override
        public boolean add(final Map.Entry<T, T> e)
        {
            throw readOnly();
        }

        @Override
        public boolean remove(final Object o)
        {
            throw readOnly();
        }

        @Override
        public boolean addAll(final Collection<? extends Map.Entry<T, T>> c)
        {
            throw readOnly();
        }

        @Override
        public boolean removeAll(final Collection<?> c)
        {
            throw readOnly();
        }

        @Override
        public boolean retainAll(final Collection<?> c)
        {
            throw readOnly();
        }

        @Override
        public boolean removeIf(final Predicate<? super Map.Entry<T, T>> filter)
        {
            throw readOnly();
        }

        @Override
        public void clear()
        {
            throw readOnly();
        }
    }

    /** Keys of a view, as a {@link NavigableSet} that delegates every query to the map. */
    private static final class KeySet<T> extends AbstractSet<T> implements NavigableSet<T>
    {
        private final SnapshotMapView<T> map;

        KeySet(final SnapshotMapView<T> map)
        {
            this.map = map;
        }

        @Override
        public Iterator<T> iterator()
        {
            return map.keyIterator();
        }

        @Override
        public Iterator<T> descendingIterator()
        {
            return descendingSet().iterator();
        }

        @Override
        public Spliterator<T> spliterator()
        {
            return NavigableSet.super.spliterator();
        }

        @Override
        public int size()
        {
            return map.size();
        }

        @Override
        public boolean isEmpty()
        {
            return map.isEmpty();
        }

        @Override
        public boolean contains(final Object o)
        {
            return map.containsKey(o);
        }

        @Override
        public T lower(final T e)
        {
            return map.lowerKey(e);
        }

        @Override
        public T floor(final T e)
        {
            return map.floorKey(e);
        }

        @Override
        public T ceiling(final T e)
        {
            return map.ceilingKey(e);
        }

        @Override
        public T higher(final T e)
        {
            return map.higherKey(e);
        }

        @Override
        public T first()
        {
            return map.firstKey();
        }

        @Override
        public T last()
        {
            return map.lastKey();
        }

        @Override
        public Comparator<? super T> comparator()
        {
            return map.comparator();
        }

        @Override
        public NavigableSet<T> descendingSet()
        {
            return map.descendingMap().navigableKeySet();
        }

        @Override
        public NavigableSet<T> subSet(
            final T fromElement, final boolean fromInclusive, final T toElement, final boolean toInclusive)
        {
            return map.subMap(fromElement, fromInclusive, toElement, toInclusive).navigableKeySet();
        }

        @Override
        public NavigableSet<T> headSet(final T toElement, final boolean inclusive)
        {
            return map.headMap(toElement, inclusive).navigableKeySet();
        }

        @Override
        public NavigableSet<T> tailSet(final T fromElement, final boolean inclusive)
        {
            return map.tailMap(fromElement, inclusive).navigableKeySet();
        }

        @Override
        public SortedSet<T> subSet(final T fromElement, final T toElement)
        {
            return subSet(fromElement, true, toElement, false);
        }

        @Override
        public SortedSet<T> headSet(final T toElement)
        {
            return headSet(toElement, false);
        }

        @Override
        public SortedSet<T> tailSet(final T fromElement)
        {
            return tailSet(fromElement, true);
        }

        @Override
        public T pollFirst()
        {
            throw readOnly();
        }

        @Override
        public T pollLast()
        {
            throw readOnly();
        }

        @Override
        public boolean add(final T e)
        {
            throw readOnly();
        }

        @Override
        public boolean remove(final Object o)
        {
            throw readOnly();
        }

        @Override
        public boolean addAll(final Collection<? extends T> c)
        {
            throw readOnly();
        }

        @Override
        public boolean removeAll(final Collection<?> c)
        {
            throw readOnly();
        }

        @Override
        public boolean retainAll(final Collection<?> c)
        {
            throw readOnly();
        }

        @Override
        public boolean removeIf(final Predicate<? super T> filter)
        {
            throw readOnly();
        }

        @Override
        public void clear()
        {
            throw readOnly();
        }
    }

    // ------------------------------------------------------------------ mutators: all refused

    private static UnsupportedOperationException readOnly()
    {
        return new UnsupportedOperationException("a snapshot map is read-only");
    }

    @Override
    public T put(final T key, final T value)
    {
        throw readOnly();
    }

    @Override
    public void putAll(final Map<? extends T, ? extends T> m)
    {
        throw readOnly();
    }

    @Override
    public T remove(final Object key)
    {
        throw readOnly();
    }

    @Override
    public boolean remove(final Object key, final Object value)
    {
        throw readOnly();
    }

    @Override
    public void clear()
    {
        throw readOnly();
    }

    @Override
    public Map.Entry<T, T> pollFirstEntry()
    {
        throw readOnly();
    }

    @Override
    public Map.Entry<T, T> pollLastEntry()
    {
        throw readOnly();
    }

    @Override
    public T putIfAbsent(final T key, final T value)
    {
        throw readOnly();
    }

    @Override
    public boolean replace(final T key, final T oldValue, final T newValue)
    {
        throw readOnly();
    }

    @Override
    public T replace(final T key, final T value)
    {
        throw readOnly();
    }

    @Override
    public void replaceAll(final BiFunction<? super T, ? super T, ? extends T> function)
    {
        throw readOnly();
    }

    @Override
    public T computeIfAbsent(final T key, final Function<? super T, ? extends T> mappingFunction)
    {
        throw readOnly();
    }

    @Override
    public T computeIfPresent(final T key, final BiFunction<? super T, ? super T, ? extends T> remappingFunction)
    {
        throw readOnly();
    }

    @Override
    public T compute(final T key, final BiFunction<? super T, ? super T, ? extends T> remappingFunction)
    {
        throw readOnly();
    }

    @Override
    public T merge(final T key, final T value, final BiFunction<? super T, ? super T, ? extends T> remappingFunction)
    {
        throw readOnly();
    }
}
