package io.regioncache.lmdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
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

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.store.MvccKeyCodec;

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
 * on a loader thread. <b>Writes</b> are one write transaction per batch (LMDB admits one writer at a time and
 * queues the others). <b>Durability:</b> {@code MDB_NOSYNC} by default (a process crash loses nothing committed; an
 * OS crash may lose the last commits); {@link #open(Path, long, boolean)} with {@code durable = true} syncs every
 * commit.
 * <p>
 * <b>Limits.</b> LMDB keys are at most {@link #maxKeyLength()} bytes after encoding (511 by default, so user keys of
 * up to 440 bytes); a longer key is a {@link StoreException}, never a crash. Thread-safe. {@link #close()} waits
 * for running calls and closes snapshots and cursors left open.
 */
public final class LmdbBackingStore implements WritableStore
{
    static final byte[] TOMBSTONE_VALUE = {MvccKeyCodec.FLAG_DELETE};
    private static final long DEFAULT_MAP_SIZE = 8L << 30;

    private final Path dir;
    private final Env<byte[]> env;
    private final Dbi<byte[]> dbi;
    private final int maxUserKeyLength;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<AutoCloseable> open = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private volatile long gcSafePoint = -1;
    private volatile boolean closed;

    private LmdbBackingStore(final Path dir, final long mapSize, final boolean durable)
    {
        this.dir = dir;
        try
        {
            Files.createDirectories(dir);
            final EnvFlags[] flags = durable ?
                new EnvFlags[] {EnvFlags.MDB_NOTLS} :
                new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC};
            this.env = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(mapSize).setMaxDbs(1).setMaxReaders(1024)
                .open(dir.toFile(), flags);
            this.dbi = env.openDbi("mvcc", DbiFlags.MDB_CREATE);
        }
        catch (final java.io.IOException | LmdbException ex)
        {
            throw new StoreException("cannot open LMDB in " + dir + ": " + ex, ex);
        }
        // The largest user key whose encoding plus version fits LMDB's key limit.
        int max = 0;
        while (MvccKeyCodec.encodedLength(max + 1) + MvccKeyCodec.VERSION_LENGTH <= env.getMaxKeySize())
        {
            max++;
        }
        this.maxUserKeyLength = max;
    }

    /**
     * Open (creating if missing) a store in {@code dir} with an 8 GiB map (address space, not memory) and
     * no fsync per commit.
     *
     * @param dir the LMDB directory.
     * @return the store.
     * @throws StoreException if LMDB cannot open it.
     */
    public static LmdbBackingStore open(final Path dir)
    {
        return open(dir, DEFAULT_MAP_SIZE, false);
    }

    /**
     * @param dir     the LMDB directory.
     * @param mapSize LMDB map size in bytes (the largest the database may grow).
     * @param durable true to fsync every commit.
     * @return the store.
     * @throws StoreException if LMDB cannot open it.
     */
    public static LmdbBackingStore open(final Path dir, final long mapSize, final boolean durable)
    {
        return new LmdbBackingStore(dir, mapSize, durable);
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
            gcSafePoint = Math.max(gcSafePoint, safePoint);
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

    @Override
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        enter();
        try (Txn<byte[]> txn = env.txnRead())
        {
            return pointGet(txn, key, keyOffset, keyLength, readVersion, dst, dstOffset);
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

    int pointGet(
        final Txn<byte[]> txn, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
    {
        if (readVersion < 0)
        {
            return BackingSnapshot.NOT_FOUND; // versions are >= 0; ~(-1) would seek to the newest version
        }
        final byte[] userKey = new byte[keyLength];
        key.getBytes(keyOffset, userKey);
        final byte[] seek = storedKey(new UnsafeBuffer(userKey), keyLength, readVersion);
        try (Cursor<byte[]> c = dbi.openCursor(txn))
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
    }

    Dbi<byte[]> dbi()
    {
        return dbi;
    }

    byte[] storedKey(final DirectBuffer key, final int keyLength, final long version)
    {
        if (keyLength > maxUserKeyLength)
        {
            throw new StoreException("key of " + keyLength + " bytes is over LMDB's limit of " + maxUserKeyLength);
        }
        final byte[] k = new byte[MvccKeyCodec.encodedLength(keyLength) + MvccKeyCodec.VERSION_LENGTH];
        final UnsafeBuffer view = new UnsafeBuffer(k);
        final int n = MvccKeyCodec.encodeKey(key, 0, keyLength, view, 0);
        MvccKeyCodec.putVersion(view, n, version);
        return k;
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
     * Close snapshots and cursors left open, then the environment. Waits for running calls.
     */
    @Override
    public void close()
    {
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
            env.close();
        }
        finally
        {
            lifecycle.writeLock().unlock();
        }
    }
}
