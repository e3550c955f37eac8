package io.regioncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.List;

/**
 * Holds the current {@link RegionIndex}. Written only by the apply thread ({@link #publishRelease}); read by any
 * thread ({@link #currentAcquire}). The release store pairs with the readers' acquire load, so a reader that sees
 * a new index also sees the records it contains fully constructed.
 */
final class RegionDirectory
{
    private static final VarHandle CURRENT;

    static
    {
        try
        {
            CURRENT = MethodHandles.lookup().findVarHandle(RegionDirectory.class, "current", RegionIndex.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @SuppressWarnings("unused") // accessed through CURRENT
    private volatile RegionIndex current = RegionIndex.EMPTY;

    /** @return the current index (acquire load). */
    public RegionIndex currentAcquire()
    {
        return (RegionIndex)CURRENT.getAcquire(this);
    }

    /**
     * Apply thread: publish a new index.
     *
     * @param index the new index.
     */
    public void publishRelease(final RegionIndex index)
    {
        CURRENT.setRelease(this, index);
    }

    /**
     * Apply thread: replace records in the current index and publish the result.
     *
     * @param removed records leaving.
     * @param added   records entering.
     */
    public void replace(final Collection<RegionRecord> removed, final Collection<RegionRecord> added)
    {
        publishRelease(currentAcquire().with(removed, added));
    }

    /**
     * Apply thread: remove one record.
     *
     * @param record the record leaving.
     */
    public void remove(final RegionRecord record)
    {
        replace(List.of(record), List.of());
    }

    /**
     * Apply thread: add one record.
     *
     * @param record the record entering.
     */
    public void add(final RegionRecord record)
    {
        replace(List.of(), List.of(record));
    }
}
