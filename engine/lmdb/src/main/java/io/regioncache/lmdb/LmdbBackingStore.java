package io.regioncache.lmdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

import io.regioncache.ReadArguments;
import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.store.MvccKeyCodec;
import io.regioncache.store.SafePointFile;

/**
 * An MVCC {@link WritableStore} in LMDB (lmdbjava): the second durable store behind
 * {@link io.regioncache.hybrid.HybridEngine}, proving the hybrid engine needs nothing RocksDB-specific.
 * <p>
 * <b>Format.</b> One LMDB database, keyed exactly like {@code RocksDbBackingStore}:
 * {@code memcomparable(userKey) ++ bigEndian(~version)} ({@link MvccKeyCodec}), so LMDB's byte order is (user key
 * ascending, version descending). Values are a flag byte ({@code 'P'} + the value, or {@code 'D'} for a tombstone).
 * <p>
 * <b>Snapshots</b> are LMDB read transactions: LMDB's MVCC gives each one a consistent view for free. The
 * environment is opened with {@code MDB_NOTLS} because the cache opens a snapshot on its apply thread and scans it
 * on a loader thread. {@link #get} and {@link #multiGet} read the latest state through read transactions kept reset
 * between reads and renewed per read (with their cursors), not begun and aborted per read. <b>Writes</b> are one
 * write transaction per batch (LMDB admits one writer at a time and
 * queues the others). <b>Durability:</b> {@code MDB_NOSYNC} by default (a process crash loses nothing committed; an
 * OS crash may lose the last commits); {@link #open(Path, long, boolean)} with {@code durable = true} syncs every
 * commit.
 * <p>
 * <b>Limits.</b> LMDB keys are at most {@link #maxKeyLength()} bytes after encoding (511 by default, so user keys of
 * up to 439 bytes: 439 encode to 503 with the version, 440 to 512); a longer key is a {@link StoreException}, never
 * a crash. Thread-safe. {@link #close()} waits
 * for running calls and closes snapshots and cursors left open; every call after it throws {@link StoreException}.
 * <p>
 * <b>One store per directory per process.</b> LMDB must not open one environment twice in a process (closing
 * either copy releases the locks of both) and does not detect it; {@link #open} refuses a directory a store of this
 * process holds, until that store closes.
 */
public final class LmdbBackingStore implements WritableStore
{
    static final byte[] TOMBSTONE_VALUE = {MvccKeyCodec.FLAG_DELETE};
    private static final long DEFAULT_MAP_SIZE = 8L << 30;

    private final Path dir;
    private final Env<byte[]> env;
    private final Dbi<byte[]> dbi;
    private final int maxUserKeyLength;
    /** The read transactions of {@link #get} and {@link #multiGet}, reset and reused ({@link PointTxns}). */
    private final PointTxns pointTxns;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<AutoCloseable> open = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private volatile long gcSafePoint = -1;
    private volatile boolean closed;
    /** The real path this store holds in {@link #HELD}, released at close. */
    private final Path held;

    /** Real paths of the directories open stores of this process hold (LMDB must not open one twice). */
    private static final Set<Path> HELD = new HashSet<>();

    private LmdbBackingStore(final Path dir, final long mapSize, final boolean durable)
    {
        this.dir = dir;
        Env<byte[]> e = null;
        Path real = null;
        try
        {
            Files.createDirectories(dir);
            real = dir.toRealPath();
            synchronized (HELD)
            {
                if (!HELD.add(real))
                {
                    final Path taken = real;
                    real = null; // not ours to release
                    throw new StoreException("cannot open LMDB in " + dir + ": a store of this process holds " +
                        taken + " (LMDB must not open one environment twice in a process)");
                }
            }
            final EnvFlags[] flags = durable ?
                new EnvFlags[] {EnvFlags.MDB_NOTLS} :
                new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC};
            e = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(mapSize).setMaxDbs(1).setMaxReaders(1024)
                .open(dir.toFile(), flags);
            this.dbi = e.openDbi("mvcc", DbiFlags.MDB_CREATE);
            this.env = e;
            this.held = real;
        }
        catch (final java.io.IOException | LmdbException ex)
        {
            closeFailed(e, real);
            throw new StoreException("cannot open LMDB in " + dir + ": " + ex, ex);
        }
        catch (final RuntimeException | Error ex)
        {
            closeFailed(e, real); // whatever failed: the directory must not stay held by a store that never opened
            throw ex;
        }
        // The largest user key whose encoding plus version fits LMDB's key limit.
        int max = 0;
        while (MvccKeyCodec.encodedLength(max + 1) + MvccKeyCodec.VERSION_LENGTH <= env.getMaxKeySize())
        {
            max++;
        }
        this.maxUserKeyLength = max;
        this.pointTxns = new PointTxns(env, dbi);
        // The highest safe point an earlier process swept at (a black-box audit found a reopened store answering
        // reads below its last sweep from the swept data, where the process that swept refused them).
        try
        {
            this.gcSafePoint = SafePointFile.read(dir);
        }
        catch (final StoreException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * Open (creating if missing) a store in {@code dir} with an 8 GiB map (address space, not memory) and
     * no fsync per commit.
     *
     * @param dir the LMDB directory.
     * @return the store.
     * @throws NullPointerException if {@code dir} is null.
     * @throws StoreException if LMDB cannot open it (a file, not an LMDB directory, held by a store of this
     * process).
     */
    public static LmdbBackingStore open(final Path dir)
    {
        return open(dir, DEFAULT_MAP_SIZE, false);
    }

    /**
     * @param dir     the LMDB directory.
     * @param mapSize LMDB map size in bytes (the largest the database may grow; {@code > 0}, rounded up by LMDB to
     *                its page size). A write that does not fit is a {@link StoreException}.
     * @param durable true to fsync every commit.
     * @return the store.
     * @throws NullPointerException if {@code dir} is null.
     * @throws IllegalArgumentException if {@code mapSize <= 0}.
     * @throws StoreException if LMDB cannot open it (a file, not an LMDB directory, held by a store of this
     * process).
     */
    public static LmdbBackingStore open(final Path dir, final long mapSize, final boolean durable)
    {
        Objects.requireNonNull(dir, "dir");
        if (mapSize <= 0)
        {
            // LMDB reads 0 as "its 1 MiB default" and a negative size as an enormous one.
            throw new IllegalArgumentException("mapSize must be > 0, was " + mapSize);
        }
        return new LmdbBackingStore(dir, mapSize, durable);
    }

    private static void closeFailed(final Env<byte[]> e, final Path real)
    {
        try
        {
            if (e != null)
            {
                e.close();
            }
        }
        finally
        {
            release(real);
        }
    }

    private static void release(final Path real)
    {
        if (real != null)
        {
            synchronized (HELD)
            {
                HELD.remove(real);
            }
        }
    }

    /** @return the LMDB directory. */
    public Path dir()
    {
        return dir;
    }

    /** @return the longest user key this store accepts. */
    public int maxKeyLength()
    {
        return maxUserKeyLength;
    }

    @Override
    public long gcSafePoint()
    {
        return gcSafePoint;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void applyBatch(final WriteBatch batch)
    {
        final long version = batch.version();
        checkVersion(version);
        enter();
        try (Txn<byte[]> txn = env.txnWrite())
        {
            batch.forEach((op, key, keyLength, value, valueLength) ->
            {
                final byte[] k = storedKey(key, keyLength, version);
                if (op == WriteBatch.PUT)
                {
                    final byte[] v = new byte[valueLength + 1];
                    v[0] = MvccKeyCodec.FLAG_PUT;
                    value.getBytes(0, v, 1, valueLength);
                    dbi.put(txn, k, v);
                }
                else
                {
                    dbi.put(txn, k, TOMBSTONE_VALUE);
                }
                return 0;
            });
            txn.commit();
        }
        catch (final LmdbException ex)
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

    @Override
    public long deleteRange(final byte[] start, final byte[] end, final long version)
    {
        checkVersion(version);
        enter();
        try (Txn<byte[]> txn = env.txnWrite())
        {
            long n = 0;
            // Collect first: LMDB cursors must not see their own transaction's inserts mid-walk.
            final java.util.List<byte[]> visible = new java.util.ArrayList<>();
            try (LmdbCursor cursor = new LmdbCursor(this, txn, false, start, end, version))
            {
                while (cursor.nextLocked())
                {
                    visible.add(cursor.keyBytes());
                }
            }
            for (final byte[] k : visible)
            {
                dbi.put(txn, MvccKeyCodec.encode(k, version), TOMBSTONE_VALUE);
                n++;
            }
            txn.commit();
            return n;
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("delete-range failed: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    @Override
    public long gcBelow(final long safePoint)
    {
        enter();
        try (Txn<byte[]> txn = env.txnWrite())
        {
            long dropped = 0;
            // The cursor closes before the commit (LMDB frees a write transaction's cursors at commit).
            try (Cursor<byte[]> c = dbi.openCursor(txn))
            {
                byte[] decided = null; // encoded user key whose kept version is decided
                boolean more = c.first();
                while (more)
                {
                    final byte[] stored = c.key();
                    final int encodedLength = stored.length - MvccKeyCodec.VERSION_LENGTH;
                    final long version = MvccKeyCodec.decodeVersion(stored);
                    if (decided != null && Arrays.equals(decided, 0, decided.length, stored, 0, encodedLength))
                    {
                        c.delete(); // older than the version kept for this key
                        dropped++;
                        more = c.get(stored, GetOp.MDB_SET_RANGE);
                        continue;
                    }
                    if (version <= safePoint)
                    {
                        // The newest version at or below the safe point: every older entry of the key goes.
                        decided = Arrays.copyOf(stored, encodedLength);
                        if (c.val().length > 0 && c.val()[0] == MvccKeyCodec.FLAG_DELETE)
                        {
                            c.delete();
                            dropped++;
                            more = c.get(stored, GetOp.MDB_SET_RANGE);
                            continue;
                        }
                    }
                    more = c.next();
                }
            }
            txn.commit();
            synchronized (this) // two rounds finishing at once must not write the file's temporary copy together
            {
                if (safePoint > gcSafePoint)
                {
                    gcSafePoint = safePoint; // first: this process refuses reads below the sweep even if the file fails
                    SafePointFile.write(dir, safePoint);
                }
            }
            return dropped;
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("gc below " + safePoint + " failed: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    // ------------------------------------------------------------------ reads

    @Override
    public BackingSnapshot openSnapshot()
    {
        enter();
        try
        {
            final LmdbSnapshot s = new LmdbSnapshot(this, env.txnRead());
            open.add(s);
            return s;
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("cannot open an LMDB read transaction: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException if {@code key} or {@code dst} is null.
     * @throws IllegalArgumentException if the key's slice lies outside {@code key} or {@code dstOffset} outside
     * {@code [0, dst.capacity()]}.
     * @throws StoreException if the key is over {@link #maxKeyLength()}, the store is closed or LMDB fails.
     */
    @Override
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        ReadArguments.checkKey(key, keyOffset, keyLength);
        ReadArguments.checkDst(dst, dstOffset);
        enter();
        try
        {
            final PointTxn t = pointTxns.take();
            boolean completed = false;
            try
            {
                final int n = pointGet(t, key, keyOffset, keyLength, readVersion, dst, dstOffset);
                completed = true;
                return n;
            }
            finally
            {
                pointTxns.giveBackOrClose(t, completed);
            }
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("get failed: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * The whole batch is read in one read transaction, under the store's lifecycle lock: one point in time for every
     * key, and a close waits for the batch rather than pulling the environment from under it.
     *
     * @throws NullPointerException if a buffer or array is null.
     * @throws IllegalArgumentException if {@code [from, from + count)} exceeds an array, a key's slice lies outside
     * {@code keys}, or {@code dstOffset} outside {@code [0, dst.capacity()]} (checked before anything is read).
     * @throws StoreException if a key is over {@link #maxKeyLength()}, the store is closed (an empty batch included)
     * or LMDB fails.
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
            final PointTxn t = pointTxns.take();
            boolean completed = false;
            try
            {
                int at = dstOffset;
                for (int i = from, end = from + count; i < end; i++)
                {
                    final int n = pointGet(t, keys, keyOffsets[i], keyLengths[i], readVersion, dst, at);
                    valueLengths[i] = n;
                    if (n >= 0)
                    {
                        valueOffsets[i] = at;
                        at += n;
                    }
                }
                completed = true;
                return at;
            }
            finally
            {
                pointTxns.giveBackOrClose(t, completed);
            }
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("multiGet failed: " + ex, ex);
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
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        int n = get(new UnsafeBuffer(key), 0, key.length, readVersion, dst, 0);
        if (n < BackingSnapshot.NOT_FOUND)
        {
            dst.wrap(new byte[-2 - n]);
            n = get(new UnsafeBuffer(key), 0, key.length, readVersion, dst, 0);
        }
        return n < 0 ? null : Arrays.copyOf(dst.byteArray(), n);
    }

    @Override
    public LmdbCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        enter();
        try
        {
            final LmdbCursor c = new LmdbCursor(this, env.txnRead(), true,
                lower == null ? new byte[0] : lower, upper == null ? new byte[0] : upper, readVersion);
            open.add(c);
            return c;
        }
        catch (final LmdbException ex)
        {
            throw new StoreException("cannot open an LMDB cursor: " + ex, ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * A snapshot's point read ({@link LmdbSnapshot#get}): a cursor of its transaction for this read.
     */
    int pointGet(
        final Txn<byte[]> txn, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
    {
        if (readVersion < 0)
        {
            return BackingSnapshot.NOT_FOUND; // versions are >= 0; ~(-1) would seek to the newest version
        }
        final UnsafeBuffer seek = new UnsafeBuffer(new byte[seekLength(keyLength)]);
        encodeSeek(key, keyOffset, keyLength, readVersion, seek);
        try (Cursor<byte[]> c = dbi.openCursor(txn))
        {
            return seekGet(c, seek.byteArray(), dst, dstOffset);
        }
    }

    /**
     * The store's point read at the latest state: the pooled transaction's cursor and seek array.
     */
    private int pointGet(
        final PointTxn t, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
    {
        if (readVersion < 0)
        {
            return BackingSnapshot.NOT_FOUND; // versions are >= 0; ~(-1) would seek to the newest version
        }
        final UnsafeBuffer seek = t.seekBuffer(seekLength(keyLength));
        encodeSeek(key, keyOffset, keyLength, readVersion, seek);
        return seekGet(t.cursor(), seek.byteArray(), dst, dstOffset);
    }

    /**
     * The newest version at or below the seek key's: the first entry at or after {@code seek} (encoded user key,
     * inverted version), if it belongs to the same user key.
     */
    private static int seekGet(
        final Cursor<byte[]> c, final byte[] seek, final MutableDirectBuffer dst, final int dstOffset)
    {
        if (!c.get(seek, GetOp.MDB_SET_RANGE))
        {
            return BackingSnapshot.NOT_FOUND;
        }
        final byte[] stored = c.key();
        final int prefix = seek.length - MvccKeyCodec.VERSION_LENGTH;
        if (stored.length != seek.length || !Arrays.equals(stored, 0, prefix, seek, 0, prefix))
        {
            return BackingSnapshot.NOT_FOUND; // the next entry belongs to another key
        }
        final byte[] v = c.val();
        if (v.length == 0)
        {
            // Only a value written into the database by something other than this store; never an index error.
            throw new StoreException("stored value without a flag byte");
        }
        if (v[0] == MvccKeyCodec.FLAG_DELETE)
        {
            return BackingSnapshot.NOT_FOUND;
        }
        final int length = v.length - 1;
        if (dst.capacity() - dstOffset < length)
        {
            return -2 - length;
        }
        dst.putBytes(dstOffset, v, 1, length);
        return length;
    }

    /** @return the point reads' transaction pool (tests). */
    PointTxns pointTxns()
    {
        return pointTxns;
    }

    Dbi<byte[]> dbi()
    {
        return dbi;
    }

    byte[] storedKey(final DirectBuffer key, final int keyLength, final long version)
    {
        final UnsafeBuffer view = new UnsafeBuffer(new byte[seekLength(keyLength)]);
        encodeSeek(key, 0, keyLength, version, view);
        return view.byteArray();
    }

    /**
     * @return the stored key's length (encoded user key and version) for a user key of {@code keyLength} bytes.
     * @throws StoreException if the key is over {@link #maxKeyLength()}.
     */
    private int seekLength(final int keyLength)
    {
        if (keyLength > maxUserKeyLength)
        {
            throw new StoreException("key of " + keyLength + " bytes is over LMDB's limit of " + maxUserKeyLength);
        }
        return MvccKeyCodec.encodedLength(keyLength) + MvccKeyCodec.VERSION_LENGTH;
    }

    /** Write the stored key of ({@code key}, {@code version}) into {@code into}, which has exactly its length. */
    private static void encodeSeek(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long version, final UnsafeBuffer into)
    {
        final int n = MvccKeyCodec.encodeKey(key, keyOffset, keyLength, into, 0);
        MvccKeyCodec.putVersion(into, n, version);
    }

    void forget(final AutoCloseable resource)
    {
        open.remove(resource);
    }

    void enter()
    {
        lifecycle.readLock().lock();
        if (closed)
        {
            lifecycle.readLock().unlock();
            throw new StoreException("LMDB store is closed");
        }
    }

    void exit()
    {
        lifecycle.readLock().unlock();
    }

    private static void checkVersion(final long version)
    {
        if (version < 0)
        {
            throw new StoreException("version must be >= 0, was " + version);
        }
    }

    /** @return true once closed. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Close snapshots and cursors left open, then the environment. Waits for running calls. Idempotent.
     *
     * @throws IllegalStateException if called from inside a call of this store on the same thread (a scan's
     * visitor): close waits for running calls, so it would wait for itself; nothing is closed then.
     */
    @Override
    public void close()
    {
        if (lifecycle.getReadHoldCount() > 0)
        {
            // The write side of a lock this thread holds for reading: it would wait forever.
            throw new IllegalStateException("close() called from inside a call of this store (a scan's visitor?): " +
                "it would wait for itself");
        }
        lifecycle.writeLock().lock();
        try
        {
            if (closed)
            {
                return;
            }
            closed = true;
            final AutoCloseable[] left;
            synchronized (open)
            {
                left = open.toArray(new AutoCloseable[0]);
            }
            for (final AutoCloseable c : left)
            {
                try
                {
                    c.close();
                }
                catch (final Exception ignore)
                {
                    // closing anyway
                }
            }
            pointTxns.closeIdle(); // before the environment: a pooled transaction is ended through it
            try
            {
                env.close();
            }
            finally
            {
                release(held); // the directory may be opened again by this process
            }
        }
        finally
        {
            lifecycle.writeLock().unlock();
        }
    }
}
