package io.regioncache;

import java.util.Arrays;

/**
 * An immutable description of a region of the host store: id, key range {@code [start, end)} (an empty
 * {@code end} means +infinity) and epoch {@code (version, confVersion)}.
 * <p>
 * An open bound is an empty array. A null bound is never read as "open": the description keeps an empty array in its
 * place (so nothing that reads it fails), but {@link #validate()} reports it, so every command given such a region
 * answers {@code INVALID} (a null from a bug in the host must not cache, load or replace the whole key space).
 */
public final class Region
{
    private static final byte[] EMPTY = new byte[0];

    private final long id;
    private final byte[] start;
    private final byte[] end;
    private final long epochVersion;
    private final long confVersion;
    /** True if start or end was null: refused by {@link #validate()}. */
    private final boolean nullBound;

    /**
     * @param id           region id.
     * @param start        inclusive start key (empty = -infinity; null is refused by {@link #validate()}).
     * @param end          exclusive end key (empty = +infinity; null is refused by {@link #validate()}).
     * @param epochVersion epoch version (grows on split and merge), 0..{@link StateWord#MAX_EPOCH_VERSION}.
     * @param confVersion  epoch conf version.
     */
    public Region(final long id, final byte[] start, final byte[] end, final long epochVersion, final long confVersion)
    {
        this.id = id;
        this.start = start == null ? EMPTY : start.clone();
        this.end = end == null ? EMPTY : end.clone();
        this.epochVersion = epochVersion;
        this.confVersion = confVersion;
        this.nullBound = start == null || end == null;
    }

    /**
     * @param id           region id.
     * @param start        inclusive start key (empty = -infinity; null is refused by {@link #validate()}).
     * @param end          exclusive end key (empty = +infinity; null is refused by {@link #validate()}).
     * @param epochVersion epoch version.
     */
    public Region(final long id, final byte[] start, final byte[] end, final long epochVersion)
    {
        this(id, start, end, epochVersion, 1);
    }

    /**
     * The checks every command makes of a region it is given at the call (besides the engine's key length limit):
     * a reserved (negative) id, a null bound, an epoch outside {@code 0..2^32-1}, an empty or inverted range.
     *
     * @return why this description is invalid, or null if it is valid.
     */
    public String validate()
    {
        if (id < 0)
        {
            // Every command refuses a reserved id; validate() must not call such a region valid.
            return "region id " + id + " is reserved (region ids are 0.." + Long.MAX_VALUE + ")";
        }
        if (nullBound)
        {
            return "range bound is null (an open bound is an empty array)";
        }
        if (epochVersion < 0 || epochVersion > StateWord.MAX_EPOCH_VERSION)
        {
            return "epoch version " + epochVersion + " outside 0.." + StateWord.MAX_EPOCH_VERSION;
        }
        if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0)
        {
            return "empty or inverted range: start >= end";
        }
        return null;
    }

    /** @return region id. */
    public long id()
    {
        return id;
    }

    /**
     * @return a copy of the inclusive start key (empty for -infinity). A copy, so that a caller that changes it cannot
     * change the range of a region the engine holds: the regions it hands out ({@code RegionCache.region},
     * {@code regionFor}, {@code regions()}, {@code Snapshot.region()}) are its own descriptions.
     */
    public byte[] start()
    {
        return start.clone();
    }

    /**
     * @return a copy of the exclusive end key, empty for +infinity (a copy: see {@link #start()}).
     */
    public byte[] end()
    {
        return end.clone();
    }

    /** @return true if the range has no lower bound (its start is empty); allocates nothing. */
    public boolean isStartUnbounded()
    {
        return start.length == 0;
    }

    /** @return true if the range has no upper bound (its end is empty); allocates nothing. */
    public boolean isEndUnbounded()
    {
        return end.length == 0;
    }

    /**
     * @param other another region.
     * @return true if both have the same range {@code [start, end)}, whatever their ids and epochs; allocates nothing.
     */
    public boolean sameRange(final Region other)
    {
        return Arrays.equals(start, other.start) && Arrays.equals(end, other.end);
    }

    /**
     * Engine only: the start key itself, not a copy, for the engine's checks on read and apply paths, which must not
     * allocate. Never handed to host code.
     */
    byte[] startKey()
    {
        return start;
    }

    /** Engine only: the end key itself (see {@link #startKey()}). */
    byte[] endKey()
    {
        return end;
    }

    /** @return epoch version. */
    public long epochVersion()
    {
        return epochVersion;
    }

    /** @return epoch conf version. */
    public long confVersion()
    {
        return confVersion;
    }

    /**
     * @param key a key.
     * @return true if {@code start <= key < end}.
     */
    public boolean contains(final byte[] key)
    {
        return Arrays.compareUnsigned(key, start) >= 0 && (end.length == 0 || Arrays.compareUnsigned(key, end) < 0);
    }

    /**
     * @param otherStart start of another range.
     * @param otherEnd   end of another range (empty = +infinity).
     * @return true if the two ranges share at least one key.
     */
    public boolean overlaps(final byte[] otherStart, final byte[] otherEnd)
    {
        if (otherEnd.length > 0 && Arrays.compareUnsigned(otherStart, otherEnd) >= 0)
        {
            return false; // an empty range overlaps nothing
        }
        final boolean thisEndsBefore = end.length > 0 && Arrays.compareUnsigned(end, otherStart) <= 0;
        final boolean otherEndsBefore = otherEnd.length > 0 && Arrays.compareUnsigned(otherEnd, start) <= 0;
        return !thisEndsBefore && !otherEndsBefore;
    }

    /**
     * @param newStart start key.
     * @param newEnd   end key.
     * @param newId    id.
     * @param newEpoch epoch version.
     * @return a description with another id, range and epoch.
     */
    public Region derive(final long newId, final byte[] newStart, final byte[] newEnd, final long newEpoch)
    {
        return new Region(newId, newStart, newEnd, newEpoch, confVersion);
    }

    @Override
    public String toString()
    {
        return "Region{id=" + id + ", [" + hex(start) + ", " + (end.length == 0 ? "+inf" : hex(end)) +
            "), epoch=" + epochVersion + "/" + confVersion + "}";
    }

    /**
     * @param key bytes.
     * @return hex rendering for logs.
     */
    public static String hex(final byte[] key)
    {
        final StringBuilder sb = new StringBuilder(key.length * 2);
        for (final byte b : key)
        {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /**
     * Same id, range and epoch version: the same data, whatever the conf version (a membership change moves no key).
     * What "this region is cached already" means to a load.
     */
    boolean sameData(final Region r)
    {
        return id == r.id && epochVersion == r.epochVersion && nullBound == r.nullBound &&
            Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof Region))
        {
            return false;
        }
        final Region r = (Region)o;
        return id == r.id && epochVersion == r.epochVersion && confVersion == r.confVersion &&
            nullBound == r.nullBound && Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(id) * 31 + Long.hashCode(epochVersion);
    }
}
