package io.regioncache;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.internal.table.MvccTable;
import io.regioncache.internal.table.TableCursor;

/**
 * An MVCC iterator over a {@link Snapshot}: positions only on keys visible at the snapshot's read version (newest
 * version at or below it, not a tombstone), inside {@code [lower, upper)} and inside the region. Reusable and
 * allocation-free per step; valid only while its snapshot is open.
 * <p>
 * <b>Misuse.</b> Every method but {@link #isValid()} and {@link #maxKeyLength()} throws
 * {@link IllegalStateException} once the snapshot that handed it out was closed or opened again (until the snapshot
 * hands it out again). The accessors of the current entry ({@code keyLength}, {@code valueLength}, {@code version},
 * the views, copies and {@code key()}/{@code value()}) also throw {@link IllegalStateException} while the iterator is
 * not positioned on a key: before the first move, or after a move returned false. {@link #next()} and
 * {@link #prev()} from there return false until a seek positions it again. A seek's malformed arguments (a null
 * key, a slice outside it) are reported first, as {@link NullPointerException} or {@link IllegalArgumentException},
 * whatever the snapshot's state; a key outside the region only once the snapshot is known to be open.
 */
public final class SnapshotIterator
{
    private static final byte[] EMPTY = new byte[0];

    private final int maxKeyLength;
    private final UnsafeBuffer lowerBuffer = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer upperBuffer = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer keyArg = new UnsafeBuffer(EMPTY);
    private Snapshot owner;
    /** The region of the snapshot the iterator was last reset on: a seek key must be inside it. */
    private Region region;
    private MvccTable table;
    private TableCursor cursor;
    private long stepped;
    private long returned;

    SnapshotIterator(final int maxKeyLength)
    {
        this.maxKeyLength = maxKeyLength;
    }

    void reset(
        final Snapshot owner, final MvccTable table, final Region region, final long readVersion,
        final byte[] lower, final byte[] upper)
    {
        if (lower != null && !region.contains(lower))
        {
            throw new IllegalArgumentException("lower bound outside region " + region);
        }
        // An empty upper bound is +infinity, as everywhere: outside a region with an end. (It was let through when
        // the region starts at -infinity, and the cursor, unbounded, then walked on into a split sibling's keys in
        // the table the pieces share until compaction.)
        if (upper != null && (upper.length == 0 ? region.endKey().length > 0 :
            Arrays.compareUnsigned(upper, region.startKey()) < 0 ||
                region.endKey().length > 0 && Arrays.compareUnsigned(upper, region.endKey()) > 0))
        {
            throw new IllegalArgumentException("upper bound outside region " + region);
        }
        this.owner = owner;
        this.region = region;
        if (this.table != table || cursor == null)
        {
            this.table = table;
            this.cursor = table.newCursor();
        }
        final byte[] lo = lower != null ? lower : region.startKey();
        final byte[] hi = upper != null ? upper : region.endKey();
        lowerBuffer.wrap(lo);
        upperBuffer.wrap(hi.length == 0 ? EMPTY : hi);
        cursor.reset(readVersion,
            lo.length == 0 ? null : lowerBuffer, 0, lo.length,
            hi.length == 0 ? null : upperBuffer, 0, hi.length);
    }

    void invalidate()
    {
        owner = null;
        stepped = 0;
        returned = 0;
    }

    long stepped()
    {
        return stepped;
    }

    long returned()
    {
        return returned;
    }

    private TableCursor c()
    {
        if (owner == null)
        {
            throw new IllegalStateException("iterator's snapshot is closed");
        }
        return cursor;
    }

    private boolean counted(final boolean valid)
    {
        stepped++;
        if (valid)
        {
            returned++;
        }
        return valid;
    }

    /**
     * Position at the first visible key at or after {@code key}.
     *
     * @param key    buffer.
     * @param offset offset.
     * @param length length.
     * @return true if positioned.
     * @throws NullPointerException     if {@code key} is null.
     * @throws IllegalArgumentException if the slice is outside {@code key}, or the key outside the region.
     * @throws IllegalStateException    if the snapshot is closed.
     */
    public boolean seek(final DirectBuffer key, final int offset, final int length)
    {
        checkKeyArg(key, offset, length);
        checkInRegion(key, offset, length);
        return counted(c().seek(key, offset, length));
    }

    /**
     * @param key a key.
     * @return true if positioned at the first visible key at or after it.
     */
    public boolean seek(final byte[] key)
    {
        java.util.Objects.requireNonNull(key, "key");
        keyArg.wrap(key);
        return seek(keyArg, 0, key.length);
    }

    /**
     * Position at the last visible key at or before {@code key}.
     *
     * @param key    buffer.
     * @param offset offset.
     * @param length length.
     * @return true if positioned.
     * @throws NullPointerException     if {@code key} is null.
     * @throws IllegalArgumentException if the slice is outside {@code key}, or the key outside the region.
     * @throws IllegalStateException    if the snapshot is closed.
     */
    public boolean seekForPrev(final DirectBuffer key, final int offset, final int length)
    {
        checkKeyArg(key, offset, length);
        checkInRegion(key, offset, length);
        return counted(c().seekForPrev(key, offset, length));
    }

    /**
     * @param key a key.
     * @return true if positioned at the last visible key at or before it.
     */
    public boolean seekForPrev(final byte[] key)
    {
        java.util.Objects.requireNonNull(key, "key");
        keyArg.wrap(key);
        return seekForPrev(keyArg, 0, key.length);
    }

    /**
     * A seek anywhere in the key space, for the package's {@link java.util.NavigableMap} view (whose navigations take
     * any key and must answer as if the region's keys were all the keys there are): a key below the region lands on
     * its first key, one above it finds nothing (or, for {@code forPrev}, the region's last key). The same checks as
     * the public seeks otherwise.
     */
    boolean seekAnywhere(final byte[] key, final boolean forPrev)
    {
        java.util.Objects.requireNonNull(key, "key");
        keyArg.wrap(key);
        final TableCursor cursor = c();
        return counted(forPrev ? cursor.seekForPrev(keyArg, 0, key.length) : cursor.seek(keyArg, 0, key.length));
    }

    /**
     * A seek key outside the region is bad input (IAE), after the snapshot is known to be open (ISE), as for
     * {@link Snapshot#get}.
     */
    private void checkInRegion(final DirectBuffer key, final int offset, final int length)
    {
        c();
        if (!Keys.inRange(key, offset, length, region.startKey(), region.endKey()))
        {
            throw new IllegalArgumentException("key outside region " + region);
        }
    }

    /** Argument errors of a synchronous call throw before anything moves: NPE for null, IAE for a bad slice. */
    private static void checkKeyArg(final DirectBuffer key, final int offset, final int length)
    {
        ReadArguments.checkKey(key, offset, length);
    }

    /** @return true if positioned at the first visible key in bounds. */
    public boolean seekToFirst()
    {
        return counted(c().seekToFirst());
    }

    /** @return true if positioned at the last visible key in bounds. */
    public boolean seekToLast()
    {
        return counted(c().seekToLast());
    }

    /** @return true if moved to the next visible key. */
    public boolean next()
    {
        return counted(c().next());
    }

    /** @return true if moved to the previous visible key. */
    public boolean prev()
    {
        return counted(c().prev());
    }

    /** @return true if positioned on a key. */
    public boolean isValid()
    {
        return owner != null && cursor.isValid();
    }

    /** @return the current key's length. */
    public int keyLength()
    {
        return c().keyLength();
    }

    /** @return the current value's length. */
    public int valueLength()
    {
        return c().valueLength();
    }

    /** @return the version of the current entry. */
    public long version()
    {
        return c().version();
    }

    /** @param view wrapped over the current key, zero copy. */
    public void keyView(final DirectBuffer view)
    {
        c().keyView(view);
    }

    /** @param view wrapped over the current value, zero copy. */
    public void valueView(final DirectBuffer view)
    {
        c().valueView(view);
    }

    /**
     * Copy the current key into {@code dst} at {@code offset}.
     *
     * @param dst    destination.
     * @param offset offset.
     * @return bytes copied.
     * @throws NullPointerException     if {@code dst} is null.
     * @throws IllegalArgumentException if {@code offset} is negative or the key does not fit in {@code dst} from
     *                                  there (an expandable buffer grows instead); nothing is copied.
     * @throws IllegalStateException    if not positioned on a key.
     */
    public int copyKey(final MutableDirectBuffer dst, final int offset)
    {
        final TableCursor cur = c();
        checkCopy(dst, offset, cur.keyLength());
        return cur.copyKey(dst, offset);
    }

    /**
     * Copy the current value into {@code dst} at {@code offset}.
     *
     * @param dst    destination.
     * @param offset offset.
     * @return bytes copied.
     * @throws NullPointerException     if {@code dst} is null.
     * @throws IllegalArgumentException if {@code offset} is negative or the value does not fit in {@code dst} from
     *                                  there (an expandable buffer grows instead); nothing is copied.
     * @throws IllegalStateException    if not positioned on a key.
     */
    public int copyValue(final MutableDirectBuffer dst, final int offset)
    {
        final TableCursor cur = c();
        checkCopy(dst, offset, cur.valueLength());
        return cur.copyValue(dst, offset);
    }

    /**
     * The copy's destination, checked here rather than left to Agrona's bounds checks, which a host may turn off
     * (README: "-Dagrona.disable.bounds.checks=true"): a copy past {@code dst} would then write outside the host's
     * buffer. Allocates only on failure.
     */
    private static void checkCopy(final MutableDirectBuffer dst, final int offset, final int length)
    {
        java.util.Objects.requireNonNull(dst, "dst");
        final boolean bad = dst.isExpandable() ?
            offset < 0 || length > Integer.MAX_VALUE - offset :
            ReadArguments.slice("dst", dst.capacity(), offset, length) != null;
        if (bad)
        {
            throw new IllegalArgumentException("dst offset " + offset + " and length " + length +
                " outside a buffer of " + dst.capacity());
        }
    }

    /** @return a copy of the current key. */
    public byte[] key()
    {
        return c().key();
    }

    /** @return a copy of the current value. */
    public byte[] value()
    {
        return c().value();
    }

    /**
     * @return the largest key the cache holds ({@link RegionCacheConfig#maxKeyLength()}). A bound may be longer: any key
     * inside the region bounds an iterator.
     */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }
}
