package io.regioncache;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;


/**
 * Builds cached regions whose visible contents at {@link #READ_VERSION} are exactly a given list of entries, with
 * the MVCC history of {@link MvccHistory} around them.
 * <p>
 * One engine (INVOKER threading: no apply thread) serves every map; each {@link #open} evicts the previous
 * region and creates a new one with a new id. The last {@link #KEEP_OPEN} snapshots stay open, so a test may hold a
 * few maps at once; older ones are closed and their memory returns to the pool.
 */
final class MvccRegionFixture implements AutoCloseable
{
    static final long READ_VERSION = MvccHistory.READ_VERSION;
    private static final int KEEP_OPEN = 8;

    private final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
        .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).build());
    private final Deque<Snapshot> open = new ArrayDeque<>();
    private long nextRegionId = 1;
    private long currentRegionId = -1;

    CommandResult run(final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    private void ok(final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = run(f);
        if (r.code() != ResultCode.OK)
        {
            throw new IllegalStateException("fixture command failed: " + r);
        }
    }

    private void write(final WriteBatch wb)
    {
        if (wb.count() > 0)
        {
            ok(cache.write(wb));
        }
    }

    /**
     * @param start   region start (empty: -infinity).
     * @param end     region end (empty: +infinity).
     * @param entries wanted visible contents, in any order; later duplicates win.
     * @param decoys  keys that must read as absent (written, then deleted).
     * @return an open snapshot at {@link #READ_VERSION}.
     */
    Snapshot open(
        final byte[] start, final byte[] end, final List<Map.Entry<byte[], byte[]>> entries, final List<byte[]> decoys)
    {
        if (currentRegionId >= 0)
        {
            ok(cache.evict(currentRegionId, EvictReason.MANUAL));
        }
        final long id = nextRegionId++;
        final Region region = new Region(id, start, end, 1);
        ok(cache.createRegion(region));
        currentRegionId = id;

        for (final WriteBatch wb : MvccHistory.batches(region, 0, entries, decoys))
        {
            write(wb);
        }

        final Snapshot s = cache.newSnapshot();
        final SnapshotStatus status = s.open(id, 1, READ_VERSION);
        if (status != SnapshotStatus.OK)
        {
            throw new IllegalStateException("snapshot: " + status);
        }
        open.addLast(s);
        while (open.size() > KEEP_OPEN)
        {
            open.removeFirst().dispose();
        }
        return s;
    }

    RegionCache cache()
    {
        return cache;
    }

    @Override
    public void close()
    {
        while (!open.isEmpty())
        {
            open.removeFirst().dispose();
        }
        cache.close();
    }
}
