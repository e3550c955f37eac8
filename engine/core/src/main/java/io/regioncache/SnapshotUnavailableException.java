package io.regioncache;

/**
 * Thrown by the convenience {@code RegionCache.snapshot(...)} when no snapshot can be opened; carries the typed
 * {@link SnapshotStatus}. The allocation-free path, {@link Snapshot#open}, returns the status instead.
 */
public final class SnapshotUnavailableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final SnapshotStatus status;

    /**
     * @param status   why.
     * @param regionId the region asked for.
     */
    public SnapshotUnavailableException(final SnapshotStatus status, final long regionId)
    {
        super("snapshot of region " + regionId + " unavailable: " + status, null, false, false);
        this.status = status;
    }

    /** @return why no snapshot could be opened. */
    public SnapshotStatus status()
    {
        return status;
    }
}
