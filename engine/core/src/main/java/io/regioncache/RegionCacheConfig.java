package io.regioncache;

import io.regioncache.internal.memory.MemoryBudget;

import java.util.concurrent.Executor;
import java.util.function.LongConsumer;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;


/**
 * Settings of a {@link RegionCache}, built with {@link #builder()} and validated by {@link Builder#build()} with
 * messages that say what is wrong.
 */
public final class RegionCacheConfig
{
    /** How the apply thread runs. */
    public enum Threading
    {
        /** A dedicated thread ({@code AgentRunner}) runs the ApplyAgent. */
        DEDICATED_THREAD,
        /** The caller drives the ApplyAgent with {@link RegionCache#applyCycle()} (deterministic tests). */
        INVOKER
    }

    /** Largest {@link Builder#commandQueueCapacity}: 2^24 slots. */
    static final int MAX_COMMAND_QUEUE_CAPACITY = 1 << 24;

    private final int segmentSize;
    private final long capacityBytes;
    private final int maxKeyLength;
    private final int maxValueLength;
    private final int commandQueueCapacity;
    private final int commandDrainLimit;
    private final Threading threading;
    private final IdleStrategy idleStrategy;
    private final BackingStore backingStore;
    private final Executor loaderExecutor;
    private final Executor gcExecutor;
    private final java.nio.file.Path countersFile;
    private final long countersIntervalMillis;
    private final boolean pipelinedLoads;
    private final int loadScanThreads;
    private final boolean inlineNewestVersions;
    private final boolean hugePages;
    private final long closeTimeoutMillis;
    private final long evictThresholdBytes;
    private final long stopLoadThresholdBytes;
    private final long policyIntervalMillis;
    private final long minResidencyMillis;
    private final double maxEvictFractionPerRound;
    private final double gcGarbageRatio;
    private final int autoLoadTopN;
    private final double autoLoadMinAmplification;
    private final long loadBackoffMillis;
    private final NanoClock nanoClock;
    private final LongConsumer onLoadInstalled;

    private RegionCacheConfig(final Builder b, final long evict, final long stopLoad)
    {
        segmentSize = b.segmentSize;
        capacityBytes = b.capacityBytes;
        maxKeyLength = b.maxKeyLength;
        maxValueLength = b.maxValueLength;
        commandQueueCapacity = b.commandQueueCapacity;
        commandDrainLimit = b.commandDrainLimit;
        threading = b.threading;
        idleStrategy = b.idleStrategy;
        backingStore = b.backingStore;
        loaderExecutor = b.loaderExecutor;
        gcExecutor = b.gcExecutor;
        countersFile = b.countersFile;
        countersIntervalMillis = b.countersIntervalMillis;
        pipelinedLoads = b.pipelinedLoads;
        loadScanThreads = b.loadScanThreads;
        inlineNewestVersions = b.inlineNewestVersions;
        hugePages = b.hugePages;
        closeTimeoutMillis = b.closeTimeoutMillis;
        evictThresholdBytes = evict;
        stopLoadThresholdBytes = stopLoad;
        policyIntervalMillis = b.policyIntervalMillis;
        minResidencyMillis = b.minResidencyMillis;
        maxEvictFractionPerRound = b.maxEvictFractionPerRound;
        gcGarbageRatio = b.gcGarbageRatio;
        autoLoadTopN = b.autoLoadTopN;
        autoLoadMinAmplification = b.autoLoadMinAmplification;
        loadBackoffMillis = b.loadBackoffMillis;
        onLoadInstalled = b.onLoadInstalled;
        nanoClock = b.nanoClock;
    }

    /** @return a builder with the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return segment size in bytes (a power of two). */
    public int segmentSize()
    {
        return segmentSize;
    }

    /** @return hard memory capacity in bytes. */
    public long capacityBytes()
    {
        return capacityBytes;
    }

    /** @return largest key accepted. */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    /** @return largest value accepted. */
    public int maxValueLength()
    {
        return maxValueLength;
    }

    /** @return capacity of the host command queue. */
    public int commandQueueCapacity()
    {
        return commandQueueCapacity;
    }

    /** @return commands the apply thread takes per duty cycle. */
    public int commandDrainLimit()
    {
        return commandDrainLimit;
    }

    /** @return how the apply thread runs. */
    public Threading threading()
    {
        return threading;
    }

    /**
     * @return how the apply thread waits when idle: the strategy the host gave, or, by default, a marker instance
     * shared by every default config, which the engine replaces with a strategy of its own that is woken when work is
     * queued (see {@link Builder#idleStrategy}); given to another builder it means the default there too. Not meant
     * to be idled on by a host's own threads.
     */
    public IdleStrategy idleStrategy()
    {
        return idleStrategy;
    }

    /** @return the store regions are loaded from, or null (then only created regions are cached). */
    public BackingStore backingStore()
    {
        return backingStore;
    }

    /** @return runs load jobs, or null for the engine's own loader thread. */
    public Executor loaderExecutor()
    {
        return loaderExecutor;
    }

    /** @return runs compaction (MVCC GC) jobs, or null for the engine's own GC thread. */
    public Executor gcExecutor()
    {
        return gcExecutor;
    }

    /** @return the memory-mapped counters file another process can read ({@link CountersFile}), or null. */
    public java.nio.file.Path countersFile()
    {
        return countersFile;
    }

    /** @return how often the counters file is refreshed. */
    public long countersIntervalMillis()
    {
        return countersIntervalMillis;
    }

    /** @return true if a load scans the store on a second thread while the loader inserts. */
    public boolean pipelinedLoads()
    {
        return pipelinedLoads;
    }

    /** @return the threads that scan the store for a pipelined load (1 or 2). */
    public int loadScanThreads()
    {
        return loadScanThreads;
    }

    /** @return true if buffers of 2 MiB and more are backed by transparent huge pages where possible. */
    public boolean hugePages()
    {
        return hugePages;
    }

    /** @return true if the hash index keeps each key's newest version inline (one memory miss per get). */
    public boolean inlineNewestVersions()
    {
        return inlineNewestVersions;
    }

    /** @return how long close waits for open snapshots to drain. */
    public long closeTimeoutMillis()
    {
        return closeTimeoutMillis;
    }

    /** @return background eviction starts above this many bytes in use. */
    public long evictThresholdBytes()
    {
        return evictThresholdBytes;
    }

    /** @return no new loads start at or above this many bytes in use. */
    public long stopLoadThresholdBytes()
    {
        return stopLoadThresholdBytes;
    }

    /** @return how often the apply thread runs the eviction and GC policy. */
    public long policyIntervalMillis()
    {
        return policyIntervalMillis;
    }

    /** @return a region loaded more recently than this is never chosen by the eviction policy (tikv#18093). */
    public long minResidencyMillis()
    {
        return minResidencyMillis;
    }

    /** @return at most this fraction of the cached regions (at least one) is evicted per policy round. */
    public double maxEvictFractionPerRound()
    {
        return maxEvictFractionPerRound;
    }

    /** @return a region is compacted when at least this fraction of its table's entries are old versions. */
    public double gcGarbageRatio()
    {
        return gcGarbageRatio;
    }

    /** @return regions the load policy may load per round (0 = load-based caching off). */
    public int autoLoadTopN()
    {
        return autoLoadTopN;
    }

    /** @return minimum MVCC amplification for the load policy to load a region. */
    public double autoLoadMinAmplification()
    {
        return autoLoadMinAmplification;
    }

    /** @return a range whose load failed for memory is not loaded again for this long. */
    public long loadBackoffMillis()
    {
        return loadBackoffMillis;
    }

    /** @return called with each region a finished load made ACTIVE, or null ({@link Builder#onLoadInstalled}). */
    public LongConsumer onLoadInstalled()
    {
        return onLoadInstalled;
    }

    /** @return the engine's time source: policy intervals, residency, durations (tests inject a manual one). */
    NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * The default idle strategy's marker: an engine given this instance (the builder's default) idles its dedicated
     * apply thread on its own {@code ApplyThreadWake} (spin 100, yield 10, park up to 1 ms, woken when work is queued)
     * and never calls this one; it is the same schedule without the wake-up, for a reader of {@link #idleStrategy()}.
     */
    static final IdleStrategy DEFAULT_IDLE_STRATEGY = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);

    /**
     * Builds a validated {@link RegionCacheConfig}.
     */
    public static final class Builder
    {
        private int segmentSize = 1 << 20;
        private long capacityBytes = 1L << 30;
        private int maxKeyLength = 4096;
        private int maxValueLength = 8 << 20;
        private int commandQueueCapacity = 64 * 1024;
        private int commandDrainLimit = 256;
        private Threading threading = Threading.DEDICATED_THREAD;
        private IdleStrategy idleStrategy = DEFAULT_IDLE_STRATEGY;
        private BackingStore backingStore;
        private Executor loaderExecutor;
        private Executor gcExecutor;
        private java.nio.file.Path countersFile;
        private long countersIntervalMillis = 250;
        private boolean pipelinedLoads = true;
        private int loadScanThreads = 1;
        private boolean inlineNewestVersions = true;
        private boolean hugePages;
        private long closeTimeoutMillis = 5_000;
        /** Long.MIN_VALUE = not set: derive TiKV's default from the capacity. */
        private long evictThresholdBytes = Long.MIN_VALUE;
        private long stopLoadThresholdBytes = Long.MIN_VALUE;
        private long regionSizeHint = 96L << 20;
        private long policyIntervalMillis = 1_000;
        private long minResidencyMillis = 60_000;
        private double maxEvictFractionPerRound = 0.1;
        private double gcGarbageRatio = 0.5;
        private int autoLoadTopN;
        private double autoLoadMinAmplification = 10;
        private long loadBackoffMillis = 60_000;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;
        private LongConsumer onLoadInstalled;

        private Builder()
        {
        }

        /**
         * A table takes whole segments, so each that holds a node costs at least one, charged to the budget (a created
         * or loaded region has its own table; split pieces share their parent's): a host caching many small regions
         * sets a smaller size.
         *
         * @param bytes segment size, a power of two between 4 KiB and 1 GiB (default 1 MiB).
         * @return this.
         */
        public Builder segmentSize(final int bytes)
        {
            segmentSize = bytes;
            return this;
        }

        /**
         * @param bytes hard memory capacity (default 1 GiB): a write that would exceed it evicts its region.
         * @return this.
         */
        public Builder capacityBytes(final long bytes)
        {
            capacityBytes = bytes;
            return this;
        }

        /**
         * @param length largest key accepted (default 4096).
         * @return this.
         */
        public Builder maxKeyLength(final int length)
        {
            maxKeyLength = length;
            return this;
        }

        /**
         * @param length largest value accepted (default 8 MiB).
         * @return this.
         */
        public Builder maxValueLength(final int length)
        {
            maxValueLength = length;
            return this;
        }

        /**
         * @param capacity capacity of the host command queue, a power of two in [2, 2^24] (default 65536; the queue is
         *                 one array of that many slots, allocated at create).
         * @return this.
         */
        public Builder commandQueueCapacity(final int capacity)
        {
            commandQueueCapacity = capacity;
            return this;
        }

        /**
         * @param limit commands taken per duty cycle (default 256).
         * @return this.
         */
        public Builder commandDrainLimit(final int limit)
        {
            commandDrainLimit = limit;
            return this;
        }

        /**
         * @param mode how the apply thread runs.
         * @return this.
         */
        public Builder threading(final Threading mode)
        {
            threading = mode;
            return this;
        }

        /**
         * How the dedicated apply thread waits when it has nothing to do. The default spins 100 times, yields 10 times,
         * then parks for up to 1 ms, and the engine wakes it as soon as a command is submitted or a load or compaction
         * finishes: a command does not wait for the park to end, and an idle engine wakes about 1,000 times a second
         * (the policy's timed work, such as the reclaim of an evicted region whose last snapshot closed, runs up to
         * 1 ms late). A strategy given here replaces it whole and is not woken: a command can then wait up to that
         * strategy's longest park (Agrona's {@code BackoffIdleStrategy(100, 10, 1_000, 100_000)}, the default before
         * 2026-12-07, woke 10,000 times a second; {@code BusySpinIdleStrategy} keeps a core busy and never waits).
         * Unused with {@link Threading#INVOKER}, where the host runs the duty cycle.
         *
         * @param strategy how the apply thread waits when idle.
         * @return this.
         */
        public Builder idleStrategy(final IdleStrategy strategy)
        {
            idleStrategy = strategy;
            return this;
        }

        /**
         * @param store the store regions are loaded from; the engine does not close it.
         * @return this.
         */
        public Builder backingStore(final BackingStore store)
        {
            backingStore = store;
            return this;
        }

        /**
         * @param executor runs load jobs (tests pass a manual executor); null for the engine's loader thread. An
         *                 executor passed here stays the host's: {@link RegionCache#close()} never shuts it down (a
         *                 load it has not started by then is canceled and does nothing when it runs). One whose
         *                 {@code execute} throws (a {@code RejectedExecutionException} or anything else) fails that
         *                 load, counted in {@code loads.failed}; anything but a rejection also in {@code apply.errors}.
         * @return this.
         */
        public Builder loaderExecutor(final Executor executor)
        {
            loaderExecutor = executor;
            return this;
        }

        /**
         * @param executor runs compaction jobs (tests pass a manual executor); null for the engine's GC thread.
         *                 Kept apart from the loader so a long compaction never delays a load. An executor passed
         *                 here stays the host's: {@link RegionCache#close()} never shuts it down. One whose
         *                 {@code execute} throws fails that compaction (its tables given back); anything but a
         *                 {@code RejectedExecutionException} is counted in {@code apply.errors} too.
         * @return this.
         */
        public Builder gcExecutor(final Executor executor)
        {
            gcExecutor = executor;
            return this;
        }

        /**
         * Publish the metrics to a memory-mapped file that another process reads while the host runs (Agrona's
         * {@code CountersManager}, as Aeron's driver does); {@code java -jar regioncache.jar stat --file F} prints it.
         *
         * @param file the file (replaced), or null for none (the default).
         * @return this.
         */
        public Builder countersFile(final java.nio.file.Path file)
        {
            countersFile = file;
            return this;
        }

        /**
         * @param millis how often a daemon thread refreshes the counters file (default 250).
         * @return this.
         */
        public Builder countersIntervalMillis(final long millis)
        {
            countersIntervalMillis = millis;
            return this;
        }

        /**
         * @param pipelined true (default) to scan the backing store on the engine's load-scan thread while the
         *                  loader inserts (a load then costs about the longer of the two, not their sum); false to
         *                  do both on the loader thread.
         * @return this.
         */
        public Builder pipelinedLoads(final boolean pipelined)
        {
            pipelinedLoads = pipelined;
            return this;
        }

        /**
         * @param threads 1 (default) for one load-scan thread; 2 to let a pipelined load scan the rest of a large
         *                region in two halves at once, on two load-scan threads, when the backing store's snapshot
         *                offers a key that halves it ({@link BackingSnapshot#splitKey}: RocksDB and the in-memory
         *                store do). The loader links the first half's nodes, then the second's, so the table is the
         *                same. For a host with cores to spare during loads: on the 2-core test host a 1M-key RocksDB
         *                load measured the same either way (the scan and the loader already keep both cores busy;
         *                README, "Loading"). Ignored when {@link #pipelinedLoads} is false.
         * @return this.
         */
        public Builder loadScanThreads(final int threads)
        {
            loadScanThreads = threads;
            return this;
        }

        /**
         * @param inline true (default) for the one-miss point get: every hash-index slot has a 128-byte entry
         *               holding its key's newest version inline (key, version, and value when key plus value fit
         *               in 116 bytes), so a get at the newest version reads one entry instead of a slot and then a
         *               node. The price is memory: about 270 bytes of index per key instead of 16 (at 1M keys the
         *               index is ~270 MB beside ~170 MB of nodes), all charged to {@link #capacityBytes()}. false
         *               keeps the 8-byte slots only: gets are slot + node (two dependent misses on a table much
         *               larger than the CPU cache) and the cache holds about 2.4 times as many keys in the same
         *               budget. With true the entries are still a per-generation choice: under memory pressure
         *               (see {@link #loadBackoffMillis}), or when they would take usage to the stop-load threshold,
         *               an index generation is built slots-only, so a budget too small for the hot data holds as
         *               many keys as with false; false means slots only always.
         * @return this.
         */
        public Builder inlineNewestVersions(final boolean inline)
        {
            inlineNewestVersions = inline;
            return this;
        }

        /**
         * @param huge true to back every off-heap buffer of 2 MiB or more with transparent huge pages (Linux, JDK
         *             22+: the memory is {@code madvise(MADV_HUGEPAGE)}-ed through the foreign function API before
         *             its first touch). That is the hash index (at 1M keys, 16 MB of slots and 256 MB of entries,
         *             the memory a point get misses in) and the node segments when {@link #segmentSize} is 2 MiB
         *             or more. A huge page covers 512 times what a 4 KiB page does, so random reads over a large
         *             table miss the TLB far less. Where it cannot be had (JDK 17, another OS, THP disabled, native
         *             access denied) the engine logs why once and allocates as without; on JDK 17 the JVM option
         *             is the environment variable {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} (glibc 2.35+),
         *             which needs no flag here. Default false: a huge page is 2 MiB of resident memory even when
         *             only part of it is used, and the gain is workload- and machine-dependent (see the README).
         * @return this.
         */
        public Builder hugePages(final boolean huge)
        {
            hugePages = huge;
            return this;
        }

        /**
         * @param millis how long close waits for open snapshots to drain and running loads to end, {@code >= 0}
         *               (default 5000).
         * @return this.
         */
        public Builder closeTimeoutMillis(final long millis)
        {
            closeTimeoutMillis = millis;
            return this;
        }

        /**
         * @param bytes background eviction starts above this (default: TiKV's rule,
         *              {@code capacity - min(capacity / 10, 200 MiB)}).
         * @return this.
         */
        public Builder evictThresholdBytes(final long bytes)
        {
            evictThresholdBytes = bytes;
            return this;
        }

        /**
         * @param bytes no new loads at or above this (default: TiKV's rule,
         *              {@code evict - min(15% of capacity, 2 * regionSize + 200 MiB)}).
         * @return this.
         */
        public Builder stopLoadThresholdBytes(final long bytes)
        {
            stopLoadThresholdBytes = bytes;
            return this;
        }

        /**
         * @param bytes typical region size, {@code >= 0}, used only to derive the default stop-load threshold
         *              (default 96 MiB).
         * @return this.
         */
        public Builder regionSizeHint(final long bytes)
        {
            regionSizeHint = bytes;
            return this;
        }

        /**
         * @param millis how often the eviction and GC policy runs on the apply thread (default 1000).
         * @return this.
         */
        public Builder policyIntervalMillis(final long millis)
        {
            policyIntervalMillis = millis;
            return this;
        }

        /**
         * @param millis minimum time a region stays cached before the policy may evict it (default 60000).
         * @return this.
         */
        public Builder minResidencyMillis(final long millis)
        {
            minResidencyMillis = millis;
            return this;
        }

        /**
         * @param fraction cap on regions evicted per policy round, as a fraction of those cached (default 0.1).
         * @return this.
         */
        public Builder maxEvictFractionPerRound(final double fraction)
        {
            maxEvictFractionPerRound = fraction;
            return this;
        }

        /**
         * @param ratio fraction of old versions in a table that triggers its compaction (default 0.5).
         * @return this.
         */
        public Builder gcGarbageRatio(final double ratio)
        {
            gcGarbageRatio = ratio;
            return this;
        }

        /**
         * Turn on load-based caching: each policy round loads up to {@code topN} uncached regions whose store reads
         * stepped over at least {@code minAmplification} entries per key returned. The host reports those reads
         * with {@link RegionCache#recordStoreRead} (it knows the region's range and epoch; the drive tool reports
         * the reads its hybrid readers served from RocksDB).
         *
         * @param topN             regions per round, {@code >= 0}; 0 turns it off (the default).
         * @param minAmplification minimum MVCC amplification (TiKV uses 10), {@code >= 0} and not NaN.
         * @return this.
         */
        public Builder autoLoad(final int topN, final double minAmplification)
        {
            autoLoadTopN = topN;
            autoLoadMinAmplification = minAmplification;
            return this;
        }

        /**
         * @param millis after a load fails because the memory budget ran out, that range is not loaded again for
         *               this long (default 60000), and after that only if its estimated size fits. The same period
         *               is how long after the last sign of memory pressure (a load stopped or refused for memory,
         *               eviction for memory) new hash-index generations are built without their inline entries.
         * @return this.
         */
        public Builder loadBackoffMillis(final long millis)
        {
            loadBackoffMillis = millis;
            return this;
        }

        /**
         * A host that waits for a region to become ACTIVE (a replica waiting for its leader's warm load) is told
         * here instead of polling {@link RegionCache#stateOf}. Called on the apply thread once per region a load
         * installed, after it became ACTIVE; never on the write path. It must return quickly and must not call
         * back into the cache's command methods and wait for them (the apply thread would wait for itself). A
         * listener that throws is logged and counted ({@code apply.errors}); the region stays ACTIVE and the load's
         * other regions (pieces of a split made while it ran) are still told.
         *
         * @param listener called with the region's id (default: none).
         * @return this.
         */
        public Builder onLoadInstalled(final LongConsumer listener)
        {
            onLoadInstalled = listener;
            return this;
        }

        /**
         * Package-private: tests advance a manual clock (Agrona's {@code CachedNanoClock}) instead of sleeping.
         *
         * @param clock the engine's time source (default: {@code System.nanoTime()}).
         * @return this.
         */
        Builder nanoClock(final NanoClock clock)
        {
            nanoClock = clock;
            return this;
        }

        /**
         * @return the validated config.
         * @throws IllegalArgumentException naming the first bad setting.
         */
        public RegionCacheConfig build()
        {
            if (Integer.bitCount(segmentSize) != 1 || segmentSize < 4096 || segmentSize > (1 << 30))
            {
                throw new IllegalArgumentException(
                    "segmentSize must be a power of two in [4096, 2^30], was " + segmentSize);
            }
            if (capacityBytes < segmentSize)
            {
                throw new IllegalArgumentException(
                    "capacityBytes (" + capacityBytes + ") must hold at least one segment (" + segmentSize + ")");
            }
            if (maxKeyLength < 1 || maxKeyLength > 65535)
            {
                throw new IllegalArgumentException("maxKeyLength must be in [1, 65535], was " + maxKeyLength);
            }
            if (maxValueLength < 0 || maxValueLength > (1 << 30))
            {
                throw new IllegalArgumentException("maxValueLength must be in [0, 2^30], was " + maxValueLength);
            }
            // The upper bound: the queue is one array allocated at create, and 2^30 slots (a legal int power of
            // two) would be an OutOfMemoryError there instead of a refused setting here.
            if (Integer.bitCount(commandQueueCapacity) != 1 || commandQueueCapacity < 2 ||
                commandQueueCapacity > MAX_COMMAND_QUEUE_CAPACITY)
            {
                throw new IllegalArgumentException(
                    "commandQueueCapacity must be a power of two in [2, 2^24], was " + commandQueueCapacity);
            }
            if (commandDrainLimit < 1)
            {
                throw new IllegalArgumentException("commandDrainLimit must be >= 1, was " + commandDrainLimit);
            }
            if (loadScanThreads < 1 || loadScanThreads > 2)
            {
                throw new IllegalArgumentException("loadScanThreads must be 1 or 2, was " + loadScanThreads);
            }
            if (threading == null || idleStrategy == null || nanoClock == null)
            {
                throw new IllegalArgumentException("threading, idleStrategy and nanoClock must not be null");
            }
            if (loadBackoffMillis < 0)
            {
                throw new IllegalArgumentException("loadBackoffMillis must be >= 0, was " + loadBackoffMillis);
            }
            if (closeTimeoutMillis < 0)
            {
                throw new IllegalArgumentException("closeTimeoutMillis must be >= 0, was " + closeTimeoutMillis);
            }
            if (regionSizeHint < 0)
            {
                throw new IllegalArgumentException("regionSizeHint must be >= 0, was " + regionSizeHint);
            }
            // Derived thresholds are locals: writing them back would make a reused builder keep stale values
            // after its capacity changed.
            final long[] defaults = MemoryBudget.defaultThresholds(capacityBytes, regionSizeHint);
            final long evict = evictThresholdBytes == Long.MIN_VALUE ? defaults[0] : evictThresholdBytes;
            final long stopLoad = stopLoadThresholdBytes == Long.MIN_VALUE ?
                Math.min(defaults[1], evict) : stopLoadThresholdBytes;
            if (evict < 0)
            {
                throw new IllegalArgumentException("evictThresholdBytes must be >= 0, was " + evict);
            }
            final String bad = MemoryBudget.validate(capacityBytes, evict, stopLoad);
            if (bad != null)
            {
                throw new IllegalArgumentException(bad);
            }
            if (countersIntervalMillis < 1)
            {
                throw new IllegalArgumentException("countersIntervalMillis must be >= 1, was " + countersIntervalMillis);
            }
            if (policyIntervalMillis < 1 || minResidencyMillis < 0)
            {
                throw new IllegalArgumentException("policyIntervalMillis must be >= 1 and minResidencyMillis >= 0");
            }
            if (!(maxEvictFractionPerRound > 0 && maxEvictFractionPerRound <= 1))
            {
                throw new IllegalArgumentException(
                    "maxEvictFractionPerRound must be in (0, 1], was " + maxEvictFractionPerRound);
            }
            // !(x >= 0) refuses NaN too: a NaN minimum would silently turn load-based caching off.
            if (autoLoadTopN < 0 || !(autoLoadMinAmplification >= 0))
            {
                throw new IllegalArgumentException("autoLoad topN and minAmplification must be >= 0, were " +
                    autoLoadTopN + " and " + autoLoadMinAmplification);
            }
            if (!(gcGarbageRatio > 0 && gcGarbageRatio <= 1))
            {
                throw new IllegalArgumentException("gcGarbageRatio must be in (0, 1], was " + gcGarbageRatio);
            }
            return new RegionCacheConfig(this, evict, stopLoad);
        }
    }
}
