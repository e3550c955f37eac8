package io.regioncache.hybrid;

import java.util.NavigableMap;

import io.regioncache.Bytes;
import io.regioncache.Snapshot;
import io.regioncache.StoreView;

/**
 * A read-only view of one region at one read version through a {@link HybridEngine}, made by
 * {@link HybridReader#view}: served by the cache when the region was ACTIVE at the caller's epoch when the view
 * opened (the view then pins it), else by the store over the region's range ({@link StoreView}). Its maps have the
 * semantics of {@link Snapshot#asNavigableMap()} whichever source serves: the region's visible keys in unsigned
 * order, sub-maps, descending views and navigation, mutators refused.
 * <p>
 * One thread at a time. Close it: that unpins the cached region (which eviction waits for) or closes the store
 * cursors still open; its maps throw {@link IllegalStateException} afterwards.
 */
public final class HybridView implements AutoCloseable
{
    private final Snapshot snapshot;
    private final StoreView store;

    HybridView(final Snapshot snapshot, final StoreView store)
    {
        this.snapshot = snapshot;
        this.store = store;
    }

    /** @return true if the cache serves this view (false: the store). */
    public boolean servedByCache()
    {
        return snapshot != null;
    }

    /**
     * @return the region's visible keys and values as a read-only map of {@code byte[]} (fresh copies; equality by
     * array identity, see {@link #asBytesMap()}).
     * @throws IllegalStateException if the view is closed.
     */
    public NavigableMap<byte[], byte[]> asNavigableMap()
    {
        return snapshot != null ? snapshot.asNavigableMap() : store.asNavigableMap();
    }

    /**
     * @return {@link #asNavigableMap()} keyed and valued by {@link Bytes}, so equality works by content.
     * @throws IllegalStateException if the view is closed.
     */
    public NavigableMap<Bytes, Bytes> asBytesMap()
    {
        return snapshot != null ? snapshot.asBytesMap() : store.asBytesMap();
    }

    /** @return the store view when the store serves, else null (for tests and diagnostics). */
    public StoreView storeView()
    {
        return store;
    }

    /** Unpin the region or close the store cursors. Idempotent. */
    @Override
    public void close()
    {
        if (snapshot != null)
        {
            snapshot.dispose();
        }
        else
        {
            store.close();
        }
    }
}
