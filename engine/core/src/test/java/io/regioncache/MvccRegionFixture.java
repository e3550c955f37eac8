package io.regioncache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;


/**
 * Builds cached regions whose visible contents at {@link #READ_VERSION} are exactly a given list of entries, with
 * MVCC history around them that a correct view must hide:
 * <ul>
 *   <li>every wanted key was first written with another value and then deleted (shadowed versions, a tombstone
 *   below the visible put);</li>
 *   <li>a key given twice is written at two versions, the later entry at the newer version (last one wins, as for
 *   a map built from the same entries);</li>
 *   <li>every "decoy" key (the keys a test will query but that must be absent) is written and then deleted, so the
 *   newest visible version is a tombstone;</li>
 *   <li>every wanted key gets a newer value, and every decoy a resurrection, at {@code READ_VERSION + 1}: applied,
 *   but above the snapshot's read version, so invisible.</li>
 * </ul>
 * One engine (INVOKER threading: no apply thread) serves every map; each {@link #open} evicts the previous
 * region and creates a new one with a new id. The last {@link #KEEP_OPEN} snapshots stay open, so a test may hold a
 * few maps at once; older ones are closed and their memory returns to the pool.
 */
final class MvccRegionFixture implements AutoCloseable
{
    static final long READ_VERSION = 100;
    private static final int KEEP_OPEN = 8;
    private static final byte[] JUNK = {(byte)0xDE, (byte)0xAD};

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

        final TreeMap<byte[], Integer> occurrences = new TreeMap<>(Arrays::compareUnsigned);
        final List<byte[]> wanted = new ArrayList<>();
        final List<byte[]> hidden = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : entries)
        {
            if (region.contains(e.getKey()) && occurrences.put(e.getKey(), 0) == null)
            {
                wanted.add(e.getKey());
            }
        }
        for (final byte[] d : decoys)
        {
            if (region.contains(d) && !occurrences.containsKey(d))
            {
                hidden.add(d);
            }
        }
        // v1: junk for everyone; v2: delete everyone; v3..: the entries, the i-th occurrence of a key at v(3+i)
        final WriteBatch v1 = new WriteBatch(id, 1, 1);
        final WriteBatch v2 = new WriteBatch(id, 1, 2);
        for (final byte[] k : wanted)
        {
            v1.put(k, JUNK);
            v2.delete(k);
        }
        for (final byte[] k : hidden)
        {
            v1.put(k, JUNK);
        }
        write(v1);
        write(v2);
        final List<WriteBatch> layers = new ArrayList<>();
        for (final Map.Entry<byte[], byte[]> e : entries)
        {
            if (!region.contains(e.getKey()))
            {
                continue;
            }
            final int layer = occurrences.merge(e.getKey(), 1, Integer::sum) - 1;
            while (layers.size() <= layer)
            {
                layers.add(new WriteBatch(id, 1, 3 + layers.size()));
            }
            layers.get(layer).put(e.getKey(), e.getValue());
        }
        for (final WriteBatch wb : layers)
        {
            write(wb);
        }
        final WriteBatch tombstones = new WriteBatch(id, 1, READ_VERSION);
        for (final byte[] k : hidden)
        {
            tombstones.delete(k);
        }
        write(tombstones);
        final WriteBatch future = new WriteBatch(id, 1, READ_VERSION + 1);
        for (final byte[] k : wanted)
        {
            future.put(k, JUNK);
        }
        for (final byte[] k : hidden)
        {
            future.put(k, JUNK);
        }
        write(future);

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
