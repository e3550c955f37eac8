package io.regioncache;

import java.util.AbstractCollection;
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

/**
 * A read-only {@link NavigableMap} over one {@link MapSource}: the keys visible in one key range at one read version,
 * in unsigned lexicographic order, each mapped to its visible value. Deleted keys and shadowed versions are not in
 * the map. Two sources: a cache {@link Snapshot} ({@link Snapshot#asNavigableMap()}) and a backing store's range
 * ({@link StoreView}, which the hybrid reader's view uses when the region is not cached).
 * <p>
 * <b>Cursors.</b> Every navigation ({@code ceiling/floor/higher/lower}, {@code first/last}) is one seek of a
 * {@link StoreCursor} (for a snapshot, the allocation-free MVCC iterator); each Java iterator owns its own cursor
 * and steps it with {@code next}/{@code prev}; point lookups go to the source ({@link Snapshot#getView} for the
 * cache). The map API allocates its results (keys, values, entries), by nature. Ascending and descending travel are
 * one code path over a {@link Way}.
 * <p>
 * <b>Key type.</b> One implementation, two element types (see {@link Codec}): {@code byte[]} for
 * {@code asNavigableMap()}, and {@link Bytes} for {@code asBytesMap()}. Only the latter can honour the
 * {@code equals}/{@code hashCode} contracts of {@link Map}, {@link Map.Entry} and {@link Set} (arrays compare by
 * identity), so guava-testlib's {@code NavigableMapTestSuiteBuilder} runs against it; lookups by key never use
 * {@code equals} and behave the same for both.
 * <p>
 * <b>Lifetime and threads.</b> Like its source, a view belongs to one thread at a time and is valid while the
 * source is: every operation checks that first and throws {@link IllegalStateException} once the snapshot was
 * closed or re-opened elsewhere, or the store view closed (it never reads freed memory). The source is immutable,
 * so sizes are computed once per view.
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

    /** A direction of travel over a cursor: {@link #UP} is ascending key order, {@link #DOWN} descending. */
    private enum Way
    {
        UP
        {
            @Override
            boolean toEnd(final StoreCursor c)
            {
                return c.seekToFirst();
            }

            @Override
            boolean seek(final StoreCursor c, final byte[] key)
            {
                return c.seek(key);
            }

            @Override
            boolean step(final StoreCursor c)
            {
                return c.next();
            }
        },
        DOWN
        {
            @Override
            boolean toEnd(final StoreCursor c)
            {
                return c.seekToLast();
            }

            @Override
            boolean seek(final StoreCursor c, final byte[] key)
            {
                return c.seekForPrev(key);
            }

            @Override
            boolean step(final StoreCursor c)
            {
                return c.prev();
            }
        };

        /** Position on the source's first key in this direction. */
        abstract boolean toEnd(StoreCursor c);

        /** Position on the first key at or after {@code key} in this direction. */
        abstract boolean seek(StoreCursor c, byte[] key);

        /** Move one key in this direction. */
        abstract boolean step(StoreCursor c);

        Way reverse()
        {
            return this == UP ? DOWN : UP;
        }
    }

    /**
     * What every view derived from one {@code asNavigableMap()} call shares: the source, and a cursor for one-shot
     * lookups (views are confined to one thread, and a lookup never interleaves with another).
     */
    private static final class Root<T>
    {
        final MapSource source;
        final Codec<T> codec;
        final StoreCursor lookup;

        Root(final MapSource source, final Codec<T> codec)
        {
            this.source = source;
            this.codec = codec;
            this.lookup = source.newCursor();
        }
    }

    private final Root<T> root;
    /** Bounds in ascending key order; null = the source's bound. */
    private final byte[] lo;
    private final boolean loInclusive;
    private final byte[] hi;
    private final boolean hiInclusive;
    private final boolean descending;
    /** The direction of this view's own order. */
    private final Way forward;
    private int size = -1;
    private KeySet<T> keySet;
    private Set<Map.Entry<T, T>> entrySet;
    private Collection<T> values;
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
        this.forward = descending ? Way.DOWN : Way.UP;
    }

    static NavigableMap<byte[], byte[]> arrays(final MapSource source)
    {
        return new SnapshotMapView<>(new Root<>(source, ARRAYS), null, false, null, false, false);
    }

    static NavigableMap<Bytes, Bytes> bytes(final MapSource source)
    {
        return new SnapshotMapView<>(new Root<>(source, BYTES), null, false, null, false, false);
    }

    // ------------------------------------------------------------------ bounds, in ascending order

    /** @return true if a key that compares {@code c} with a bound lies beyond it (c > 0: past it). */
    private static boolean past(final int c, final boolean inclusive)
    {
        return c > 0 || c == 0 && !inclusive;
    }

    private boolean tooLow(final byte[] key)
    {
        return lo != null && past(Arrays.compareUnsigned(lo, key), loInclusive);
    }

    private boolean tooHigh(final byte[] key)
    {
        return hi != null && past(Arrays.compareUnsigned(key, hi), hiInclusive);
    }

    private static int compareKey(final StoreCursor c, final byte[] other)
    {
        return Keys.compare(c.key(), 0, c.keyLength(), other);
    }

    /** @return true if {@code key} lies before this view's first key in direction {@code w}. */
    private boolean before(final byte[] key, final Way w)
    {
        return w == Way.UP ? tooLow(key) : tooHigh(key);
    }

    /** @return true if the cursor's key lies past this view's last key in direction {@code w}. */
    private boolean beyond(final StoreCursor c, final Way w)
    {
        return w == Way.UP ?
            hi != null && past(compareKey(c, hi), hiInclusive) :
            lo != null && past(-compareKey(c, lo), loInclusive);
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

    // ------------------------------------------------------------------ positioning
    // Each positions the cursor and returns true if it stands on a key of this view.

    /** The view's first key in direction {@code w} (its lowest going UP, its highest going DOWN). */
    private boolean start(final StoreCursor c, final Way w)
    {
        final byte[] bound = w == Way.UP ? lo : hi;
        if (bound == null)
        {
            return w.toEnd(c) && !beyond(c, w);
        }
        boolean ok = w.seek(c, bound);
        if (ok && !(w == Way.UP ? loInclusive : hiInclusive) && compareKey(c, bound) == 0)
        {
            ok = w.step(c);
        }
        return ok && !beyond(c, w);
    }

    /** The first key at or after {@code key} in direction {@code w} (strict: after): ceiling/higher going UP. */
    private boolean nearest(final StoreCursor c, final byte[] key, final boolean strict, final Way w)
    {
        if (before(key, w))
        {
            return start(c, w);
        }
        boolean ok = w.seek(c, key);
        if (ok && strict && compareKey(c, key) == 0)
        {
            ok = w.step(c);
        }
        return ok && !beyond(c, w);
    }

    /** Step in direction {@code w}; true if still on a key of the view. */
    private boolean step(final StoreCursor c, final Way w)
    {
        return w.step(c) && !beyond(c, w);
    }

    private T key(final StoreCursor c)
    {
        return root.codec.decode(c.keyBytes());
    }

    private Map.Entry<T, T> entry(final StoreCursor c)
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
        root.source.check();
        final T k = root.codec.cast(Objects.requireNonNull(key, "key"));
        if (k == null)
        {
            return null;
        }
        final byte[] bytes = root.codec.bytes(k);
        if (!inRange(bytes) || !root.source.contains(bytes))
        {
            return null;
        }
        final byte[] value = root.source.get(bytes);
        return value == null ? null : root.codec.decode(value);
    }

    @Override
    public boolean containsKey(final Object key)
    {
        return get(key) != null;
    }

    @Override
    public int size()
    {
        root.source.check();
        if (size < 0)
        {
            final StoreCursor c = root.lookup;
            int n = 0;
            for (boolean ok = start(c, Way.UP); ok; ok = step(c, Way.UP))
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
        root.source.check();
        return size >= 0 ? size == 0 : !start(root.lookup, Way.UP);
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
        root.source.check();
        return entryOrNull(start(root.lookup, forward));
    }

    @Override
    public Map.Entry<T, T> lastEntry()
    {
        root.source.check();
        return entryOrNull(start(root.lookup, forward.reverse()));
    }

    @Override
    public T firstKey()
    {
        root.source.check();
        return orThrow(keyOrNull(start(root.lookup, forward)));
    }

    @Override
    public T lastKey()
    {
        root.source.check();
        return orThrow(keyOrNull(start(root.lookup, forward.reverse())));
    }

    private static <E> E orThrow(final E e)
    {
        if (e == null)
        {
            throw new NoSuchElementException();
        }
        return e;
    }

    /** Ceiling (strict: higher) in this view's order. */
    private boolean up(final T key, final boolean strict)
    {
        final byte[] k = bytesOf(key);
        root.source.check();
        return nearest(root.lookup, k, strict, forward);
    }

    /** Floor (strict: lower) in this view's order. */
    private boolean down(final T key, final boolean strict)
    {
        final byte[] k = bytesOf(key);
        root.source.check();
        return nearest(root.lookup, k, strict, forward.reverse());
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
        root.source.check();
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
        root.source.check();
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
        root.source.check();
        if (entrySet == null)
        {
            entrySet = new EntrySet();
        }
        return entrySet;
    }

    /**
     * The values, in this view's key order. Read-only like the rest: {@link AbstractMap#values()} would refuse a
     * removal only when it found the value, and answer {@code false} to {@code remove}, {@code removeIf},
     * {@code removeAll} or {@code retainAll} that matched nothing, where every mutator here throws.
     */
    @Override
    public Collection<T> values()
    {
        root.source.check();
        if (values == null)
        {
            values = newValues();
        }
        return values;
    }

    @Override
    public NavigableMap<T, T> subMap(
        final T fromKey, final boolean fromInclusive, final T toKey, final boolean toInclusive)
    {
        final byte[] from = bytesOf(fromKey);
        final byte[] to = bytesOf(toKey);
        root.source.check();
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
        root.source.check();
        checkInRange(to, inclusive, "toKey");
        return descending ?
            new SnapshotMapView<>(root, to, inclusive, hi, hiInclusive, true) :
            new SnapshotMapView<>(root, lo, loInclusive, to, inclusive, false);
    }

    @Override
    public NavigableMap<T, T> tailMap(final T fromKey, final boolean inclusive)
    {
        final byte[] from = bytesOf(fromKey);
        root.source.check();
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
        private final StoreCursor cursor;
        private boolean hasNext;

        ViewIterator()
        {
            root.source.check();
            cursor = root.source.newCursor();
            hasNext = start(cursor, forward);
            releaseAtEnd();
        }

        /** A store cursor holds native resources: give it back as soon as the walk is over. */
        private void releaseAtEnd()
        {
            if (!hasNext)
            {
                root.source.release(cursor);
            }
        }

        @Override
        public boolean hasNext()
        {
            // refused like every other read once the snapshot is closed or re-opened (it answered from its cache)
            root.source.check();
            return hasNext;
        }

        @Override
        public E next()
        {
            if (!hasNext)
            {
                throw new NoSuchElementException();
            }
            root.source.check();
            final E e = current(cursor);
            hasNext = step(cursor, forward);
            releaseAtEnd();
            return e;
        }

        abstract E current(StoreCursor c);
    }

    Iterator<T> keyIterator()
    {
        return new ViewIterator<>()
        {
            @Override
            T current(final StoreCursor c)
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
            Map.Entry<T, T> current(final StoreCursor c)
            {
                return entry(c);
            }
        };
    }

    /** A set whose mutators all refuse, as the map's. */
    private abstract static class ReadOnlySet<E> extends AbstractSet<E>
    {
        @Override
        public boolean add(final E e)
        {
            throw readOnly();
        }

        @Override
        public boolean remove(final Object o)
        {
            throw readOnly();
        }

        @Override
        public boolean addAll(final Collection<? extends E> c)
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
        public boolean removeIf(final Predicate<? super E> filter)
        {
            throw readOnly();
        }

        @Override
        public void clear()
        {
            throw readOnly();
        }
    }

    /**
     * Values of the view in key order, walked by the view's own cursor; wrapped unmodifiable, so every mutator and the
     * iterator's remove refuse ({@link UnsupportedOperationException}), as the map's do.
     */
    private Collection<T> newValues()
    {
        return Collections.unmodifiableCollection(new AbstractCollection<>()
        {
            @Override
            public Iterator<T> iterator()
            {
                return new ViewIterator<>()
                {
                    @Override
                    T current(final StoreCursor c)
                    {
                        return root.codec.decode(c.valueBytes());
                    }
                };
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
        });
    }

    /** Entries of the view; {@code contains} is a point lookup. */
    private final class EntrySet extends ReadOnlySet<Map.Entry<T, T>>
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
    }

    /** Keys of a view, as a {@link NavigableSet} that delegates every query to the map. */
    private static final class KeySet<T> extends ReadOnlySet<T> implements NavigableSet<T>
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
