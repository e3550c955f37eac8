package io.regioncache.hybrid;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.regioncache.RegionCache;
import io.regioncache.RegionInfo;
import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * Compares a cached region with its backing store at one version and reports every divergence.
 * <p>
 * The cache side is a snapshot opened at {@code Long.MAX_VALUE}, so it reads at {@code V} = the last whole batch
 * the region has applied; every visible key is iterated. The store side is a store snapshot opened afterwards and
 * reduced to the keys visible at the same {@code V}. Because the host writes the store before the cache, the store
 * already holds every write the cache applied up to {@code V}; later writes (version above {@code V}) are filtered
 * out. The check can therefore run on a live engine, with no need to stop writes.
 * <p>
 * Usable from tests and from an operator's tool running inside the host process (RocksDB allows one process to
 * open a database, so an offline command line tool could not compare with the live cache):
 * {@code CrossCheck.check(engine, regionId)} or {@link #checkAll(HybridEngine)}.
 */
public final class CrossCheck
{
    /** The most lists of the cache's regions {@link #checkAll} reads. */
    private static final int CHECK_ALL_PASSES = 8;

    private CrossCheck()
    {
    }

    /** What kind of divergence. */
    public enum Kind
    {
        /** The store has a visible value the cache does not. */
        MISSING_IN_CACHE,
        /** The cache has a visible value the store does not. */
        MISSING_IN_STORE,
        /** Both have the key with different values. */
        DIFFERENT
    }

    /**
     * One divergence.
     *
     * @param kind       what kind.
     * @param key        the key.
     * @param cacheValue the cache's value, or null.
     * @param storeValue the store's value, or null.
     */
    public record Divergence(Kind kind, byte[] key, byte[] cacheValue, byte[] storeValue)
    {
        @Override
        public String toString()
        {
            return kind + " key=" + Region.hex(key) + " cache=" + (cacheValue == null ? "-" : Region.hex(cacheValue)) +
                " store=" + (storeValue == null ? "-" : Region.hex(storeValue));
        }
    }

    /**
     * The outcome for one region.
     *
     * @param regionId     region.
     * @param status       {@link SnapshotStatus#OK} if compared, else why the cache snapshot could not be opened.
     * @param readVersion  the version compared at ({@code V}).
     * @param keysCompared visible keys seen on either side.
     * @param divergences  every divergence found, in key order.
     */
    public record Report(
        long regionId, SnapshotStatus status, long readVersion, long keysCompared, List<Divergence> divergences)
    {
        /** @return true if the region was compared and nothing diverged. */
        public boolean ok()
        {
            return status == SnapshotStatus.OK && divergences.isEmpty();
        }
    }

    /**
     * Check one region of a hybrid engine.
     *
     * @param engine   the engine.
     * @param regionId the region.
     * @return the report.
     */
    public static Report check(final HybridEngine engine, final long regionId)
    {
        return check(engine.cache(), engine.store(), regionId);
    }

    /**
     * Check every ACTIVE region of a hybrid engine, each once (regions split or evicted meanwhile report their status;
     * a region whose record a compaction or split replaced while the list was read is found in the next list).
     *
     * @param engine the engine.
     * @return one report per region.
     */
    public static List<Report> checkAll(final HybridEngine engine)
    {
        final List<Report> out = new ArrayList<>();
        final Set<Long> checked = new HashSet<>();
        // A region whose record a compaction (or a split) replaced while the list was read shows in that list as its
        // old, RETIRED record, and its successor is in the next list: read the list again until it shows no ACTIVE
        // region not checked yet (a drive's cross-check compared 217 of 218 regions with compactions running).
        // Bounded: an engine that keeps replacing records gets at most this many passes.
        for (int pass = 0; pass < CHECK_ALL_PASSES; pass++)
        {
            boolean more = false;
            for (final RegionInfo info : engine.cache().regions())
            {
                if (info.state() == RegionState.ACTIVE && checked.add(info.region().id()))
                {
                    out.add(check(engine, info.region().id()));
                    more = true;
                }
            }
            if (!more)
            {
                break;
            }
        }
        return out;
    }


    /**
     * Check one cached region against any backing store (the engine's, or another holding the same history).
     *
     * @param cache    the cache.
     * @param store    the store.
     * @param regionId the region.
     * @return the report.
     */
    public static Report check(final RegionCache cache, final BackingStore store, final long regionId)
    {
        final Region region = cache.region(regionId);
        if (region == null)
        {
            return new Report(regionId, SnapshotStatus.NOT_CACHED, -1, 0, Collections.emptyList());
        }
        final Snapshot snap = cache.newSnapshot();
        try
        {
            final SnapshotStatus status = snap.open(regionId, region.epochVersion(), Long.MAX_VALUE);
            if (status != SnapshotStatus.OK)
            {
                return new Report(regionId, status, -1, 0, Collections.emptyList());
            }
            final long v = snap.readVersion();
            final Region pinned = snap.region();
            final SnapshotIterator it = snap.iterator();
            final Merger merger = new Merger(it);
            try (BackingSnapshot storeSnap = store.openSnapshot())
            {
                storeSnap.scan(pinned.start(), pinned.end(),
                    (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
                    {
                        final byte[] k = new byte[keyLength];
                        key.getBytes(keyOffset, k);
                        if (merger.decided != null && Arrays.equals(merger.decided, k))
                        {
                            return true; // an older version of a key already decided
                        }
                        if (version > v)
                        {
                            return true; // too new: an older version may follow
                        }
                        merger.decided = k;
                        if (value != null)
                        {
                            final byte[] val = new byte[valueLength];
                            value.getBytes(valueOffset, val);
                            merger.onStoreKey(k, val);
                        }
                        return true;
                    });
            }
            merger.finish();
            return new Report(regionId, SnapshotStatus.OK, v, merger.keys, merger.divergences);
        }
        finally
        {
            snap.dispose();
        }
    }

    /** Merges the store's visible keys (pushed in order) with the cache iterator (pulled). */
    private static final class Merger
    {
        final SnapshotIterator it;
        final List<Divergence> divergences = new ArrayList<>();
        byte[] decided;
        boolean cacheValid;
        long keys;

        Merger(final SnapshotIterator it)
        {
            this.it = it;
            this.cacheValid = it.seekToFirst();
        }

        void onStoreKey(final byte[] key, final byte[] value)
        {
            while (cacheValid)
            {
                final byte[] ck = it.key();
                final int c = Arrays.compareUnsigned(ck, key);
                if (c < 0)
                {
                    divergences.add(new Divergence(Kind.MISSING_IN_STORE, ck, it.value(), null));
                    keys++;
                    cacheValid = it.next();
                    continue;
                }
                if (c == 0)
                {
                    final byte[] cv = it.value();
                    if (!Arrays.equals(cv, value))
                    {
                        divergences.add(new Divergence(Kind.DIFFERENT, key, cv, value));
                    }
                    keys++;
                    cacheValid = it.next();
                    return;
                }
                break;
            }
            divergences.add(new Divergence(Kind.MISSING_IN_CACHE, key, null, value));
            keys++;
        }

        void finish()
        {
            while (cacheValid)
            {
                divergences.add(new Divergence(Kind.MISSING_IN_STORE, it.key(), it.value(), null));
                keys++;
                cacheValid = it.next();
            }
        }
    }
}
