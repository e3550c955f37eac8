package io.regioncache.hybrid;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import io.regioncache.CommandResult;
import io.regioncache.MvccHistory;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

/**
 * Builds hybrid views of regions the cache does NOT hold, so the store serves them: each {@link #open} writes the
 * wanted contents with {@link MvccHistory}'s hidden history straight into the store, in a version window of its own
 * above every earlier one, and opens {@link HybridReader#view} at that window's read version.
 * <p>
 * The store is keyed by user key only, so earlier maps' keys would show through: each window starts with an MVCC
 * delete-range of everything at its base version (below the window's writes, above every earlier read version).
 * The last {@link #KEEP_OPEN} views stay open; older ones are closed, and every {@link #GC_EVERY} maps the store's GC drops the history below the oldest open view, so the store does not grow
 * with the number of maps.
 */
public final class HybridViewFixture implements AutoCloseable
{
    private static final int KEEP_OPEN = 8;
    private static final int GC_EVERY = 16;

    private final HybridEngine engine;
    private final HybridReader reader;
    private final Deque<Opened> open = new ArrayDeque<>();
    private long base;
    private long maps;
    private long nextRegionId = 1;
    private final ArrayDeque<Runnable> loads = new ArrayDeque<>();
    private Region lastRegion;
    private long lastReadVersion;

    private record Opened(HybridView view, long base)
    {
    }

    /** @param store an empty store; the fixture owns it and closes it. */
    public HybridViewFixture(final WritableStore store)
    {
        engine = HybridEngine.owning(store, RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).loaderExecutor(loads::add));
        reader = engine.newReader();
    }

    /**
     * @param start   region start (empty: -infinity).
     * @param end     region end (empty: +infinity).
     * @param entries wanted visible contents, in any order; later duplicates win.
     * @param decoys  keys that must read as absent (written, then deleted).
     * @return an open view served by the store (the region is not cached).
     */
    public HybridView open(
        final byte[] start, final byte[] end, final List<Map.Entry<byte[], byte[]>> entries, final List<byte[]> decoys)
    {
        final WritableStore store = engine.store();
        if (maps > 0)
        {
            store.deleteRange(new byte[0], new byte[0], base);
        }
        final Region region = new Region(nextRegionId++, start, end, 1);
        for (final WriteBatch wb : MvccHistory.batches(region, base, entries, decoys))
        {
            store.applyBatch(wb);
        }
        lastRegion = region;
        lastReadVersion = base + MvccHistory.READ_VERSION;
        final HybridView view = reader.view(region, lastReadVersion);
        if (view.servedByCache())
        {
            throw new IllegalStateException("the cache serves a region it was never given");
        }
        open.addLast(new Opened(view, base));
        while (open.size() > KEEP_OPEN)
        {
            open.removeFirst().view().close();
        }
        base += MvccHistory.LAST_VERSION + 1;
        if (++maps % GC_EVERY == 0)
        {
            store.gcBelow(open.peekFirst().base());
        }
        return view;
    }

    /** @return the region of the last {@link #open}. */
    public Region lastRegion()
    {
        return lastRegion;
    }

    /** @return the read version of the last {@link #open}. */
    public long lastReadVersion()
    {
        return lastReadVersion;
    }

    /**
     * Load a region into the cache (from the store, on this thread) and make it ACTIVE.
     *
     * @param region the region.
     */
    public void cache(final Region region)
    {
        final CommandResult r = engine.await(engine.loadRegion(region));
        if (r.code() != ResultCode.OK)
        {
            throw new IllegalStateException("load: " + r);
        }
        Runnable job;
        while ((job = loads.poll()) != null)
        {
            job.run();
        }
        engine.applyCycle();
    }

    /** @return the engine. */
    public HybridEngine engine()
    {
        return engine;
    }

    /** @return the reader the views are made by. */
    public HybridReader reader()
    {
        return reader;
    }

    @Override
    public void close()
    {
        while (!open.isEmpty())
        {
            open.removeFirst().view().close();
        }
        reader.close();
        engine.close();
    }
}
