package io.regioncache.ycsb;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;

import site.ycsb.ByteIterator;
import site.ycsb.Status;

import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.SnapshotStatus;
import io.regioncache.Region;

/**
 * YCSB binding for RegionCache's RocksDB hybrid engine (see {@link HybridStore} for the write path, regions and
 * GC). Each YCSB thread has its own {@link HybridReader}. Properties:
 * <ul>
 *   <li>{@code regioncache.dir}: data directory (required; see {@link SharedStoreDB}).</li>
 *   <li>{@code regioncache.cacheBytes}: cache capacity (default 2 GiB).</li>
 *   <li>{@code regioncache.splitKeys}: inserts after which a region splits (default 65536).</li>
 *   <li>{@code regioncache.gcEveryWrites}: writes between GC rounds (default 200000; 0 = off).</li>
 * </ul>
 * Reads that RocksDB served are reported to the cache's hot-region tracker
 * ({@code RegionCache.recordStoreRead}), which drives the load-based policy.
 */
public final class RegionCacheHybridDB extends SharedStoreDB<HybridStore>
{
    /** The hybrid engine of a directory, shared by the client threads. */
    static final Kind<HybridStore> KIND = new Kind<>("hybrid", (dir, p) -> new HybridStore(Path.of(dir),
        Long.parseLong(p.getProperty("regioncache.cacheBytes", "" + (2L << 30))),
        Integer.parseInt(p.getProperty("regioncache.splitKeys", "65536")),
        Long.parseLong(p.getProperty("regioncache.gcEveryWrites", "200000"))));

    private HybridReader reader;

    /** For YCSB (by class name). */
    public RegionCacheHybridDB()
    {
        super(KIND);
    }

    @Override
    void opened()
    {
        reader = store().engine.newReader();
    }

    @Override
    void closing()
    {
        if (reader != null)
        {
            reader.close();
            reader = null;
        }
    }

    @Override
    public Status read(final String table, final String key, final Set<String> fields,
        final Map<String, ByteIterator> result)
    {
        final HybridStore store = store();
        final byte[] k = RecordCodec.key(key);
        final Region region = store.regionOf(k);
        final byte[] value = reader.get(region.id(), region.epochVersion(), Math.max(1, store.ackedVersion()), k);
        if (reader.lastStatus() != SnapshotStatus.OK)
        {
            store.engine.cache().recordStoreRead(region, 1, value == null ? 0 : 1);
        }
        return found(value, fields, result);
    }

    @Override
    public Status scan(final String table, final String startkey, final int recordcount, final Set<String> fields,
        final Vector<HashMap<String, ByteIterator>> result)
    {
        final HybridStore store = store();
        byte[] lower = RecordCodec.key(startkey);
        Region region = store.regionOf(lower);
        final long readVersion = Math.max(1, store.ackedVersion());
        while (region != null && result.size() < recordcount)
        {
            final int before = result.size();
            try (HybridScan scan = reader.scan(region.id(), region.epochVersion(), readVersion, lower, region.end()))
            {
                while (result.size() < recordcount && scan.next())
                {
                    result.add(RecordCodec.decodeAll(scan.valueBytes(), fields));
                }
                if (!scan.servedByCache())
                {
                    store.engine.cache().recordStoreRead(region, Math.max(1, result.size() - before),
                        result.size() - before);
                }
            }
            region = store.next(region);
            if (region != null)
            {
                lower = region.start();
            }
        }
        return Status.OK;
    }

    @Override
    Status write(final String key, final Map<String, ByteIterator> values, final boolean insert)
    {
        store().write(RecordCodec.key(key), values, insert);
        return Status.OK;
    }
}
