package io.regioncache.ycsb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.regioncache.RegionCacheConfig;
import io.regioncache.CommandResult;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.Region;

/**
 * The RocksDB hybrid engine as a host would drive it for YCSB: the host owns the region layout and the version
 * sequence; the engine owns RocksDB and the cache.
 * <ul>
 *   <li><b>Regions.</b> One region at first, [-inf, +inf). A region that received {@code splitKeys} inserts splits at
 *   the median of a sample of its inserted keys (new epoch for both pieces; the left piece gets a new id), so the
 *   layout follows the data as TiKV's does. The layout is the host's truth; the cache is told every split and may
 *   or may not hold the region.</li>
 *   <li><b>Writes</b> (insert, update) take the write lock, read-modify-write the record at the latest version,
 *   and go through {@link HybridEngine#write} at the next version: RocksDB first, then the cache, in version
 *   order, as a replicated log's apply would. The write returns once the cache acknowledged it; the acknowledged
 *   version then moves up.</li>
 *   <li><b>Reads and scans</b> go through a {@code HybridReader} at the latest acknowledged version: the cache when it
 *   holds the region at the caller's epoch, RocksDB otherwise (reported to the load-based policy, which loads the
 *   hottest regions).</li>
 *   <li><b>GC</b>: every {@code gcEveryWrites} writes the safe point moves to the version acknowledged one round
 *   earlier ({@link HybridEngine#gc}), so MVCC versions from updates do not pile up.</li>
 * </ul>
 */
final class HybridStore implements AutoCloseable
{
    /** One region of the host's layout. */
    static final class RegionMeta
    {
        final Region region;
        int inserts;
        final List<byte[]> sample = new ArrayList<>();

        RegionMeta(final Region region, final int inserts)
        {
            this.region = region;
            this.inserts = inserts;
        }
    }

    private static final int SAMPLE = 512;

    final HybridEngine engine;
    private final int splitKeys;
    private final long gcEveryWrites;
    private final RocksDbBackingStore rocks;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Region start → region; read lock-free by readers, changed under the write lock. */
    private final ConcurrentSkipListMap<byte[], RegionMeta> layout = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private final AtomicLong acked = new AtomicLong();
    private long version;
    private long nextRegionId = 2;
    private long writesSinceGc;
    private long previousRoundAcked;
    private long splits;

    HybridStore(final Path dir, final long cacheBytes, final int splitKeys, final long gcEveryWrites)
    {
        this.rocks = RocksDbBackingStore.open(dir);
        this.engine = HybridEngine.owning(rocks, cacheConfig(cacheBytes));
        this.splitKeys = splitKeys;
        this.gcEveryWrites = gcEveryWrites;
        final Region first = new Region(1, new byte[0], new byte[0], 1);
        layout.put(first.start(), new RegionMeta(first, 0));
        check(engine.await(engine.createRegion(first)), "create region");
    }

    /**
     * @param cacheBytes the cache capacity ({@code regioncache.cacheBytes}).
     * @return the cache settings of the binding (the runner builds them once to refuse a bad capacity up front).
     */
    static RegionCacheConfig.Builder cacheConfig(final long cacheBytes)
    {
        return RegionCacheConfig.builder()
            .capacityBytes(cacheBytes)
            .autoLoad(4, 1.0)
            .policyIntervalMillis(500)
            .minResidencyMillis(5_000);
    }

    private static void check(final CommandResult r, final String what)
    {
        // OK, or a typed refusal (e.g. the region was evicted for memory): the store still has the data.
        if (r == null)
        {
            throw new IllegalStateException(what + ": no result");
        }
    }

    long ackedVersion()
    {
        return acked.get();
    }

    long splits()
    {
        return splits;
    }

    int regions()
    {
        return layout.size();
    }

    Region regionOf(final byte[] key)
    {
        return layout.floorEntry(key).getValue().region;
    }

    /** @return the region after {@code region}, or null. */
    Region next(final Region region)
    {
        if (region.end().length == 0)
        {
            return null;
        }
        final Map.Entry<byte[], RegionMeta> e = layout.floorEntry(region.end());
        return e == null ? null : e.getValue().region;
    }

    /**
     * Read-modify-write one record at the next version.
     *
     * @param key    the key.
     * @param update fields to set (merged with the record at the latest version).
     * @param insert true for an insert (counts toward the region's split).
     */
    void write(final byte[] key, final Map<String, site.ycsb.ByteIterator> update, final boolean insert)
    {
        final long v;
        final CompletableFuture<CommandResult> f;
        writeLock.lock();
        try
        {
            final RegionMeta meta = layout.floorEntry(key).getValue();
            // The merge reads RocksDB at the newest version: it has every write up to it (written under this
            // lock), while the cache may still be applying the last one.
            final byte[] old = insert || version == 0 ? null : rocks.get(key, version);
            v = ++version;
            final WriteBatch batch = new WriteBatch(meta.region.id(), meta.region.epochVersion(), v)
                .put(key, RecordCodec.merge(old, update));
            f = engine.write(batch);
            if (insert)
            {
                meta.inserts++;
                if (meta.sample.size() < SAMPLE)
                {
                    meta.sample.add(key);
                }
                else
                {
                    final int i = ThreadLocalRandom.current().nextInt(meta.inserts);
                    if (i < SAMPLE)
                    {
                        meta.sample.set(i, key);
                    }
                }
                if (meta.inserts >= splitKeys)
                {
                    split(meta);
                }
            }
        }
        finally
        {
            writeLock.unlock();
        }
        f.join(); // the cache applied it (and everything queued before it)
        acked.accumulateAndGet(v, Math::max);
        maybeGc();
    }

    private void split(final RegionMeta meta)
    {
        final List<byte[]> sorted = new ArrayList<>(meta.sample);
        sorted.sort(Arrays::compareUnsigned);
        final byte[] at = sorted.get(sorted.size() / 2);
        final Region r = meta.region;
        if (!r.contains(at) || Arrays.equals(at, r.start()))
        {
            meta.inserts = 0;
            return;
        }
        final long leftId = nextRegionId++;
        final long epoch = r.epochVersion() + 1;
        engine.split(r.id(), r.epochVersion(), new byte[][] {at}, new long[] {leftId}, epoch);
        final RegionMeta left = new RegionMeta(new Region(leftId, r.start(), at, epoch), meta.inserts / 2);
        final RegionMeta right = new RegionMeta(new Region(r.id(), at, r.end(), epoch), meta.inserts / 2);
        for (final byte[] k : meta.sample)
        {
            (Arrays.compareUnsigned(k, at) < 0 ? left : right).sample.add(k);
        }
        layout.put(left.region.start(), left);
        layout.put(right.region.start(), right);
        splits++;
    }

    private void maybeGc()
    {
        if (gcEveryWrites <= 0)
        {
            return;
        }
        long safePoint = -1;
        writeLock.lock();
        try
        {
            if (++writesSinceGc >= gcEveryWrites)
            {
                writesSinceGc = 0;
                safePoint = previousRoundAcked;
                previousRoundAcked = acked.get();
            }
        }
        finally
        {
            writeLock.unlock();
        }
        if (safePoint > 0)
        {
            engine.gc(safePoint);
        }
    }

    @Override
    public void close()
    {
        engine.close();
    }
}
