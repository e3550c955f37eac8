package io.regioncache;

/**
 * What a {@link SnapshotMapView} reads: the visible keys of one key range at one read version, through cursors
 * that move both ways ({@link StoreCursor}: a cache snapshot's iterator or a store's cursor) and point lookups.
 * Confined to one thread at a time, like the views over it.
 */
interface MapSource
{
    /**
     * @return a new, unpositioned cursor over the whole range; the source closes it on {@link #release} or when
     * the source itself is closed.
     */
    StoreCursor newCursor();

    /** @param cursor a cursor of {@link #newCursor()} nobody will move again. */
    void release(StoreCursor cursor);

    /**
     * @param key a key inside the range.
     * @return a copy of its visible value, or null if absent or deleted.
     */
    byte[] get(byte[] key);

    /**
     * @param key a key.
     * @return true if it lies inside the range.
     */
    boolean contains(byte[] key);

    /** @throws IllegalStateException if the source can no longer be read (its snapshot closed or re-opened). */
    void check();
}
