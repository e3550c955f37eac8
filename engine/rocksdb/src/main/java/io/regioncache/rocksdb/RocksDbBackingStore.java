package io.regioncache.rocksdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteOptions;

import io.regioncache.ReadArguments;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.SafePointFile;
import io.regioncache.WriteBatch;
import io.regioncache.BackingSnapshot;
import io.regioncache.WritableStore;
import io.regioncache.StoreException;

/**
 * A {@link WritableStore} ({@link io.regioncache.BackingStore} with writes) on RocksDB, the way TiKV keeps MVCC data
 * in its write column family: one RocksDB entry per (user key, version), stored key
 * {@code memcomparable(key) ++ bigEndian(~version)} (see {@link MvccKeyCodec} for why this orders entries by key
 * ascending, version descending), value one flag byte ({@code 'P'} put / {@code 'D'} tombstone) followed by the value
 * bytes.
 * <p>
 * <b>Errors.</b> Every {@link RocksDBException} (and every malformed entry) becomes a {@link StoreException};
 * operations on a closed store throw {@link StoreException} too. The cache turns those into failed loads.
 * <p>
 * <b>Threads.</b> Thread-safe. Every operation runs under the read side of a lifecycle lock, and {@link #close()}
 * takes the write side, so native objects are never released under a running operation; long scans poll the
 * closed flag and stop early so close does not wait for them. Snapshots and cursors still open at close are
 * released by close (in the order RocksDB needs: iterators, read options, bounds, snapshots, then the database).
 * <p>
 * <b>GC.</b> {@link #gcBelow(long)} is an explicit sweep, not a compaction filter, and it costs what the garbage
 * costs: the store tracks, per user key written, the versions no round has swept yet, and a round visits only keys
 * with such versions at or below its safe point. Most it sweeps without a read, from those versions and the one it
 * kept of the key last time; the others it seeks to, reading from the safe point down to the first version an
 * earlier round already swept ({@code RocksDbGc} explains the invariant that makes both exact). The first
 * round after {@link #open} of a non-empty directory sweeps everything once (keys written before this process are not
 * tracked), and a store made by {@link #wrap} always sweeps everything (its database may be written behind this
 * store's back). Either way the same versions are dropped ({@code RocksDbGcTest} compares the two on random
 * histories).
 */
public final class RocksDbBackingStore implements WritableStore
{
    static final byte[] TOMBSTONE_VALUE = {MvccKeyCodec.FLAG_DELETE};
    /** Info log files RocksDB keeps in the directory (LOG and the newest LOG.old.*), see {@link #open}. */
    static final int KEPT_INFO_LOGS = 4;

    private final RocksDB db;
    private final boolean ownsDb;
    private final Options options;
    private final WriteOptions writeOptions;
    private final ReadOptions latestReadOptions;
    /** Iterators of {@link #get} and {@link #multiGet}, refreshed and reused instead of built per read. */
    private final PointReaders pointReaders;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<AutoCloseable> openResources = ConcurrentHashMap.newKeySet();
    private final Path dataDir;
    private volatile boolean closed;
    /** 0 until the one {@link #close()} that wins the CAS claims the shutdown. */
    private volatile int closing;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<RocksDbBackingStore> CLOSING =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(RocksDbBackingStore.class, "closing");
    private final RocksDbGc gc;
    /**
     * The highest safe point a round of an earlier process swept at, read from {@link SafePointFile} at open
     * (-1 for none or a wrapped database): without it a reopened store answered reads below its last sweep from the
     * swept data (a black-box audit found a read at 15 after a sweep at 20 answered "absent" for a key whose value
     * at 15 was swept), where the process that swept refused them.
     */
    private volatile long persistedGcSafePoint = -1;

    private RocksDbBackingStore(
        final RocksDB db, final boolean ownsDb, final Options options, final Path dataDir, final long persistedGcSafePoint)
    {
        this.persistedGcSafePoint = persistedGcSafePoint;
        this.db = db;
        this.ownsDb = ownsDb;
        this.options = options;
        this.dataDir = dataDir;
        this.writeOptions = new WriteOptions();
        this.latestReadOptions = new ReadOptions();
        this.pointReaders = new PointReaders(db, latestReadOptions);
        // -Dregioncache.rocksdb.fullGc=true: sweep everything every round (the old behaviour, for comparison).
        final boolean incremental = ownsDb && !Boolean.getBoolean("regioncache.rocksdb.fullGc");
        boolean empty = true;
        if (incremental)
        {
            // A directory opened empty holds nothing written behind this store: no full sweep is owed.
            try (RocksIterator it = db.newIterator())
            {
                it.seekToFirst();
                empty = !it.isValid();
            }
        }
        this.gc = new RocksDbGc(db, writeOptions, incremental, empty);
    }

    /**
     * Open (creating if missing) a RocksDB database in {@code dataDir} that this store owns and closes. RocksDB's info
     * log is kept as the current {@code LOG} and the newest few {@code LOG.old.*} files, not one more per open.
     *
     * @param dataDir the database directory.
     * @return the store.
     * @throws NullPointerException if {@code dataDir} is null.
     * @throws StoreException if RocksDB cannot open it (e.g. the path is a file, or another store holds it).
     */
    public static RocksDbBackingStore open(final Path dataDir)
    {
        java.util.Objects.requireNonNull(dataDir, "dataDir");
        Options options = null;
        try
        {
            RocksDB.loadLibrary();
            if (!Files.isDirectory(dataDir))
            {
                Files.createDirectories(dataDir); // fails on a path that is a file: reported as a StoreException
            }
            final long swept = readGcSafePoint(dataDir); // before anything native is opened
            // RocksDB renames the info log to LOG.old.<time> at every open and keeps 1,000 of them by default: a host
            // that reopens a directory (restarts, tests, tenants) gained a file of some 35 KB per open (audit 9,
            // hybrid/blackbox9/HybridLifecycleResourcesTest). A few are enough to read what the last runs logged.
            options = new Options().setCreateIfMissing(true).setIncreaseParallelism(2)
                .setKeepLogFileNum(KEPT_INFO_LOGS);
            final RocksDB db = RocksDB.open(options, dataDir.toString());
            return new RocksDbBackingStore(db, true, options, dataDir, swept);
        }
        catch (final RocksDBException | java.io.IOException | RuntimeException | UnsatisfiedLinkError ex)
        {
            if (options != null)
            {
                options.close();
            }
            throw new StoreException("cannot open RocksDB at " + dataDir + ": " + ex, ex);
        }
    }

    /**
     * Wrap a database the caller owns: {@link #close()} releases this store's objects but not the database. Close
     * this store before the database: between reads it keeps idle iterators for its gets ({@link PointReaders}), and
     * snapshots and cursors a caller left open, all of which RocksDB needs released before it closes.
     *
     * @param db an open database holding only this store's entries.
     * @return the store.
     * @throws NullPointerException if {@code db} is null.
     * @throws StoreException if {@code db} is already closed.
     */
    public static RocksDbBackingStore wrap(final RocksDB db)
    {
        java.util.Objects.requireNonNull(db, "db");
        if (!db.isOwningHandle())
        {
            // A closed RocksDB object keeps its native address: the first write would run on released memory.
            throw new StoreException("cannot wrap a closed RocksDB", null);
        }
        return new RocksDbBackingStore(db, false, null, null, -1);
    }

    /**
     * @return the database (for host-side work such as SST ingest; do not close it). Valid until this store
     * closes when the store owns it (opened by {@link #open}); a wrapped database is the caller's.
     * @throws StoreException once a store that owns its database is closed (the handle is released then: any
     * call on it would be a native use-after-free).
     */
    public RocksDB db()
    {
        if (ownsDb && closed)
        {
            throw new StoreException("store is closed: its RocksDB is released", null);
        }
        return db;
    }

    /** @return the data directory, or null for a wrapped database. */
    public Path dataDir()
    {
        return dataDir;
    }

    /** @return the highest safe point {@link #gcBelow} has swept at or begun to sweep at (in this process or, for a
     * data directory, an earlier one: a round killed part-way counts), or -1. */
    public long gcSafePoint()
    {
        return Math.max(gc.safePoint(), persistedGcSafePoint);
    }

    private static long readGcSafePoint(final Path dataDir)
    {
        return dataDir == null ? -1 : SafePointFile.read(dataDir);
    }

    /** Record a swept safe point for the next process opening {@link #dataDir} (none for a wrapped database). */
    private synchronized void recordGcSafePoint(final long safePoint)
    {
        if (dataDir == null || safePoint <= persistedGcSafePoint)
        {
            return;
        }
        SafePointFile.write(dataDir, safePoint);
        persistedGcSafePoint = safePoint;
    }

    /** Test hook: {@code hook} runs at each key or entry a GC round visits and may throw to fail the round. */
    void gcVisitHook(final Runnable hook)
    {
        gc.visitHook(hook);
    }

    /** Test hook: a smaller budget of versions the GC's per-key lists hold together (see RocksDbGc.LIST_BUDGET). */
    void gcListBudget(final long versions)
    {
        gc.listBudget(versions);
    }

    /** Test hook: {keys GC rounds swept by seeking, keys swept blind from their lists} so far. */
    long[] gcSweptKeys()
    {
        return gc.sweptKeys();
    }

    // ------------------------------------------------------------------ writes

    /**
     * Write every operation of an engine batch at the batch's version, atomically (one RocksDB write batch). The
     * region id and epoch are not stored: the store is keyed by user key only, like TiKV's KV engine.
     *
     * @param batch the batch (only read).
     * @throws StoreException if RocksDB refuses the write.
     */
    public void applyBatch(final WriteBatch batch)
    {
        final long version = batch.version();
        checkVersion(version);
        enter();
        final List<byte[]> written = gc.tracking() ? new ArrayList<>(batch.count()) : null;
        final BitSet tombstones = new BitSet();
        try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch())
        {
            final int rc = batch.forEach((op, key, keyLength, value, valueLength) ->
            {
                final byte[] k = storedKey(key, 0, keyLength, version);
                if (written != null)
                {
                    tombstones.set(written.size(), op != WriteBatch.PUT);
                    written.add(k);
                }
                try
                {
                    if (op == WriteBatch.PUT)
                    {
                        final byte[] v = new byte[valueLength + 1];
                        v[0] = MvccKeyCodec.FLAG_PUT;
                        value.getBytes(0, v, 1, valueLength);
                        wb.put(k, v);
                    }
                    else
                    {
                        wb.put(k, TOMBSTONE_VALUE);
                    }
                }
                catch (final RocksDBException ex)
                {
                    throw new StoreException("cannot build write batch: " + ex, ex);
                }
                return 0;
            });
            assert rc == 0;
            db.write(writeOptions, wb);
            if (written != null)
            {
                gc.markWritten(written, tombstones);
            }
            pointReaders.closeIdleIfUnused();
        }
        catch (final RocksDBException ex)
        {
            throw new StoreException("write of " + batch + " failed: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Convenience: store one value.
     *
     * @param key     key.
     * @param version version ({@code >= 0}).
     * @param value   value.
     */
    public void put(final byte[] key, final long version, final byte[] value)
    {
        applyBatch(new WriteBatch(0, 0, version).put(key, value));
    }

    /**
     * Convenience: store one tombstone.
     *
     * @param key     key.
     * @param version version ({@code >= 0}).
     */
    public void delete(final byte[] key, final long version)
    {
        applyBatch(new WriteBatch(0, 0, version).delete(key));
    }

    /**
     * MVCC delete-range: write a tombstone at {@code version} for every key of {@code [start, end)} that is
     * visible (not deleted) at {@code version}, all in one atomic RocksDB batch. Reads below {@code version} still
     * see the old values, so the store stays a correct MVCC source for any cached region (unlike a physical
     * {@code DeleteRange}, which would also erase history). The host must give a version above every version
     * already written in the range.
     *
     * @param start   inclusive start (empty = -infinity).
     * @param end     exclusive end (empty = +infinity).
     * @param version the tombstones' version.
     * @return the number of tombstones written.
     */
    public long deleteRange(final byte[] start, final byte[] end, final long version)
    {
        checkVersion(version);
        enter();
        try (RocksDbSnapshot snap = openSnapshotLocked();
             RocksDbCursor cursor = snap.newCursorLocked(start, end, version);
             org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch())
        {
            long n = 0;
            final List<byte[]> written = new ArrayList<>();
            while (cursor.nextLocked())
            {
                final byte[] k = storedKey(cursor.key(), 0, cursor.keyLength(), version);
                wb.put(k, TOMBSTONE_VALUE);
                written.add(k);
                n++;
            }
            if (n > 0)
            {
                db.write(writeOptions, wb);
                final BitSet all = new BitSet();
                all.set(0, written.size()); // every entry a delete-range writes is a tombstone
                gc.markWritten(written, all);
            }
            pointReaders.closeIdleIfUnused();
            return n;
        }
        catch (final RocksDBException ex)
        {
            throw new StoreException("delete-range failed: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Drop every version no read above {@code safePoint} can see: for each key, everything older than its newest
     * version at or below the safe point, and that version too when it is a tombstone. Reads at versions
     * {@code >= safePoint} see exactly what they saw before; reads below it are no longer supported. Writes
     * running concurrently must be at versions above the safe point (the host's GC contract).
     *
     * @param safePoint the safe point.
     * @return the number of entries dropped.
     */
    public long gcBelow(final long safePoint)
    {
        enter();
        try
        {
            if (safePoint < 0)
            {
                return 0; // every version is at or above it: nothing to drop, nothing to record, no round to run
            }
            // Recorded before the sweep, not after: a round is many writes, and a process killed part-way used to
            // leave the file at the previous safe point while some keys were already swept to this one, so the
            // reopened store answered reads between the two from a half-swept history (and a resumed drive could
            // not tell a swept tombstone from a lost one). Ahead of the sweep the file only refuses reads the host
            // already gave up by asking for this round.
            recordGcSafePoint(safePoint);
            final long dropped = gc.gcBelow(safePoint, this::checkOpen);
            pointReaders.closeIdleIfUnused();
            return dropped;
        }
        finally
        {
            exit();
        }
    }

    // ------------------------------------------------------------------ reads

    @Override
    public RocksDbSnapshot openSnapshot()
    {
        enter();
        try
        {
            return openSnapshotLocked();
        }
        finally
        {
            exit();
        }
    }

    private RocksDbSnapshot openSnapshotLocked()
    {
        final RocksDbSnapshot s = new RocksDbSnapshot(this, db.getSnapshot());
        openResources.add(s);
        return s;
    }

    /**
     * Read the newest value of {@code key} at or below {@code readVersion} from the latest state of the database
     * (the single iterator used is itself a consistent implicit snapshot). The iterator is reused: an idle one of
     * {@link PointReaders}, refreshed to the latest state, so a get builds no iterator and allocates nothing once
     * the pool's arrays have grown to the longest key and value read.
     *
     * @param key         key buffer.
     * @param keyOffset   key offset.
     * @param keyLength   key length.
     * @param readVersion read version.
     * @param dst         destination.
     * @param dstOffset   destination offset.
     * @return the value length, {@link BackingSnapshot#NOT_FOUND}, or {@code -2 - length} if {@code dst} has
     * less than {@code length} bytes from {@code dstOffset} (nothing copied; the engine's snapshots behave the
     * same way, so a hybrid read means the same whichever source serves it).
     * @throws NullPointerException if {@code key} or {@code dst} is null.
     * @throws IllegalArgumentException if the key's slice lies outside {@code key} or {@code dstOffset} outside
     * {@code [0, dst.capacity()]}.
     * @throws StoreException if the store is closed or RocksDB fails.
     */
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        ReadArguments.checkKey(key, keyOffset, keyLength);
        ReadArguments.checkDst(dst, dstOffset);
        enter();
        try
        {
            final PointReader reader = pointReaders.take();
            boolean read = false;
            try
            {
                final int n = reader.get(key, keyOffset, keyLength, readVersion, dst, dstOffset, false);
                read = true;
                return n;
            }
            finally
            {
                pointReaders.giveBackOrClose(reader, read);
            }
        }
        finally
        {
            exit();
        }
    }

    /**
     * Convenience get.
     *
     * @param key         key.
     * @param readVersion read version.
     * @return the value or null.
     */
    public byte[] get(final byte[] key, final long readVersion)
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
        int n = get(new UnsafeBuffer(key), 0, key.length, readVersion, dst, 0);
        if (n < BackingSnapshot.NOT_FOUND)
        {
            dst.checkLimit(-2 - n);
            n = get(new UnsafeBuffer(key), 0, key.length, readVersion, dst, 0);
        }
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    /**
     * A cursor over the keys of {@code [lower, upper)} visible at {@code readVersion}, on the latest state of the
     * database (the cursor's iterator pins an implicit snapshot for its lifetime).
     *
     * @param lower       inclusive lower bound (empty or null = -infinity).
     * @param upper       exclusive upper bound (empty or null = +infinity).
     * @param readVersion read version.
     * @return an open cursor; close it.
     */
    public RocksDbCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        enter();
        try
        {
            return newCursorLocked(null, lower, upper, readVersion);
        }
        finally
        {
            exit();
        }
    }

    RocksDbCursor newCursorLocked(
        final org.rocksdb.Snapshot snapshot, final byte[] lower, final byte[] upper, final long readVersion)
    {
        final List<AutoCloseable> natives = new ArrayList<>(4);
        try
        {
            final ReadOptions ro = new ReadOptions();
            natives.add(ro);
            if (snapshot != null)
            {
                ro.setSnapshot(snapshot);
            }
            if (lower != null && lower.length > 0)
            {
                final Slice s = new Slice(MvccKeyCodec.encodeKey(lower));
                natives.add(s);
                ro.setIterateLowerBound(s);
            }
            if (upper != null && upper.length > 0)
            {
                final Slice s = new Slice(MvccKeyCodec.encodeKey(upper));
                natives.add(s);
                ro.setIterateUpperBound(s);
            }
            final RocksIterator it = db.newIterator(ro);
            final RocksDbCursor c = new RocksDbCursor(this, it, natives, lower, upper, readVersion);
            openResources.add(c);
            return c;
        }
        catch (final RuntimeException ex)
        {
            closeAll(natives);
            throw new StoreException("cannot open a cursor: " + ex, ex);
        }
    }

    /** A get through an iterator of its own, on read options bound to a snapshot ({@link RocksDbSnapshot#get}). */
    int pointGet(
        final ReadOptions ro, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset, final boolean growExpandable)
    {
        if (readVersion < 0)
        {
            return BackingSnapshot.NOT_FOUND;
        }
        try (PointReader reader = new PointReader(db.newIterator(ro)))
        {
            return reader.get(key, keyOffset, keyLength, readVersion, dst, dstOffset, growExpandable);
        }
    }

    /**
     * Read many keys at {@code readVersion} through one iterator: one native iterator, refreshed once (so one
     * implicit snapshot: the batch is read at one point in time), and one lock round trip for the whole batch,
     * instead of one of each per key. The iterator is a reused one ({@link PointReaders}), as a single get's.
     * RocksDB's own {@code MultiGet} looks up exact keys; an MVCC read needs the newest version at or below the read
     * version, which is a seek, so the batch is a sequence of seeks on one iterator.
     *
     * @throws NullPointerException if a buffer or array is null.
     * @throws IllegalArgumentException if {@code [from, from + count)} exceeds an array, a key's slice lies outside
     * {@code keys}, or {@code dstOffset} outside {@code [0, dst.capacity()]} (checked before anything is read).
     * @throws StoreException if the store is closed or RocksDB fails.
     */
    @Override
    public int multiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset,
        final int[] valueOffsets, final int[] valueLengths)
    {
        ReadArguments.checkMultiGet(keys, keyOffsets, keyLengths, from, count, dst, dstOffset, valueOffsets, valueLengths);
        enter();
        try
        {
            final PointReader reader = pointReaders.take(); // refreshed once: the whole batch reads one state
            boolean read = false;
            try
            {
                int at = dstOffset;
                for (int i = from, end = from + count; i < end; i++)
                {
                    final int n = reader.get(keys, keyOffsets[i], keyLengths[i], readVersion, dst, at, false);
                    valueLengths[i] = n;
                    if (n >= 0)
                    {
                        valueOffsets[i] = at;
                        at += n;
                    }
                }
                read = true;
                return at;
            }
            finally
            {
                pointReaders.giveBackOrClose(reader, read);
            }
        }
        finally
        {
            exit();
        }
    }

    /** An encoded key past every key a region bound can name in practice: the unbounded end of a size estimate. */
    private static final byte[] ESTIMATE_END = filled(64, (byte)0xFF);

    private static byte[] filled(final int length, final byte value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }

    /**
     * @return RocksDB's approximate size of the encoded range {@code [start, end)}, SST files and memtables, or -1
     * if the store is closing or RocksDB fails (an estimate is optional: see {@link BackingSnapshot#approximateSize}).
     */
    long approximateSize(final byte[] start, final byte[] end)
    {
        try
        {
            enter();
        }
        catch (final StoreException closing)
        {
            return -1;
        }
        try (Slice lower = new Slice(null == start || 0 == start.length ? new byte[0] : MvccKeyCodec.encodeKey(start));
            Slice upper = new Slice(null == end || 0 == end.length ? ESTIMATE_END : MvccKeyCodec.encodeKey(end)))
        {
            final long[] sizes = db.getApproximateSizes(List.of(new org.rocksdb.Range(lower, upper)),
                org.rocksdb.SizeApproximationFlag.INCLUDE_FILES, org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES);
            return sizes.length == 1 ? sizes[0] : -1;
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
        finally
        {
            exit();
        }
    }

    // ------------------------------------------------------------------ lifecycle

    void enter()
    {
        final Lock l = lifecycle.readLock();
        l.lock();
        if (closed)
        {
            l.unlock();
            throw new StoreException("store is closed", null);
        }
    }

    void exit()
    {
        lifecycle.readLock().unlock();
    }

    /** Long loops call this per entry: throws once close has begun, so close never waits for a whole scan. */
    void checkOpen()
    {
        if (closed)
        {
            throw new StoreException("store closed during the operation", null);
        }
    }

    void released(final AutoCloseable resource)
    {
        openResources.remove(resource);
    }

    void releaseSnapshot(final org.rocksdb.Snapshot snapshot)
    {
        db.releaseSnapshot(snapshot);
    }

    RocksDB rocksDb()
    {
        return db;
    }

    /** @return the pool of point readers (tests). */
    PointReaders pointReaders()
    {
        return pointReaders;
    }

    /** @return true once {@link #close()} has begun. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Release everything: waits for running operations (scans stop at their next entry), closes cursors and
     * snapshots still open, then the options and, if owned, the database.
     *
     * @throws StoreException if RocksDB reports an error while closing (everything is released anyway).
     * @throws IllegalStateException if called from inside an operation of this store on the same thread (a scan's
     * visitor): close waits for running operations, so it would wait for itself; nothing is closed then.
     */
    @Override
    public void close()
    {
        if (lifecycle.getReadHoldCount() > 0)
        {
            // Close takes the write side of the lock this thread holds for reading: it would wait forever.
            throw new IllegalStateException("close() called from inside an operation of this store (a scan's " +
                "visitor?): it would wait for itself");
        }
        if (!CLOSING.compareAndSet(this, 0, 1))
        {
            return; // another thread owns the shutdown: one CAS, so two racing closes never both free the natives
        }
        closed = true; // before the lock: running scans see it and stop early instead of making close wait
        final Lock l = lifecycle.writeLock();
        l.lock();
        try
        {
            // Cursors (iterators) before snapshots: an iterator must never outlive what it reads.
            final AutoCloseable[] open = openResources.toArray(new AutoCloseable[0]);
            for (int pass = 0; pass < 2; pass++)
            {
                for (final AutoCloseable r : open)
                {
                    if ((r instanceof RocksDbCursor) == (pass == 0))
                    {
                        try
                        {
                            r.close();
                        }
                        catch (final Exception ignore)
                        {
                            // best effort: the database is going away anyway
                        }
                    }
                }
            }
            openResources.clear();
            pointReaders.closeIdle(); // before the read options they were made with
            latestReadOptions.close();
            writeOptions.close();
            if (ownsDb)
            {
                try
                {
                    db.closeE();
                }
                catch (final RocksDBException ex)
                {
                    throw new StoreException("closing RocksDB failed: " + ex, ex);
                }
                finally
                {
                    options.close();
                }
            }
        }
        finally
        {
            l.unlock();
        }
    }

    // ------------------------------------------------------------------ helpers

    static byte[] storedKey(final DirectBuffer key, final int keyOffset, final int keyLength, final long version)
    {
        final int encoded = MvccKeyCodec.encodedLength(keyLength);
        final byte[] out = new byte[encoded + MvccKeyCodec.VERSION_LENGTH];
        final UnsafeBuffer b = new UnsafeBuffer(out);
        MvccKeyCodec.encodeKey(key, keyOffset, keyLength, b, 0);
        MvccKeyCodec.putVersion(b, encoded, version);
        return out;
    }

    private static void checkVersion(final long version)
    {
        if (version < 0)
        {
            throw new StoreException("version must be >= 0, was " + version, null);
        }
    }

    static void closeAll(final List<AutoCloseable> natives)
    {
        // Reverse order: an iterator before its read options, read options before their bound slices.
        for (int i = natives.size() - 1; i >= 0; i--)
        {
            try
            {
                natives.get(i).close();
            }
            catch (final Exception ignore)
            {
                // closing native handles does not fail in practice; keep releasing the rest
            }
        }
        natives.clear();
    }
}
