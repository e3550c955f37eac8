package io.regioncache.bench.drive;

import io.regioncache.rocksdb.RocksDbBackingStore;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.bench.support.TempDirs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.RegionState;
import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.catalog.CatalogPublisher;
import io.regioncache.catalog.ChronicleRegionCatalog;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridMetrics;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.StoreException;
import io.regioncache.MetricsSnapshot;
import io.regioncache.SnapshotStatus;

/**
 * The {@code drive} workload: a {@link HybridEngine} on RocksDB fed as a replicated store would feed it.
 * <ul>
 * <li><b>Setup.</b> {@code keys} keys over {@code regions} equal regions, written at versions 1..k (one batch per
 * 512 keys of a region) through the engine; nothing is cached yet, so they reach RocksDB only.</li>
 * <li><b>Writer</b> (one thread, as the host's apply stream): batches of {@code batchSize} keys of one region at
 * strictly increasing versions, keys drawn zipfian (rank r is key index r, so hot keys cluster at the start of the
 * key space and gather MVCC versions), 2% of the ops deletes. It paces itself so that write batches are
 * {@code (1 - readRatio) / readRatio} times the reads issued so far ({@code readRatio = 1}: no writes;
 * {@code 0}: writes only, readers idle). A region that received {@code splitKeys} key writes since it was created
 * splits in the middle of its range (not below 64 keys): the left half gets a new id, the right half keeps the id,
 * both at epoch + 1. Readers switch to the new table once the cache has applied the split (its future completed):
 * a store's reads see a split once it is applied. With {@code --eager-routing} they switch as soon as the writer
 * submitted it, so reads (and the hot-region tracker) run ahead of the apply queue.</li>
 * <li><b>Readers</b> ({@code threads}): zipfian gets, and short scans with probability {@code scanRatio}, through a
 * {@link HybridReader} at the newest version the cache acknowledged, with the region id and epoch of the driver's
 * current table. Every value is checked (it names its key and a version not above the read version).</li>
 * <li><b>Load-based caching.</b> {@link HybridReader} does not report store-served reads to the cache's hot-region
 * tracker, so the readers do ({@link RegionCache#recordStoreRead}): a get served by RocksDB counts
 * {@code stepped = 1} (a point get seeks straight to the newest version at or below the read version; versions
 * above it are not stepped over), {@code returned = 1} if found; a scan counts, per key returned, the number of
 * versions the driver believes the key has in RocksDB (writes since the last GC round that collapsed it), and
 * {@code returned} = keys returned. Approximate: deleted keys a scan stepped over are not counted.</li>
 * <li><b>GC.</b> Every {@code gcInterval} the safe point moves to the version current one interval earlier
 * ({@link HybridEngine#gc}: the cache's safe point, then a RocksDB sweep); the cache compacts regions by itself.</li>
 * </ul>
 * At the end every cached region is compared with RocksDB ({@link CrossCheck#checkAll}).
 */
public final class Driver
{
    private static final int LOAD_BATCH = 512;
    /** How often {@link #monitor} checks the ops count and the deadline between its once-a-second lines. */
    private static final long POLL_NANOS = 5_000_000L;
    /** How long the end of the run waits for the loads under way when the workload ended (loads paused). */
    private static final long LOADS_END_TIMEOUT_NANOS = 60_000_000_000L;

    private final DriveSettings s;
    private final PrintWriter err;
    private final DriveKeys keys;
    private final KeyPicker picker;
    private final AtomicLong readVersion = new AtomicLong();
    private final AtomicIntegerArray versions;
    private final AtomicLongArray lastWrite;
    private final LongAdder reads = new LongAdder();
    private final LongAdder readErrors = new LongAdder();
    private final LongAdder wrongValues = new LongAdder();
    private final AtomicReference<String> firstReadProblem = new AtomicReference<>();
    private final AtomicLongArray writeResults = new AtomicLongArray(ResultCode.values().length);
    private final AtomicLongArray splitResults = new AtomicLongArray(ResultCode.values().length);
    /** The readers' routing table: the host's view as of the last split the cache applied. */
    private volatile RegionTable table;
    /** The writer's table (the host's apply stream is ahead of what reads see). */
    private volatile RegionTable writerTable;
    private volatile boolean stop;
    /**
     * With {@code --ops N}: operations not yet claimed. Each read and each write batch claims one before it starts,
     * so the run issues exactly N (checking a count after the fact let every thread's operation in flight through).
     */
    private final AtomicLong opsLeft = new AtomicLong();
    private volatile long writeBatches;
    private volatile long keyWrites;
    private volatile long splits;
    private volatile long lastVersion;
    private volatile Throwable failure;
    private HybridEngine engine;
    /** The acknowledged-write log ({@code --data-dir} only), or null. */
    private AckLog ackLog;
    /** The engine's memory-mapped counters file ({@code drive --counters}), or null. */
    private Path countersFile;

    private Driver(final DriveSettings settings, final PrintWriter err)
    {
        this.s = settings;
        this.err = err;
        this.keys = new DriveKeys(settings.keys());
        this.picker = new KeyPicker(settings);
        this.versions = new AtomicIntegerArray(settings.keys());
        this.lastWrite = new AtomicLongArray(settings.keys());
    }

    /**
     * The engine configuration of a run (also used to validate {@code --budget}).
     *
     * @param s settings.
     * @return the builder (its backing store is set by the hybrid engine).
     * @throws IllegalArgumentException if the settings make no valid configuration.
     */
    static RegionCacheConfig.Builder cacheConfig(final DriveSettings s)
    {
        final RegionCacheConfig.Builder b = RegionCacheConfig.builder()
            .capacityBytes(s.budgetBytes())
            .regionSizeHint(Math.min(96L << 20, Math.max(1L << 20, s.budgetBytes() / 16)))
            .autoLoad(s.autoLoadTopN(), s.minAmplification())
            .policyIntervalMillis(Math.max(1, s.policyInterval().toMillis()))
            .minResidencyMillis(s.minResidency().toMillis())
            .inlineNewestVersions(s.inlineEntries())
            .segmentSize(s.budgetBytes() >= (64L << 20) ? 1 << 20 : 64 << 10);
        b.build(); // validate now, with the engine's message
        return b;
    }

    /**
     * Run a workload.
     *
     * @param settings validated settings.
     * @param err      where live progress goes (null: none).
     * @return the report.
     * @throws IOException if the data directory cannot be created.
     */
    public static DriveReport run(final DriveSettings settings, final PrintWriter err) throws IOException
    {
        final String bad = settings.validate();
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
        return run(settings, err, null);
    }

    /**
     * Run a workload whose engine also publishes its counters to a memory-mapped file.
     *
     * @param settings     validated settings.
     * @param err          where live progress goes (null: none).
     * @param countersFile the counters file ({@code regioncache stat --file}), or null.
     * @return the report.
     * @throws IOException if the data directory cannot be created.
     */
    public static DriveReport run(final DriveSettings settings, final PrintWriter err, final Path countersFile)
        throws IOException
    {
        final String bad = settings.validate();
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
        final Driver d = new Driver(settings, err);
        d.countersFile = countersFile;
        return d.run();
    }

    private DriveReport run() throws IOException
    {
        final DriveReport rep = new DriveReport();
        rep.settings = s;
        final boolean tempDir = s.dataDir() == null;
        final Path dir = tempDir ? Files.createTempDirectory("regioncache-drive-") : s.dataDir();
        // A run stopped by SIGTERM or SIGINT (or System.exit) deletes its temporary directory too; SIGKILL cannot.
        final Thread deleteOnExit = tempDir ? new Thread(() -> deleteOnExit(dir), "drive-temp-dir-delete") : null;
        if (deleteOnExit != null)
        {
            Runtime.getRuntime().addShutdownHook(deleteOnExit);
        }
        final long t0 = System.nanoTime();
        ChronicleRegionCatalog catalog = null;
        CatalogPublisher publisher = null;
        final ScheduledExecutorService gcTimer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "drive-gc");
            t.setDaemon(true);
            return t;
        });
        try
        {
            Files.createDirectories(dir);
            final AckLog.Previous previous = !tempDir && AckLog.isDriveDir(dir) ? AckLog.read(dir) : null;
            if (previous != null && (previous.keys() != s.keys() || previous.valueSize() != s.valueSize()))
            {
                throw new IllegalArgumentException("--data-dir " + dir + " holds " + previous.keys() + " keys of " +
                    previous.valueSize() + " bytes; this run asks for " + s.keys() + " of " + s.valueSize());
            }
            if (!tempDir && previous == null)
            {
                AckLog.writeMeta(dir, s.keys(), s.valueSize());
            }
            final RocksDbBackingStore store;
            try
            {
                store = RocksDbBackingStore.open(dir);
            }
            catch (final RuntimeException ex)
            {
                // before any workload: most often another drive holding the directory (RocksDB's LOCK)
                throw new StoreRefused(tempDir ? "RocksDB cannot open the temporary directory " + dir + " (" +
                    ex.getMessage() + ")" : "--data-dir " + dir + ": RocksDB cannot open it (" + ex.getMessage() +
                    "); is another drive running on it?", ex);
            }
            if (previous != null)
            {
                verifyAcknowledged(store, previous, rep);
                // A failed check stays failed: recorded in D the first time, reported by every later resume.
                rep.acksLostEarlier = AckLog.readLost(dir);
                if (rep.acksMissing > 0 && rep.acksLostEarlier == 0)
                {
                    AckLog.writeLost(dir, rep.acksMissing, rep.ackSamples);
                }
            }
            if (!tempDir)
            {
                ackLog = AckLog.open(dir, previous == null ? 0 : previous.lastVersion());
            }
            if (previous != null)
            {
                resume(store, previous, rep);
            }
            engine = HybridEngine.owning(store, cacheConfig(s).countersFile(countersFile));
            final RegionCache cache = engine.cache();
            rep.capacity = cache.config().capacityBytes();
            rep.evictThreshold = cache.config().evictThresholdBytes();
            rep.stopLoadThreshold = cache.config().stopLoadThresholdBytes();
            table = RegionTable.initial(keys, s.regions());
            writerTable = table;
            rep.regionsAtStart = table.size();
            if (previous == null)
            {
                loadInitialData(rep);
            }
            if (s.catalog() != null)
            {
                Files.deleteIfExists(s.catalog()); // a stale catalog of an earlier run would list dead regions
                catalog = ChronicleRegionCatalog.open(s.catalog().toFile(),
                    Math.max(1024, (long)keys.size() / KeyPicker.MIN_REGION_KEYS + s.regions() + 64));
                publisher = new CatalogPublisher(cache, catalog, 500);
            }
            rep.setupSeconds = (System.nanoTime() - t0) / 1e9;

            final GcRound gc = new GcRound();
            final long gcMs = s.gcInterval().toMillis();
            gcTimer.scheduleWithFixedDelay(gc, gcMs, gcMs, TimeUnit.MILLISECONDS);
            final List<Reader> readers = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < s.threads(); i++)
            {
                final Reader r = new Reader(i);
                readers.add(r);
                threads.add(new Thread(r, "drive-reader-" + i));
            }
            final Writer writer = new Writer();
            threads.add(new Thread(writer, "drive-writer"));
            final long start = System.nanoTime();
            opsLeft.set(s.ops());
            threads.forEach(Thread::start);
            monitor(start, rep);
            stop = true;
            for (final Thread t : threads)
            {
                joinUninterruptibly(t);
            }
            rep.seconds = (System.nanoTime() - start) / 1e9;
            gcTimer.shutdown();
            gcTimer.awaitTermination(60, TimeUnit.SECONDS);
            if (failure != null)
            {
                throw new IllegalStateException("workload thread failed: " + failure, failure);
            }
            if (writer.last != null)
            {
                engine.await(writer.last); // the cache has applied every write
            }
            for (final Reader r : readers)
            {
                rep.cacheLatency.add(r.cacheHist);
                rep.storeLatency.add(r.storeHist);
                rep.gets += r.gets;
                rep.scans += r.scans;
                rep.scannedKeys += r.scannedKeys;
            }
            // Every read, those that finished after the monitor's last look included: reads = gets + scans.
            rep.reads = rep.gets + rep.scans;
            rep.gcRounds = gc.rounds;
            rep.gcSafePoint = gc.safePoint;
            rep.storeEntriesDropped = gc.dropped;
            rep.gcMillis = gc.millis;
            rep.gcCpuMillis = gc.cpuMillis;

            // The load policy keeps asking for loads after the workload: pause them and let the running ones end, so
            // that every region cached at the end is one the cross-check compares (a region that became ACTIVE after
            // the check was left uncompared, and the run still passed).
            cache.pauseLoads(true);
            awaitLoadsEnded(cache);
            final long c0 = System.nanoTime();
            crossCheck(rep);
            rep.crossCheckSeconds = (System.nanoTime() - c0) / 1e9;
            collect(rep);
            rep.memoryAtEnd = rep.metrics.get("memory.used");
            // The engine's own high-water mark, raised by every charge: exact where a sampler missed a load's copy or
            // an index generation that came and went between two looks (this report sampled every 5 ms before).
            // Both from the final metrics: one snapshot, so the peak is never below the memory at the end.
            rep.memoryPeak = rep.metrics.get("memory.peak");
            if (publisher != null)
            {
                publisher.close(); // publishes the final region list
                publisher = null;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        finally
        {
            stop = true;
            gcTimer.shutdownNow();
            if (publisher != null)
            {
                publisher.close();
            }
            if (catalog != null)
            {
                catalog.close();
            }
            if (ackLog != null)
            {
                try
                {
                    ackLog.close();
                    rep.acksLogged = ackLog.records();
                }
                catch (final IOException ex)
                {
                    failure = ex;
                }
            }
            if (engine != null)
            {
                engine.close();
                rep.memoryAfterClose = engine.cache().memoryInUse();
            }
            if (tempDir)
            {
                TempDirs.delete(dir);
                try
                {
                    Runtime.getRuntime().removeShutdownHook(deleteOnExit);
                }
                catch (final IllegalStateException ex)
                {
                    // the JVM is shutting down: the hook runs (or ran) and finds the directory gone
                }
            }
        }
        return rep;
    }

    private void loadInitialData(final DriveReport rep)
    {
        final byte[] value = new byte[s.valueSize()];
        long version = 0;
        CompletableFuture<CommandResult> last = null;
        for (final RegionTable.Entry e : table.entries())
        {
            for (int from = e.start(); from < e.end(); from += LOAD_BATCH)
            {
                final int to = Math.min(e.end(), from + LOAD_BATCH);
                version++;
                final WriteBatch b = new WriteBatch(e.id(), e.epoch(), version,
                    (to - from) * (DriveKeys.KEY_LENGTH + s.valueSize() + 9));
                for (int k = from; k < to; k++)
                {
                    DriveKeys.value(k, version, value);
                    b.put(keys.key(k), value);
                    versions.set(k, 1);
                    lastWrite.set(k, version);
                }
                last = engine.write(b);
                acknowledge(b, last, from, to, null, version);
                final CompletableFuture<CommandResult> f = last;
                f.thenAccept(r -> writeResults.incrementAndGet(r.code().ordinal()));
            }
        }
        if (last != null)
        {
            engine.await(last);
        }
        rep.initialKeys = keys.size();
        lastVersion = version;
        readVersion.set(version);
    }

    /**
     * Log the keys of a batch the store has ({@link HybridEngine#write} wrote RocksDB before returning, unless it
     * answered {@code STORE_ERROR} at once). Keys {@code chosen[from..to)}, or the indexes {@code from..to} when
     * {@code chosen} is null; a key is a delete if the batch deleted it.
     */
    private void acknowledge(
        final WriteBatch b, final CompletableFuture<CommandResult> f, final int from, final int to, final int[] chosen,
        final long version)
    {
        if (ackLog == null)
        {
            return;
        }
        final CommandResult now = f.getNow(null);
        if (now != null && now.code() == ResultCode.STORE_ERROR)
        {
            return;
        }
        final boolean[] deleted = new boolean[to - from];
        final int[] at = {0};
        b.forEach((op, key, keyLength, value, valueLength) ->
        {
            deleted[at[0]++] = op != WriteBatch.PUT;
            return 0;
        });
        for (int x = from; x < to; x++)
        {
            ackLog.append(chosen == null ? x : chosen[x], deleted[x - from], version);
        }
        ackLog.maybeFlush();
    }

    /**
     * A run over a data directory an earlier run wrote (and maybe was killed in): every acknowledged write must be
     * readable in RocksDB at its version (a put: a value naming its key and version; a delete: its tombstone, or
     * nothing once GC may have swept it), unless a later write of the key superseded it (GC may then have collected
     * it). A record the log itself shows damaged ({@link AckLog.Previous#damage}) is missing: it names no write.
     * <p>
     * Records are checked newest first, so that a record counts as superseded only by a later record of its key
     * that was itself found (or by a newer version in the store): a later record that is missing too proves nothing.
     * Over a wiped store (RocksDB's files gone, the log kept) every record used to pass as "superseded" by the next
     * record of its key, which was just as missing, and every delete passed because the empty store "reads
     * nothing" at its version; now both are missing.
     */
    private void verifyAcknowledged(final RocksDbBackingStore store, final AckLog.Previous p, final DriveReport rep)
    {
        final long t = System.nanoTime();
        final long sweptTo = store.gcSafePoint(); // -1 if no GC ever swept this store (a wiped store too)
        final long[] newestFound = new long[keys.size()];
        final List<String> samples = new ArrayList<>(); // the last 5 found, i.e. the first 5 in log order
        try (org.rocksdb.RocksIterator raw = store.db().newIterator())
        {
            for (int i = p.version().length - 1; i >= 0; i--)
            {
                if (p.damage()[i] != null)
                {
                    rep.acksMissing++;
                    sample(samples, p.damage()[i]);
                    continue;
                }
                final long kf = p.keyAndFlag()[i];
                final int k = (int)(kf & ~AckLog.DELETE);
                final long v = p.version()[i];
                final boolean delete = kf < 0;
                final byte[] val = store.get(keys.key(k), v);
                // A delete must have left its tombstone at v, unless a GC round swept it: only a tombstone at or
                // below a swept safe point is dropped, and with it everything older of the key, so the key then has
                // no entry at or below v at all (the safe point file may be one round behind after a kill, hence
                // the second test). "Reads nothing" alone is no proof: an empty store reads nothing everywhere.
                final boolean exact = delete ? val == null && (isTombstoneAt(raw, k, v) || v <= sweptTo ||
                    sweptTo >= 0 && newestEntry(raw, k, v) == null) :
                    val != null && val.length >= 16 && DriveKeys.longAt(val, 0) == k && DriveKeys.longAt(val, 8) == v;
                if (exact)
                {
                    rep.acksVerified++;
                    newestFound[k] = Math.max(newestFound[k], v);
                }
                else if (newestFound[k] > v || supersededInStore(store, k, v))
                {
                    rep.acksVerified++;
                    rep.acksSuperseded++;
                    newestFound[k] = Math.max(newestFound[k], v);
                }
                else
                {
                    rep.acksMissing++;
                    sample(samples, (delete ? "delete" : "put") + " of key " + k + " at version " + v + " reads " +
                        (val == null ? "nothing" + (delete ? " but there is no tombstone there" : "") :
                            "a value naming key " + DriveKeys.longAt(val, 0) + " version " + DriveKeys.longAt(val, 8)));
                }
            }
        }
        // the samples in log order (the check ran newest first): the first damaged or missing records of the log
        for (int i = samples.size() - 1; i >= 0 && rep.ackSamples.size() < 5; i--)
        {
            rep.ackSamples.add(samples.get(i));
        }
        rep.resumed = true;
        rep.acksInLog = p.count();
        rep.verifySeconds = (System.nanoTime() - t) / 1e9;
    }

    private static void sample(final List<String> samples, final String what)
    {
        if (samples.size() == 5)
        {
            samples.remove(0);
        }
        samples.add(what);
    }

    /** @return whether the store's newest version of key {@code k} is above {@code v} (an unlogged later write). */
    private boolean supersededInStore(final RocksDbBackingStore store, final int k, final long v)
    {
        final byte[] latest = store.get(keys.key(k), Long.MAX_VALUE);
        return latest != null && latest.length >= 16 && DriveKeys.longAt(latest, 8) > v;
    }

    /**
     * The newest RocksDB entry of key {@code k} at or below {@code v}, tombstones included (the store's reads hide
     * them), read through a raw iterator on the store's database: stored keys sort by key, then version descending.
     *
     * @return {@code {version, 1 if a tombstone else 0}}, or null if the key has no entry at or below {@code v}.
     */
    private long[] newestEntry(final org.rocksdb.RocksIterator raw, final int k, final long v)
    {
        final byte[] key = keys.key(k);
        raw.seek(MvccKeyCodec.encode(key, v));
        if (!raw.isValid())
        {
            return null;
        }
        final byte[] stored = raw.key();
        if (stored.length < MvccKeyCodec.VERSION_LENGTH ||
            !Arrays.equals(MvccKeyCodec.decodeUserKey(stored), key))
        {
            return null;
        }
        final byte[] value = raw.value();
        return new long[] {MvccKeyCodec.decodeVersion(stored),
            value.length > 0 && value[0] == MvccKeyCodec.FLAG_DELETE ? 1 : 0};
    }

    private boolean isTombstoneAt(final org.rocksdb.RocksIterator raw, final int k, final long v)
    {
        final long[] e = newestEntry(raw, k, v);
        return e != null && e[0] == v && e[1] == 1;
    }

    /**
     * Continue over an earlier run's data: versions start {@link AckLog#VERSION_GAP} above the newest version the
     * log or RocksDB holds (above any write the earlier run made without acknowledging it). RocksDB counts too: a
     * log that lost its tail (a lost page, an older copy restored) has a last version below writes the store keeps,
     * and a run resuming above the log alone wrote its new values below those older ones, which every later read
     * then returned. What RocksDB recovered beyond the log (writes of the killed run not yet acknowledged) is
     * acknowledged now, at its versions and in version order, so that this run's GC may collect older versions;
     * but not when the check (this one or an earlier resume's) found acknowledged writes missing: the store then
     * lost data, its state proves nothing, and logging it (a key the store lacks as "deleted by an unacknowledged
     * write") made the next resume verify those records instead of failing again.
     */
    private void resume(final RocksDbBackingStore store, final AckLog.Previous p, final DriveReport rep)
    {
        final long[] newest = new long[keys.size()];
        final boolean[] newestDeleted = new boolean[keys.size()];
        for (int i = 0; i < p.version().length; i++)
        {
            if (p.damage()[i] != null)
            {
                continue;
            }
            final int k = (int)(p.keyAndFlag()[i] & ~AckLog.DELETE);
            if (p.version()[i] >= newest[k])
            {
                newest[k] = p.version()[i];
                newestDeleted[k] = p.keyAndFlag()[i] < 0;
            }
        }
        final boolean logRecovered = rep.acksMissing == 0 && rep.acksLostEarlier == 0;
        final List<long[]> recovered = new ArrayList<>(); // {version, key, 1 if a delete}
        long newestInStore = 0;
        try (org.rocksdb.RocksIterator raw = store.db().newIterator())
        {
            for (int k = 0; k < keys.size(); k++)
            {
                versions.set(k, 1);
                final long[] e = newestEntry(raw, k, Long.MAX_VALUE);
                if (e == null)
                {
                    continue;
                }
                newestInStore = Math.max(newestInStore, e[0]);
                if (logRecovered && e[0] > newest[k] && e[0] >= p.lastVersion() &&
                    (e[1] == 0 || newest[k] > 0 && !newestDeleted[k]))
                {
                    // a put, or a delete of a key whose logged newest is a put: written, never acknowledged (a
                    // version below the log's last one would break its version order: no write the log missed is)
                    recovered.add(new long[] {e[0], k, e[1]});
                }
            }
        }
        recovered.sort((a, b) -> Long.compare(a[0], b[0])); // the log stays in version order (AckLog.read checks)
        for (final long[] r : recovered)
        {
            ackLog.append((int)r[1], r[2] == 1, r[0]);
            rep.acksRecovered++;
        }
        ackLog.flush();
        // both are at most AckLog.MAX_VERSION (2^62; the store's from runs that stay below it): no overflow
        final long start = Math.max(p.lastVersion(), newestInStore) + AckLog.VERSION_GAP;
        lastVersion = start;
        readVersion.set(start);
    }

    /** @return true if the operation may run: always without {@code --ops}, else if one of the N is left. */
    private boolean claimOp()
    {
        return s.ops() <= 0 || opsLeft.getAndDecrement() > 0;
    }

    /** Main thread: progress once a second until the duration or the op count is reached. */
    private void monitor(final long start, final DriveReport rep)
    {
        final Progress progress = Progress.create(s.progress(), err);
        final long end = s.ops() > 0 ? Long.MAX_VALUE : start + s.duration().toNanos();
        long nextPrint = start + 1_000_000_000L;
        long lastReads = 0;
        long lastWrites = 0;
        long lastCache = 0;
        long lastStore = 0;
        long lastAt = start;
        final HybridMetrics hm = engine.metrics();
        while (failure == null)
        {
            final long now = System.nanoTime();
            if (now >= end || (s.ops() > 0 && reads.sum() + writeBatches >= s.ops()))
            {
                break;
            }
            if (now >= nextPrint)
            {
                final MetricsSnapshot m = engine.cache().metrics();
                final long used = m.get("memory.used");
                final long r = reads.sum();
                final long w = writeBatches;
                final long c = hm.cacheReads();
                final long st = hm.storeReads();
                final double dt = (now - lastAt) / 1e9;
                final long dc = c - lastCache;
                final long ds = st - lastStore;
                progress.update(String.format(Locale.ROOT,
                    "[%4.0fs] %s ops/s (%s reads, %s writes) | hit %5.1f%% | regions %d, cached: pending %d loading %d " +
                        "active %d | mem %s / %s | splits %d",
                    (now - start) / 1e9, Units.rate((r - lastReads + w - lastWrites) / dt),
                    Units.rate((r - lastReads) / dt), Units.rate((w - lastWrites) / dt),
                    dc + ds == 0 ? 0.0 : 100.0 * dc / (dc + ds), writerTable.size(), m.get("regions.PENDING"),
                    m.get("regions.LOADING"), m.get("regions.ACTIVE"), Units.bytes(used),
                    Units.bytes(m.get("memory.capacity")), splits));
                lastReads = r;
                lastWrites = w;
                lastCache = c;
                lastStore = st;
                lastAt = now;
                nextPrint += 1_000_000_000L;
                if (nextPrint < now)
                {
                    nextPrint = now + 1_000_000_000L;
                }
            }
            LockSupport.parkNanos(Math.min(POLL_NANOS, Math.min(end, nextPrint) - System.nanoTime()));
        }
        progress.finish();
        rep.reads = reads.sum();
    }

    /**
     * Shutdown hook of a run in a temporary directory: delete it while the engine may still run (RocksDB's open files
     * stay readable once unlinked). A background job may add a file meanwhile, so a walk that fails is tried again.
     */
    private static void deleteOnExit(final Path dir)
    {
        for (int attempt = 0; attempt < 3 && Files.exists(dir); attempt++)
        {
            try
            {
                TempDirs.delete(dir);
            }
            catch (final java.io.UncheckedIOException ex)
            {
                // a file added or removed by the engine during the walk: walk again
            }
        }
    }

    /**
     * Main thread, after the workload, with loads paused: wait until no region is LOADING (a load ends installed,
     * refused or failed in bounded time; the wait gives up after {@link #LOADS_END_TIMEOUT_NANOS} and the check then
     * counts what is still loading as not compared), looking every {@link #POLL_NANOS}.
     */
    private static void awaitLoadsEnded(final RegionCache cache)
    {
        final long deadline = System.nanoTime() + LOADS_END_TIMEOUT_NANOS;
        while (cache.metrics().get("regions.LOADING") > 0 && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void crossCheck(final DriveReport rep)
    {
        // a region still LOADING (the wait above gave up) is cached-to-be and not compared: counted, exit 1
        for (final RegionInfo info : engine.cache().regions())
        {
            if (info.state() == RegionState.LOADING)
            {
                rep.regionsNotCompared++;
                if (rep.divergenceSamples.size() < 10)
                {
                    rep.divergenceSamples.add("region " + info.region().id() + " not compared: still LOADING");
                }
            }
        }
        for (final CrossCheck.Report r : CrossCheck.checkAll(engine))
        {
            if (r.status() != SnapshotStatus.OK)
            {
                rep.regionsNotCompared++;
                if (rep.divergenceSamples.size() < 10)
                {
                    rep.divergenceSamples.add("region " + r.regionId() + " not compared: " + r.status());
                }
                continue;
            }
            rep.regionsChecked++;
            rep.keysCompared += r.keysCompared();
            rep.divergences += r.divergences().size();
            for (final CrossCheck.Divergence d : r.divergences())
            {
                if (rep.divergenceSamples.size() < 10)
                {
                    rep.divergenceSamples.add("region " + r.regionId() + " at version " + r.readVersion() + ": " + d);
                }
            }
        }
    }

    private void collect(final DriveReport rep)
    {
        final HybridMetrics hm = engine.metrics();
        rep.cacheReads = hm.cacheReads();
        rep.storeReads = hm.storeReads();
        for (final SnapshotStatus st : SnapshotStatus.values())
        {
            if (st != SnapshotStatus.OK)
            {
                rep.fallbacks.put(st.name(), hm.fallbacks(st));
            }
        }
        rep.storeWriteErrors = hm.storeWriteErrors();
        rep.reconciliations = hm.reconciliations();
        rep.writeBatches = writeBatches;
        rep.keyWrites = keyWrites;
        rep.lastVersion = lastVersion;
        rep.splits = splits;
        rep.regionsAtEnd = writerTable.size();
        for (final ResultCode c : ResultCode.values())
        {
            if (writeResults.get(c.ordinal()) != 0)
            {
                rep.writeResults.put(c.name(), writeResults.get(c.ordinal()));
            }
            if (splitResults.get(c.ordinal()) != 0)
            {
                rep.splitResults.put(c.name(), splitResults.get(c.ordinal()));
            }
        }
        rep.readErrors = readErrors.sum();
        rep.wrongValues = wrongValues.sum();
        rep.firstReadProblem = firstReadProblem.get();
        rep.metrics = engine.cache().metrics();
    }

    private void problem(final LongAdder counter, final String what)
    {
        counter.increment();
        firstReadProblem.compareAndSet(null, what);
    }

    // ------------------------------------------------------------------ readers

    /**
     * The RocksDB store could not be opened, before any workload ran (another process holding the directory's lock,
     * a damaged store): {@code drive} refuses the run with the message and exit 2 instead of a stack trace.
     */
    static final class StoreRefused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        StoreRefused(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    private final class Reader implements Runnable
    {
        final int index;
        final Histogram cacheHist = new Histogram(3);
        final Histogram storeHist = new Histogram(3);
        long gets;
        long scans;
        long scannedKeys;

        Reader(final int index)
        {
            this.index = index;
        }

        @Override
        public void run()
        {
            final SplittableRandom rng = new SplittableRandom(s.seed() * 1_000_003L + index);
            final RegionCache cache = engine.cache();
            final byte[] key = new byte[DriveKeys.KEY_LENGTH];
            final UnsafeBuffer keyBuf = new UnsafeBuffer(key);
            final byte[] value = new byte[s.valueSize() + 64];
            final UnsafeBuffer valueBuf = new UnsafeBuffer(value);
            final byte[] scanKey = new byte[DriveKeys.KEY_LENGTH];
            try (HybridReader reader = engine.newReader())
            {
                while (!stop)
                {
                    if (s.readRatio() == 0 || !claimOp())
                    {
                        LockSupport.parkNanos(1_000_000L);
                        continue;
                    }
                    final int k = picker.next(rng);
                    final RegionTable.Entry e = table.route(k);
                    final long rv = readVersion.get();
                    try
                    {
                        if (s.scanRatio() > 0 && rng.nextDouble() < s.scanRatio())
                        {
                            scan(reader, cache, e, k, rv, scanKey);
                        }
                        else
                        {
                            keys.key(k, key, 0);
                            final long t = System.nanoTime();
                            final int n = reader.get(e.id(), e.epoch(), rv, keyBuf, 0, key.length, valueBuf, 0);
                            final long took = System.nanoTime() - t;
                            final boolean fromCache = reader.lastStatus() == SnapshotStatus.OK;
                            (fromCache ? cacheHist : storeHist).recordValue(took);
                            gets++;
                            if (!fromCache)
                            {
                                cache.recordStoreRead(e.region(), 1, n >= 0 ? 1 : 0);
                            }
                            if (n >= 0)
                            {
                                checkValue(k, rv, n, value, 0);
                            }
                            else if (n < -1)
                            {
                                problem(wrongValues, "get of key " + k + " returned " + n);
                            }
                        }
                    }
                    catch (final StoreException ex)
                    {
                        problem(readErrors, "read of key " + k + " at " + rv + ": " + ex.getMessage());
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        problem(wrongValues, "read of key " + k + " in " + e.region() + ": " + ex.getMessage());
                    }
                    reads.increment();
                }
            }
            catch (final RuntimeException | Error ex)
            {
                failure = ex;
            }
        }

        private void scan(
            final HybridReader reader, final RegionCache cache, final RegionTable.Entry e, final int k, final long rv,
            final byte[] scanKey)
        {
            final int hiIndex = k + s.scanLength();
            final byte[] lower = keys.key(k);
            final byte[] upper = hiIndex >= e.end() ? e.region().end() : keys.key(hiIndex);
            final long t = System.nanoTime();
            final HybridScan scan = reader.scan(e.id(), e.epoch(), rv, lower, upper);
            final boolean fromCache = scan.servedByCache();
            int n = 0;
            long stepped = 0;
            int previous = k - 1;
            try
            {
                while (n < s.scanLength() && scan.next())
                {
                    if (scan.keyLength() != DriveKeys.KEY_LENGTH)
                    {
                        problem(wrongValues, "scan returned a key of " + scan.keyLength() + " bytes");
                        break;
                    }
                    scan.key().getBytes(0, scanKey);
                    final int idx = keys.index(scanKey, 0);
                    if (idx <= previous || idx >= Math.min(hiIndex, e.end()))
                    {
                        problem(wrongValues, "scan from key " + k + " returned key " + idx + " after " + previous);
                    }
                    previous = idx;
                    final int len = scan.valueLength();
                    if (len != s.valueSize() ||
                        scan.value().getLong(0, ByteOrder.BIG_ENDIAN) != idx ||
                        scan.value().getLong(8, ByteOrder.BIG_ENDIAN) > rv)
                    {
                        problem(wrongValues, "scan: wrong value for key " + idx + " at read version " + rv);
                    }
                    if (!fromCache)
                    {
                        stepped += Math.max(1, versions.get(idx));
                    }
                    n++;
                }
            }
            finally
            {
                scan.close();
            }
            final long took = System.nanoTime() - t;
            (fromCache ? cacheHist : storeHist).recordValue(took);
            scans++;
            scannedKeys += n;
            if (!fromCache)
            {
                cache.recordStoreRead(e.region(), Math.max(1, stepped), n);
            }
        }

        private void checkValue(final int k, final long rv, final int n, final byte[] value, final int offset)
        {
            if (n != s.valueSize() || DriveKeys.longAt(value, offset) != k || DriveKeys.longAt(value, offset + 8) > rv)
            {
                problem(wrongValues, "get of key " + k + " at read version " + rv + " returned " + n +
                    " bytes naming key " + (n >= 16 ? DriveKeys.longAt(value, offset) : -1) + " version " +
                    (n >= 16 ? DriveKeys.longAt(value, offset + 8) : -1));
            }
        }
    }

    // ------------------------------------------------------------------ writer

    private final class Writer implements Runnable
    {
        CompletableFuture<CommandResult> last;
        private final Map<Long, long[]> written = new HashMap<>();
        private long nextRegionId = s.regions() + 1;

        @Override
        public void run()
        {
            try
            {
                write();
            }
            catch (final RuntimeException | Error ex)
            {
                failure = ex;
            }
        }

        private void write()
        {
            final SplittableRandom rng = new SplittableRandom(~s.seed());
            final byte[] value = new byte[s.valueSize()];
            final int[] chosen = new int[s.batchSize()];
            final double writesPerRead = s.readRatio() == 0 ? 0 : (1 - s.readRatio()) / s.readRatio();
            long version = lastVersion;
            long batches = 0;
            long keyCount = 0;
            while (!stop)
            {
                if (ackLog != null)
                {
                    ackLog.maybeFlush();
                }
                if (s.readRatio() == 1)
                {
                    LockSupport.parkNanos(1_000_000L);
                    continue;
                }
                if (s.readRatio() > 0 && batches >= reads.sum() * writesPerRead + 16)
                {
                    LockSupport.parkNanos(20_000L);
                    continue;
                }
                if (!claimOp())
                {
                    LockSupport.parkNanos(1_000_000L);
                    continue;
                }
                final RegionTable.Entry e = writerTable.route(picker.next(rng));
                final int span = e.end() - e.start();
                final int n = picker.batch(rng, e.start(), e.end(), 0, 1, chosen);
                version++;
                final WriteBatch b = new WriteBatch(e.id(), e.epoch(), version,
                    n * (DriveKeys.KEY_LENGTH + s.valueSize() + 9));
                for (int x = 0; x < n; x++)
                {
                    final int k = chosen[x];
                    if (rng.nextDouble() < KeyPicker.DELETE_RATIO)
                    {
                        b.delete(keys.key(k));
                    }
                    else
                    {
                        DriveKeys.value(k, version, value);
                        b.put(keys.key(k), value);
                    }
                    versions.incrementAndGet(k);
                    lastWrite.set(k, version);
                }
                final long v = version;
                final CompletableFuture<CommandResult> f = engine.write(b);
                acknowledge(b, f, 0, n, chosen, version);
                f.thenAccept(r ->
                {
                    writeResults.incrementAndGet(r.code().ordinal());
                    readVersion.accumulateAndGet(v, Math::max);
                });
                last = f;
                lastVersion = v;
                batches++;
                keyCount += n;
                writeBatches = batches;
                keyWrites = keyCount;
                final long[] count = written.computeIfAbsent(e.id(), id -> new long[1]);
                count[0] += n;
                if (KeyPicker.shouldSplit(count[0], s.splitKeys(), span))
                {
                    split(e);
                }
            }
        }

        private void split(final RegionTable.Entry e)
        {
            final int mid = KeyPicker.middle(e.start(), e.end());
            final byte[] midKey = keys.key(mid);
            final long newId = nextRegionId++;
            final CompletableFuture<CommandResult> f = engine.split(
                e.id(), e.epoch(), new byte[][] {midKey}, new long[] {newId}, e.epoch() + 1);
            final RegionTable next = writerTable.split(e, mid, midKey, newId);
            writerTable = next;
            if (s.eagerRouting())
            {
                table = next;
            }
            // Readers route with the new epochs once the cache applied the split, as a store's reads see a split
            // once it is applied (futures complete in queue order; the generation check keeps it monotonic anyway).
            f.thenAccept(r ->
            {
                splitResults.incrementAndGet(r.code().ordinal());
                if (next.generation() > table.generation())
                {
                    table = next;
                }
            });
            written.remove(e.id());
            splits++;
        }
    }

    // ------------------------------------------------------------------ gc

    private final class GcRound implements Runnable
    {
        long previousVersion;
        volatile long rounds;
        volatile long safePoint;
        volatile long dropped;
        volatile long millis;
        /** CPU time of the GC thread in the rounds: on a shared machine, wall time is mostly waiting for a core. */
        volatile long cpuMillis;

        @Override
        public void run()
        {
            try
            {
                final long now = readVersion.get();
                long sp = Math.min(previousVersion, now - 1);
                if (ackLog != null)
                {
                    // Never collapse a key's newest acknowledged version behind a write not acknowledged yet.
                    sp = Math.min(sp, ackLog.durableVersion());
                }
                previousVersion = now;
                if (sp <= safePoint || stop)
                {
                    return;
                }
                final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                final long cpu = mx.getCurrentThreadCpuTime();
                final long t = System.nanoTime();
                dropped += engine.gc(sp);
                millis += (System.nanoTime() - t) / 1_000_000L;
                cpuMillis += (mx.getCurrentThreadCpuTime() - cpu) / 1_000_000L;
                safePoint = sp;
                rounds++;
                // Keys not written above the safe point now have one version left in RocksDB.
                for (int k = 0; k < keys.size(); k++)
                {
                    if (lastWrite.get(k) <= sp && versions.get(k) > 1)
                    {
                        versions.set(k, 1);
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                if (!stop)
                {
                    failure = ex;
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void joinUninterruptibly(final Thread t)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                t.join();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }
}
