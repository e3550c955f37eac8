package io.regioncache.hybrid.blackbox27;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.regioncache.RegionCacheConfig;

/**
 * Audit 27: long seeded random histories through {@code HybridEngine}'s public API (writes, deletes, bad writes,
 * delete-ranges, valid and invalid splits, merges and rollbacks, loads, evictions, compactions, GC and safe points,
 * disable/enable), each command's result code and the cache's regions compared with a model, and reads at random
 * versions (get, multiGet, scans, views and their derived maps, the cache's iterator both ways; views and scans
 * kept open across later commands) compared with the model's MVCC history. RocksDB, LMDB and the in-memory store.
 * <p>
 * {@code -Dblackbox27.seed=N} replays one seed (on every store); {@code -Dblackbox27.steps=N} sets the history length;
 * {@code -Dblackbox27.sweep=K} (with {@code -Dblackbox27.sweepBase=B}, default 1) runs seeds B..B+K-1 instead.
 * Every failure names its seed and the last commands.
 */
class HybridModel27Test
{
    static final long[] DEFAULT_SEEDS = {27_001L, 27_002L, 27_003L};

    static List<Arguments> runs()
    {
        final String one = System.getProperty("blackbox27.seed");
        final int sweep = Integer.getInteger("blackbox27.sweep", 0);
        long[] seeds = one == null || one.isBlank() ? DEFAULT_SEEDS : new long[] {Long.parseLong(one.trim())};
        if (sweep > 0)
        {
            seeds = new long[sweep];
            for (int i = 0; i < sweep; i++)
            {
                seeds[i] = Long.getLong("blackbox27.sweepBase", 1L) + i;
            }
        }
        final List<Arguments> out = new ArrayList<>();
        for (final long seed : seeds)
        {
            for (final Bb27.Kind kind : Bb27.Kind.values())
            {
                out.add(Arguments.of(kind, RegionCacheConfig.Threading.INVOKER, false, seed));
            }
            // the embedded default: the engine's own apply thread (README "The hybrid engine": RocksDB)
            out.add(Arguments.of(Bb27.Kind.ROCKSDB, RegionCacheConfig.Threading.DEDICATED_THREAD, false, seed));
            // a cache too small for its regions: MEMORY_LIMIT writes, loads refused or failed for memory
            out.add(Arguments.of(Bb27.Kind.IN_MEMORY, RegionCacheConfig.Threading.INVOKER, true, seed));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} tight={2} seed {3}")
    @MethodSource("runs")
    void randomHistoryMatchesTheModel(final Bb27.Kind kind, final RegionCacheConfig.Threading threading,
        final boolean tight, final long seed, @TempDir final Path dir)
    {
        final int steps = Integer.getInteger("blackbox27.steps", 4000);
        final ModelRun run = new ModelRun(kind, threading, tight, seed, steps, dir);
        run.run();
        System.out.println("blackbox27 " + kind + " " + threading + (tight ? " tight" : "") + " seed " + seed + ": " + steps + " steps, "
            + run.counts);
    }
}
