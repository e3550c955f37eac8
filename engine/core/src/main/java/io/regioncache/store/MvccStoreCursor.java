package io.regioncache.store;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.ViewStoreCursor;

/**
 * The MVCC half of a {@link StoreCursor} for stores that keep {@link MvccKeyCodec} entries in one sorted key space
 * (RocksDB, LMDB, {@link InMemoryBackingStore}): a subclass moves a raw iterator over stored entries (key ascending,
 * version descending), this class turns those moves into moves over visible keys, both ways.
 * <p>
 * <b>Forward</b> ({@code next}, {@code seek}, {@code seekToFirst}) walks the raw entries in order: each key's first
 * entry at or below the read version decides it (a put is visible, a tombstone hides the key), newer entries are
 * skipped, older ones are stepped over; past {@value #MAX_SKIP} entries of one key it seeks instead, as RocksDB's own
 * iterator does, so a key with a long history costs one seek, not a walk. It allocates only for those seeks.
 * <p>
 * <b>Backward</b> ({@code prev}, {@code seekForPrev}, {@code seekToLast}) cannot decide a key from the entry it meets
 * first: walking backwards, a key's entries come oldest first. So it seeks: from the raw entry before the current
 * key it takes that key {@code P} and seeks to {@code (P, readVersion)}, which lands on P's newest version at or
 * below the read version if P has one; if that is a put, P is the answer, else it seeks to the raw entry before P
 * and repeats. Two seeks per key passed, whatever the number of versions (RocksDB's own reverse iteration reseeks
 * the same way once a key has many versions); each builds a seek key, so backward moves allocate.
 * <p>
 * A subclass implements the five raw moves; each returns whether it landed on an entry and, if so, has wrapped
 * {@link #rawKey} and {@link #rawValue} over the stored key ({@code memcomparable(key) ++ ~version}) and the stored
 * value (a flag byte, then the value). It may lock around every public move ({@link #enter}/{@link #exit}).
 */
public abstract class MvccStoreCursor extends ViewStoreCursor
{
    private static final int UNSTARTED = 0;
    private static final int ON = 1;
    private static final int OFF = 2;

    private static final int NEXT = 0;
    private static final int PREV = 1;
    private static final int FIRST = 2;
    private static final int LAST = 3;
    private static final int SEEK = 4;
    private static final int SEEK_FOR_PREV = 5;
    /** Entries of one key stepped over before seeking instead (RocksDB's max_sequential_skip_in_iterations). */
    private static final int MAX_SKIP = 8;

    /** The raw entry's stored key, wrapped by the subclass after each raw move that lands. */
    protected final UnsafeBuffer rawKey = new UnsafeBuffer(0, 0);
    /** The raw entry's stored value (flag byte first), wrapped with {@link #rawKey}. */
    protected final UnsafeBuffer rawValue = new UnsafeBuffer(0, 0);

    private final long readVersion;
    /** Encoded bounds (no version suffix), null = unbounded. */
    private final byte[] lower;
    private final byte[] upper;
    /** The encoded key of the key last decided (its older versions are skipped going forward). */
    private final UnsafeBuffer decided = new UnsafeBuffer(new byte[64]);
    private int decidedLength = -1;
    private final UnsafeBuffer userKey = new UnsafeBuffer(new byte[64]);
    private int state = UNSTARTED;

    /**
     * @param lower       inclusive lower bound of the range (user key; empty or null = unbounded).
     * @param upper       exclusive upper bound (empty or null = unbounded).
     * @param readVersion the read version.
     */
    protected MvccStoreCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        this.lower = lower == null || lower.length == 0 ? null : MvccKeyCodec.encodeKey(lower);
        this.upper = upper == null || upper.length == 0 ? null : MvccKeyCodec.encodeKey(upper);
        this.readVersion = readVersion;
    }

    // ------------------------------------------------------------------ the subclass's raw iterator

    /** @return true if the raw iterator is on the first stored entry (and the raw views wrap it). */
    protected abstract boolean rawSeekToFirst();

    /** @return true if on the last stored entry. */
    protected abstract boolean rawSeekToLast();

    /**
     * @param target a stored key or an encoded user key without version (which sorts before all its versions).
     * @return true if on the first stored entry at or after {@code target}.
     */
    protected abstract boolean rawSeek(byte[] target);

    /** @return true if on the next stored entry. */
    protected abstract boolean rawNext();

    /** @return true if on the previous stored entry. */
    protected abstract boolean rawPrev();

    /** Called before every public move (e.g. to take the store's lifecycle lock and check the cursor is open). */
    protected void enter()
    {
    }

    /** Called after every public move that {@link #enter} let through. */
    protected void exit()
    {
    }

    /**
     * @param ex what a raw move threw.
     * @return what to throw instead (e.g. a {@link StoreException} for the store's own exception type).
     */
    protected RuntimeException translate(final RuntimeException ex)
    {
        return ex;
    }

    // ------------------------------------------------------------------ public moves

    @Override
    public final boolean next()
    {
        return move(NEXT, null);
    }

    @Override
    public final boolean prev()
    {
        return move(PREV, null);
    }

    @Override
    public final boolean seekToFirst()
    {
        return move(FIRST, null);
    }

    @Override
    public final boolean seekToLast()
    {
        return move(LAST, null);
    }

    @Override
    public final boolean seek(final byte[] key)
    {
        return move(SEEK, MvccKeyCodec.encodeKey(key));
    }

    @Override
    public final boolean seekForPrev(final byte[] key)
    {
        return move(SEEK_FOR_PREV, MvccKeyCodec.encodeKey(key));
    }

    /** {@link #next()} for a caller that already holds what {@link #enter} takes. */
    protected final boolean nextEntered()
    {
        return run(NEXT, null);
    }

    private boolean move(final int op, final byte[] encodedKey)
    {
        enter();
        try
        {
            return run(op, encodedKey);
        }
        finally
        {
            exit();
        }
    }

    private boolean run(final int op, final byte[] encodedKey)
    {
        if (readVersion < 0)
        {
            return off(); // versions are >= 0: nothing is visible
        }
        try
        {
            switch (op)
            {
                case NEXT:
                    return state == UNSTARTED ? first() : state == ON && forward(rawNext());
                case PREV:
                    return state == UNSTARTED ? last() : state == ON && backward(rawBefore(decided, decidedLength));
                case FIRST:
                    return first();
                case LAST:
                    return last();
                case SEEK:
                    return atOrAfter(encodedKey);
                default:
                    return atOrBefore(encodedKey);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            off();
            throw new StoreException("malformed stored entry: " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            off();
            throw translate(ex);
        }
    }

    // ------------------------------------------------------------------ MVCC positioning

    private boolean first()
    {
        decidedLength = -1;
        return forward(lower == null ? rawSeekToFirst() : rawSeek(lower));
    }

    private boolean last()
    {
        return backward(upper == null ? rawSeekToLast() : rawBefore(new UnsafeBuffer(upper), upper.length));
    }

    private boolean atOrAfter(final byte[] key)
    {
        if (lower != null && Arrays.compareUnsigned(key, lower) < 0)
        {
            return first();
        }
        decidedLength = -1;
        return forward(rawSeek(key));
    }

    private boolean atOrBefore(final byte[] key)
    {
        if (upper != null && Arrays.compareUnsigned(key, upper) >= 0)
        {
            return last();
        }
        if (lower != null && Arrays.compareUnsigned(key, lower) < 0)
        {
            return off();
        }
        final UnsafeBuffer k = new UnsafeBuffer(key);
        return newestVisible(k, key.length) || backward(rawBefore(k, key.length));
    }

    /** Walk forward from the raw entry under the iterator to the first visible key. */
    private boolean forward(final boolean landed)
    {
        boolean valid = landed;
        int skipped = 0;
        while (valid)
        {
            final int encodedLength = encodedLength();
            if (upper != null && compareRaw(encodedLength, upper) >= 0)
            {
                break;
            }
            if (decidedLength >= 0 && sameRawKey(encodedLength, decided, decidedLength))
            {
                // an older version of a key already decided: step, or after a few, seek past the key's versions
                valid = ++skipped < MAX_SKIP ? rawNext() : rawSeekVersion(decided, decidedLength, 0, true);
                skipped = skipped < MAX_SKIP ? skipped : 0;
                continue;
            }
            if (MvccKeyCodec.getVersion(rawKey, encodedLength) > readVersion)
            {
                // too new for this read: step, or after a few, seek to the key's newest version at or below it
                valid = ++skipped < MAX_SKIP ? rawNext() : rawSeekVersion(rawKey, encodedLength, readVersion, false);
                skipped = skipped < MAX_SKIP ? skipped : 0;
                continue;
            }
            skipped = 0;
            decide(rawKey, encodedLength);
            if (!tombstone())
            {
                return on(encodedLength);
            }
            valid = rawNext();
        }
        return off();
    }

    /** Walk backward from the raw entry under the iterator (the last one of some key) to the last visible key. */
    private boolean backward(final boolean landed)
    {
        boolean valid = landed;
        while (valid)
        {
            final int encodedLength = encodedLength();
            if (lower != null && compareRaw(encodedLength, lower) < 0)
            {
                break;
            }
            decide(rawKey, encodedLength); // copies the key: the seeks below move the raw views
            if (newestVisible(decided, encodedLength))
            {
                return true;
            }
            valid = rawBefore(decided, encodedLength);
        }
        return off();
    }

    /**
     * Seek to {@code (key, readVersion)}: the key's newest version at or below the read version, if it has one.
     *
     * @return true (and positioned) if that version is a put.
     */
    private boolean newestVisible(final DirectBuffer key, final int length)
    {
        if (!rawSeekVersion(key, length, readVersion, false))
        {
            return false;
        }
        final int encodedLength = encodedLength();
        if (!sameRawKey(encodedLength, key, length) || tombstone())
        {
            return false;
        }
        decide(rawKey, encodedLength);
        return on(encodedLength);
    }

    /**
     * Seek to {@code (key, version)}; with {@code past}, step over that entry if it is there (seeking past the key's
     * oldest possible version, 0, leaves the key).
     */
    private boolean rawSeekVersion(final DirectBuffer key, final int length, final long v, final boolean past)
    {
        final byte[] target = new byte[length + MvccKeyCodec.VERSION_LENGTH];
        key.getBytes(0, target, 0, length);
        MvccKeyCodec.putVersion(new UnsafeBuffer(target), length, v);
        final boolean valid = rawSeek(target);
        return past && valid && sameRawKey(encodedLength(), key, length) ? rawNext() : valid;
    }

    /** Put the raw iterator on the last stored entry whose encoded user key sorts before {@code key}. */
    private boolean rawBefore(final DirectBuffer key, final int length)
    {
        final byte[] target = new byte[length];
        key.getBytes(0, target);
        // The encoded key alone sorts before every version of it (encodings are prefix-free), after all smaller keys.
        return rawSeek(target) ? rawPrev() : rawSeekToLast();
    }

    private int encodedLength()
    {
        final int n = rawKey.capacity() - MvccKeyCodec.VERSION_LENGTH;
        if (n <= 0)
        {
            throw new IllegalArgumentException("stored key of " + rawKey.capacity() + " bytes is too short");
        }
        return n;
    }

    private int compareRaw(final int encodedLength, final byte[] bound)
    {
        final int n = Math.min(encodedLength, bound.length);
        for (int i = 0; i < n; i++)
        {
            final int c = Integer.compare(rawKey.getByte(i) & 0xFF, bound[i] & 0xFF);
            if (c != 0)
            {
                return c;
            }
        }
        return Integer.compare(encodedLength, bound.length);
    }

    private boolean sameRawKey(final int encodedLength, final DirectBuffer other, final int otherLength)
    {
        if (encodedLength != otherLength)
        {
            return false;
        }
        for (int i = 0; i < encodedLength; i++)
        {
            if (rawKey.getByte(i) != other.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    private void decide(final DirectBuffer key, final int encodedLength)
    {
        if (decided.capacity() < encodedLength)
        {
            decided.wrap(new byte[Math.max(encodedLength, decided.capacity() * 2)]);
        }
        decided.putBytes(0, key, 0, encodedLength);
        decidedLength = encodedLength;
    }

    private boolean tombstone()
    {
        if (rawValue.capacity() < 1)
        {
            throw new IllegalArgumentException("stored value without a flag byte");
        }
        final byte flag = rawValue.getByte(0);
        if (flag != MvccKeyCodec.FLAG_PUT && flag != MvccKeyCodec.FLAG_DELETE)
        {
            throw new IllegalArgumentException("unknown value flag " + flag);
        }
        return flag == MvccKeyCodec.FLAG_DELETE;
    }

    /** Expose the raw entry (a visible put) as the current key. */
    private boolean on(final int encodedLength)
    {
        if (userKey.capacity() < encodedLength)
        {
            userKey.wrap(new byte[Math.max(encodedLength, userKey.capacity() * 2)]);
        }
        final int userKeyLength = MvccKeyCodec.decodeKey(rawKey, 0, encodedLength, userKey, 0);
        expose(userKey, userKeyLength, rawValue, 1, rawValue.capacity() - 1,
            MvccKeyCodec.getVersion(rawKey, encodedLength));
        state = ON;
        return true;
    }

    private boolean off()
    {
        state = OFF;
        decidedLength = -1;
        return false;
    }
}
