package io.regioncache.bench.drive;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Validated settings of one {@code drive} run (built by {@link DriveCommand}, or directly by tests and embedders).
 *
 * @param duration          how long the workload runs (ignored when {@code ops > 0}).
 * @param ops               stop after this many operations (reads + write batches), 0 = run for {@code duration}.
 * @param keys              size of the key space (16-byte keys).
 * @param regions           regions at start.
 * @param threads           reader threads.
 * @param skew              zipfian skew of reads and writes, in [0, 1) (0 = uniform).
 * @param scanRatio         fraction of reads that are short scans.
 * @param readRatio         fraction of operations that are reads; the writer paces itself to {@code 1 - readRatio}.
 * @param scanLength        keys per scan (at most; a scan stops at its region's end).
 * @param valueSize         value size in bytes (at least 16).
 * @param batchSize         keys per write batch.
 * @param splitKeys         a region splits once this many keys were written to it since it was created.
 * @param budgetBytes       cache capacity (eviction / stop-load thresholds derived by the engine).
 * @param autoLoadTopN      hot-region policy: regions loaded per round.
 * @param minAmplification  hot-region policy: minimum MVCC amplification.
 * @param policyInterval    policy round interval.
 * @param minResidency      minimum residency before the eviction policy may choose a region.
 * @param gcInterval        how often the safe point advances (to the version current one interval earlier).
 * @param seed              random seed.
 * @param dataDir           RocksDB directory, or null for a temporary one deleted at the end.
 * @param catalog           region catalog file to publish to, or null.
 * @param progress          live progress mode.
 * @param eagerRouting      readers route with a split's new epochs as soon as it is submitted, before the cache
 *                          applied it (stresses the engine: the hot-region policy may then load a region at an
 *                          epoch the apply queue has not reached).
 * @param inlineEntries     the cache's hash index keeps each key's newest version inline (one miss per get, ~270 B of
 *                          index per key) rather than slots only (~16 B per key); see
 *                          {@code RegionCacheConfig.Builder.inlineNewestVersions}.
 */
public record DriveSettings(
    Duration duration, long ops, int keys, int regions, int threads, double skew, double scanRatio, double readRatio,
    int scanLength, int valueSize, int batchSize, long splitKeys, long budgetBytes, int autoLoadTopN,
    double minAmplification, Duration policyInterval, Duration minResidency, Duration gcInterval, long seed,
    Path dataDir, Path catalog, Progress progress, boolean eagerRouting, boolean inlineEntries)
{
    /** Live progress modes. */
    public enum Progress
    {
        /** One line overwritten with {@code \r} if a console is attached, else plain lines. */
        AUTO,
        /** One line overwritten with {@code \r}. */
        TTY,
        /** One line per second. */
        PLAIN,
        /** None. */
        OFF
    }

    /** @return the defaults of the command line. */
    public static DriveSettings defaults()
    {
        return new DriveSettings(Duration.ofSeconds(45), 0, 200_000, 16, 2, 0.99, 0.1, 0.9, 16, 64, 4, 50_000,
            256L << 20, 2, 1.0, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(2), 42, null, null,
            Progress.AUTO, false, true);
    }

    /**
     * @param d the duration.
     * @return a copy running for {@code d}.
     */
    public DriveSettings withDuration(final Duration d)
    {
        return new DriveSettings(d, ops, keys, regions, threads, skew, scanRatio, readRatio, scanLength, valueSize,
            batchSize, splitKeys, budgetBytes, autoLoadTopN, minAmplification, policyInterval, minResidency,
            gcInterval, seed, dataDir, catalog, progress, eagerRouting, inlineEntries);
    }

    /**
     * @param k key count.
     * @param r regions.
     * @param split split threshold.
     * @return a copy with another key space.
     */
    public DriveSettings withKeys(final int k, final int r, final long split)
    {
        return new DriveSettings(duration, ops, k, r, threads, skew, scanRatio, readRatio, scanLength, valueSize,
            batchSize, split, budgetBytes, autoLoadTopN, minAmplification, policyInterval, minResidency,
            gcInterval, seed, dataDir, catalog, progress, eagerRouting, inlineEntries);
    }

    /**
     * @param p progress mode.
     * @return a copy with another progress mode.
     */
    public DriveSettings withProgress(final Progress p)
    {
        return new DriveSettings(duration, ops, keys, regions, threads, skew, scanRatio, readRatio, scanLength,
            valueSize, batchSize, splitKeys, budgetBytes, autoLoadTopN, minAmplification, policyInterval,
            minResidency, gcInterval, seed, dataDir, catalog, p, eagerRouting, inlineEntries);
    }

    /**
     * @return why these settings are invalid, or null.
     */
    public String validate()
    {
        if (ops < 0)
        {
            return "--ops must be positive, was " + ops;
        }
        if (keys < 2 || keys > 50_000_000)
        {
            return "--keys must be in [2, 50000000], was " + keys;
        }
        if (regions < 1 || regions > keys / 2)
        {
            return "--regions must be in [1, keys/2 = " + keys / 2 + "], was " + regions;
        }
        if (threads < 1 || threads > 256)
        {
            return "--threads must be in [1, 256], was " + threads;
        }
        if (!(skew >= 0 && skew < 1))
        {
            return "--skew must be in [0, 1) (0 = uniform), was " + skew;
        }
        if (!(scanRatio >= 0 && scanRatio <= 1))
        {
            return "--scan-ratio must be in [0, 1], was " + scanRatio;
        }
        if (!(readRatio >= 0 && readRatio <= 1))
        {
            return "--read-ratio must be in [0, 1], was " + readRatio;
        }
        if (scanLength < 1 || scanLength > 100_000)
        {
            return "--scan-length must be in [1, 100000], was " + scanLength;
        }
        if (valueSize < 16 || valueSize > (1 << 20))
        {
            return "--value-size must be in [16, 1048576] bytes, was " + valueSize;
        }
        if (batchSize < 1 || batchSize > 10_000)
        {
            return "--batch-size must be in [1, 10000], was " + batchSize;
        }
        if (splitKeys < 1)
        {
            return "--split-keys must be positive, was " + splitKeys;
        }
        if (autoLoadTopN < 0)
        {
            return "--auto-load must be >= 0, was " + autoLoadTopN;
        }
        if (!(minAmplification >= 0))
        {
            return "--min-amplification must be >= 0, was " + minAmplification;
        }
        return null;
    }
}
