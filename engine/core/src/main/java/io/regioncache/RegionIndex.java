package io.regioncache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * An immutable snapshot of the live region records: id → record and key → record.
 * <p>
 * Copy-on-write: the apply thread builds a new index for every change (splits, loads and evictions are rare next
 * to reads) and publishes it with a release store ({@link RegionDirectory}); readers use whatever index they
 * loaded with no lock and no retry. Only records in PENDING, LOADING or ACTIVE are in an index; their ranges never
 * overlap.
 */
final class RegionIndex
{
    /** The empty index. */
    public static final RegionIndex EMPTY = new RegionIndex(new Long2ObjectHashMap<>(), new RegionRecord[0]);

    private static final Comparator<RegionRecord> BY_START =
        (a, b) -> Arrays.compareUnsigned(a.region().start(), b.region().start());

    private final Long2ObjectHashMap<RegionRecord> byId;
    private final RegionRecord[] byStart;

    private RegionIndex(final Long2ObjectHashMap<RegionRecord> byId, final RegionRecord[] byStart)
    {
        this.byId = byId;
        this.byStart = byStart;
    }

    /**
     * @param id region id.
     * @return its live record, or null.
     */
    public RegionRecord byId(final long id)
    {
        return byId.get(id);
    }

    /**
     * @param key a key.
     * @return the live record whose range holds the key, or null.
     */
    public RegionRecord byKey(final byte[] key)
    {
        int lo = 0;
        int hi = byStart.length - 1;
        int found = -1;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(byStart[mid].region().start(), key) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        if (found < 0)
        {
            return null;
        }
        final RegionRecord candidate = byStart[found];
        return candidate.region().contains(key) ? candidate : null;
    }

    /**
     * @param start range start.
     * @param end   range end (empty = +infinity).
     * @return the live records overlapping {@code [start, end)}, in key order.
     */
    public List<RegionRecord> overlapping(final byte[] start, final byte[] end)
    {
        final List<RegionRecord> out = new ArrayList<>();
        for (final RegionRecord r : byStart)
        {
            if (r.region().overlaps(start, end))
            {
                out.add(r);
            }
        }
        return out;
    }

    /** @return the number of live records. */
    public int size()
    {
        return byStart.length;
    }

    /** @return the live records in key order (a copy). */
    public List<RegionRecord> records()
    {
        return List.of(byStart);
    }

    /**
     * A new index with {@code removed} taken out and {@code added} put in.
     *
     * @param removed records to remove (by identity).
     * @param added   records to add.
     * @return the new index.
     */
    public RegionIndex with(final Collection<RegionRecord> removed, final Collection<RegionRecord> added)
    {
        final Long2ObjectHashMap<RegionRecord> ids = new Long2ObjectHashMap<>();
        final List<RegionRecord> sorted = new ArrayList<>(byStart.length + added.size());
        for (final RegionRecord r : byStart)
        {
            if (!containsIdentity(removed, r))
            {
                ids.put(r.id(), r);
                sorted.add(r);
            }
        }
        for (final RegionRecord r : added)
        {
            ids.put(r.id(), r);
            sorted.add(r);
        }
        sorted.sort(BY_START);
        return new RegionIndex(ids, sorted.toArray(new RegionRecord[0]));
    }

    private static boolean containsIdentity(final Collection<RegionRecord> records, final RegionRecord r)
    {
        for (final RegionRecord x : records)
        {
            if (x == r)
            {
                return true;
            }
        }
        return false;
    }
}
