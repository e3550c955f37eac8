package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.regioncache.StoreException;
import io.regioncache.store.MvccKeyCodec;

/**
 * The MVCC GC of a {@link RocksDbBackingStore}: drop every version no read at or above the safe point can see, at a
 * cost proportional to the versions dropped rather than to the database.
 * <p>
 * <b>What a round must do.</b> For each key, keep its newest version at or below the safe point {@code P} (drop it
 * too when it is a tombstone) and drop every older one. A key's entries are stored newest first (see
 * {@link MvccKeyCodec}), so that is: seek to {@code (key, P)}, keep the first entry, drop the following ones.
 * <p>
 * <b>The invariant that lets a round skip almost everything.</b> Call an entry <em>verified</em> once a completed
 * round at a safe point at or above its version has swept its key (a round never lowers what is verified, see
 * below). Every key then satisfies: <em>of its verified entries at most one is live, and that one is a put</em>
 * (the round kept the newest, dropped the older ones, and dropped the kept one if it was a tombstone). Entries not
 * verified yet are tracked per key as a version range {@code [lo, hi]} ({@link Tracked}) in {@link #pending}:
 * a write widens its keys' ranges after it landed, and a round leaves a key's entries above {@code P} unverified,
 * as {@code [P + 1, hi]}. So a round:
 * <ul>
 * <li>skips a key whose unverified range starts above {@code P} (nothing at or below {@code P} can be dropped: the
 * default {@code drive}'s keys written since the last round are all like that) and every key not tracked at
 * all;</li>
 * <li>for the others seeks straight to {@code (key, P)} (never reading the versions above it) and stops right
 * after the first entry older than {@code lo}: that entry is verified and live, hence the key's one live verified
 * entry, and everything older is already gone. Without that stop the iterator would walk, inside RocksDB, over every
 * delete tombstone earlier rounds left for the key until compaction removes them, which for a hot key is thousands
 * per round and was most of the old sweep's cost;</li>
 * <li>reads the value (its flag byte) only of the entry it keeps, and deletes through one reused direct buffer.</li>
 * </ul>
 * When the kept entry is a tombstone the walk goes on to the end of the key regardless: the invariant says nothing
 * older is live, and if it were ever wrong, a stop there would make an older put visible again, whereas a wrong stop
 * after a kept put only leaves garbage.
 * <p>
 * <b>Why marks are never lost.</b> A writer marks its keys after its write landed, under the read side of
 * {@link #swapLock}; a round swaps {@link #pending} for an empty map under the write side and only then takes its
 * RocksDB snapshot. A mark that went into the taken map therefore finished before the swap, after its write landed:
 * the snapshot sees the write. A mark that went into the new map is seen by the next round. (Marking before the
 * write, or without the lock, loses marks that race with the swap.)
 * <p>
 * <b>Rounds that cannot rely on the invariant</b> sweep every entry (and establish it): the first round after
 * opening a non-empty directory (keys written before this process are not tracked), every round of a store made by
 * {@link RocksDbBackingStore#wrap} (its database may be written behind the store's back), and a round where most keys
 * would be visited anyway (a forward scan is cheaper than a seek per key). A round whose safe point is below the
 * highest one swept so far drops what a full sweep would, but verifies nothing (verified entries above its safe point
 * may be live), so it puts the ranges it took back. A failed round also puts them back: it only ever deleted entries,
 * which keeps the invariant. {@code RocksDbGcTest} compares rounds against a store that always sweeps everything, on
 * random histories with deletes, restarts and injected failures.
 * <p>
 * <b>Threads.</b> Writers call {@link #markWritten} concurrently; rounds are serialized by {@link #roundLock}.
 */
final class RocksDbGc
{
    private static final int GC_BATCH = 4096;
    /** Bits of a key index packed beside its key bits by {@link #seekOrder}. */
    private static final int INDEX_BITS = 22;
    /** A key with more droppable versions than this drops the rest with one range tombstone (see sweepKey). */
    static final int RANGE_DELETE_AFTER = 8;

    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final boolean incremental;
    private final ReentrantLock roundLock = new ReentrantLock();
    /** Read side: a writer marking; write side: a round swapping {@link #pending}. */
    private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
    /** Tracked keys, each its own value (see {@link Tracked}); the reference is guarded by {@link #swapLock}. */
    private ConcurrentHashMap<Tracked, Tracked> pending = new ConcurrentHashMap<>();
    /** True until a full sweep has established the invariant (keys written before this process are not tracked). */
    private boolean fullSweepNeeded;
    private volatile long safePoint = -1;
    /** Test hook: called once per key or entry visited, may throw to simulate a failure mid-round. */
    private volatile Runnable visitHook;

    /**
     * @param db            the database.
     * @param writeOptions  options for the deletes.
     * @param incremental   false: sweep everything every round (nothing is tracked).
     * @param startsEmpty   true if the database held no entry when this store opened it.
     */
    RocksDbGc(final RocksDB db, final WriteOptions writeOptions, final boolean incremental, final boolean startsEmpty)
    {
        this.db = db;
        this.writeOptions = writeOptions;
        this.incremental = incremental;
        this.fullSweepNeeded = !startsEmpty;
    }

    /** @return the highest safe point a completed round swept at, or -1. */
    long safePoint()
    {
        return safePoint;
    }

    boolean tracking()
    {
        return incremental;
    }

    void visitHook(final Runnable hook)
    {
        this.visitHook = hook;
    }

    /**
     * After a write landed in RocksDB: its entries are unverified.
     *
     * @param storedKeys the stored keys written (encoded user key + version).
     */
    void markWritten(final List<byte[]> storedKeys)
    {
        if (!incremental)
        {
            return;
        }
        final Lock l = swapLock.readLock();
        l.lock();
        try
        {
            final ConcurrentHashMap<Tracked, Tracked> map = pending;
            for (final byte[] k : storedKeys)
            {
                final int encodedLength = k.length - MvccKeyCodec.VERSION_LENGTH;
                final long version = MvccKeyCodec.getVersion(new UnsafeBuffer(k), encodedLength);
                final Tracked t = new Tracked(Arrays.copyOf(k, encodedLength), version, version);
                map.merge(t, t, Tracked::widen);
            }
        }
        finally
        {
            l.unlock();
        }
    }

    /**
     * One GC round (see the class comment).
     *
     * @param safePoint the safe point.
     * @param checkOpen throws a {@link StoreException} once the store is closing.
     * @return the number of entries dropped.
     */
    long gcBelow(final long safePoint, final Runnable checkOpen)
    {
        roundLock.lock();
        try
        {
            return round(safePoint, checkOpen);
        }
        finally
        {
            roundLock.unlock();
        }
    }

    private long round(final long p, final Runnable checkOpen)
    {
        final ConcurrentHashMap<Tracked, Tracked> taken;
        final Lock w = swapLock.writeLock();
        w.lock();
        try
        {
            taken = pending;
            pending = new ConcurrentHashMap<>();
        }
        finally
        {
            w.unlock();
        }
        final boolean forward = p >= safePoint;
        final Snapshot snapshot = db.getSnapshot(); // after the swap: it sees every write marked in `taken`
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setFillCache(false);
             RocksIterator it = db.newIterator(ro);
             WriteBatch wb = new WriteBatch())
        {
            final Walker walker = new Walker(it, wb, p, checkOpen);
            // `taken` is quiescent now (every writer that could add to it has released the swap lock).
            final Tracked[] keys = taken.values().toArray(new Tracked[0]);
            int work = 0;
            for (final Tracked t : keys)
            {
                work += t.lo <= p ? 1 : 0;
            }
            final List<Tracked> carried = new ArrayList<>();
            final boolean full = !incremental || fullSweepNeeded || work * 4L > estimatedKeys();
            if (full)
            {
                walker.sweepAll(carried);
            }
            else
            {
                for (final int i : seekOrder(keys, work, p))
                {
                    walker.sweepKey(keys[i].bytes, keys[i].lo);
                }
            }
            it.status();
            walker.flush();
            if (incremental)
            {
                if (!forward)
                {
                    // A backward round verified nothing (verified entries above its safe point may be live).
                    putBack(Arrays.asList(keys));
                }
                else
                {
                    if (!full)
                    {
                        for (final Tracked t : keys)
                        {
                            if (t.hi > p)
                            {
                                t.lo = Math.max(t.lo, p + 1); // what the round left: above its safe point
                                carried.add(t);
                            }
                        }
                    }
                    putBack(carried);
                }
                fullSweepNeeded = false;
            }
            this.safePoint = Math.max(this.safePoint, p);
            return walker.dropped;
        }
        catch (final RocksDBException | IllegalArgumentException | StoreException ex)
        {
            if (incremental)
            {
                putBack(new ArrayList<>(taken.values())); // nothing is forgotten: the next round looks again
            }
            if (ex instanceof StoreException)
            {
                throw (StoreException)ex;
            }
            throw new StoreException("gc below " + p + " failed: " + ex, ex);
        }
        finally
        {
            db.releaseSnapshot(snapshot);
        }
    }

    /**
     * The indexes of the keys a round must seek to ({@code lo <= p}), roughly in key order, so that consecutive seeks
     * land near each other. Roughly, because the order only matters for locality: a primitive sort of each key's
     * first 8 bytes (after the bits every such key shares) packed with its index costs a few milliseconds, where a
     * comparator sort of tens of thousands of key objects cost several percent of the round.
     */
    private static int[] seekOrder(final Tracked[] keys, final int work, final long p)
    {
        final int[] out = new int[work];
        int w = 0;
        long first = 0;
        long diff = 0;
        for (int i = 0; i < keys.length; i++)
        {
            if (keys[i].lo <= p)
            {
                if (w == 0)
                {
                    first = keys[i].head;
                }
                diff |= keys[i].head ^ first;
                out[w++] = i;
            }
        }
        if (keys.length > 1 << INDEX_BITS)
        {
            return out; // too many to pack an index beside the key bits: seek in map order
        }
        final int shared = diff == 0 ? 0 : Long.numberOfLeadingZeros(diff);
        final long[] packed = new long[work];
        for (int j = 0; j < work; j++)
        {
            final long bits = (keys[out[j]].head << shared) >>> (INDEX_BITS + 1); // non-negative: signed sort works
            packed[j] = bits << INDEX_BITS | out[j];
        }
        Arrays.sort(packed);
        for (int j = 0; j < work; j++)
        {
            out[j] = (int)(packed[j] & ((1L << INDEX_BITS) - 1));
        }
        return out;
    }

    /** Track {@code keys} again, as they are (a key a writer marked meanwhile widens to cover both). */
    private void putBack(final List<Tracked> keys)
    {
        final Lock l = swapLock.readLock();
        l.lock();
        try
        {
            final ConcurrentHashMap<Tracked, Tracked> map = pending;
            for (final Tracked t : keys)
            {
                map.merge(t, t, Tracked::widen); // `t` belongs to no map any more: it may go in as it is
            }
        }
        finally
        {
            l.unlock();
        }
    }

    private long estimatedKeys()
    {
        try
        {
            return db.getLongProperty("rocksdb.estimate-num-keys");
        }
        catch (final RocksDBException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The entries of one round: reads keys into a reused direct buffer, the flag byte only of kept entries, and
     * deletes straight from the key buffer (no {@code byte[]} per entry).
     */
    private final class Walker
    {
        final RocksIterator it;
        final WriteBatch wb;
        final long p;
        final Runnable checkOpen;
        final Runnable hook = visitHook;
        ByteBuffer key = ByteBuffer.allocateDirect(256);
        final UnsafeBuffer keyView = new UnsafeBuffer(key);
        int keyLength;
        final ByteBuffer flag = ByteBuffer.allocateDirect(1);
        ByteBuffer seek = ByteBuffer.allocateDirect(256);
        final UnsafeBuffer seekView = new UnsafeBuffer(seek);
        byte[] rangeEnd = new byte[64];
        /** Operations in {@link #wb} (counted here: {@code WriteBatch.count()} is a JNI call). */
        int batched;
        long dropped;

        Walker(final RocksIterator it, final WriteBatch wb, final long p, final Runnable checkOpen)
        {
            this.it = it;
            this.wb = wb;
            this.p = p;
            this.checkOpen = checkOpen;
        }

        /**
         * Sweep one tracked key whose unverified entries start at {@code lo <= p}: seek to {@code (key, p)}, keep
         * the first entry, drop the following ones down to the first entry older than {@code lo} (see the class
         * comment). Past {@link #RANGE_DELETE_AFTER} dropped entries, the rest of the run goes with one range
         * tombstone instead of a point delete each: a hot key drops thousands of versions per round, and each point
         * delete is a memtable insert (the most expensive step left) that also grows the memtable every later seek
         * searches. The range is exactly the entries walked (this snapshot sees every write at or below {@code p};
         * writes running concurrently are above it), so the count stays exact. A kept tombstone is deleted last,
         * after everything older: a crash between two of the round's writes must never leave an older put without
         * the tombstone that hid it.
         */
        void sweepKey(final byte[] encoded, final long lo) throws RocksDBException
        {
            visit();
            final int seekLength = encoded.length + MvccKeyCodec.VERSION_LENGTH;
            if (seek.capacity() < seekLength)
            {
                seek = ByteBuffer.allocateDirect(seekLength * 2);
                seekView.wrap(seek);
            }
            seekView.putBytes(0, encoded);
            MvccKeyCodec.putVersion(seekView, encoded.length, p);
            seek.clear().limit(seekLength);
            boolean kept = false;
            byte[] keptTombstone = null;
            int pointDeletes = 0;
            byte[] rangeStart = null;
            for (it.seek(seek); it.isValid(); it.next())
            {
                readKey();
                if (keyLength != seekLength || !prefixEquals(encoded))
                {
                    break; // past the key
                }
                if (!kept)
                {
                    kept = true; // the newest version at or below p
                    if (readTombstone())
                    {
                        keptTombstone = copyKey();
                        dropped++;
                    }
                }
                else if (pointDeletes < RANGE_DELETE_AFTER)
                {
                    delete();
                    pointDeletes++;
                }
                else
                {
                    if (rangeStart == null)
                    {
                        rangeStart = copyKey();
                    }
                    if (rangeEnd.length < keyLength + 1)
                    {
                        rangeEnd = new byte[(keyLength + 1) * 2];
                    }
                    keyView.getBytes(0, rangeEnd, 0, keyLength); // the last entry dropped so far
                    dropped++;
                }
                if (keptTombstone == null && version() < lo)
                {
                    break; // verified and live, so the key's one live verified entry: nothing older is live
                }
            }
            if (rangeStart != null)
            {
                // End just past the last entry dropped: its stored key plus a zero byte (the stored keys of one user
                // key all have the same length, and encodings are prefix-free, so nothing else sorts in between).
                final byte[] end = new byte[seekLength + 1];
                System.arraycopy(rangeEnd, 0, end, 0, seekLength);
                wb.deleteRange(rangeStart, end);
                counted();
            }
            if (keptTombstone != null)
            {
                wb.delete(keptTombstone);
                counted();
            }
        }

        /** Sweep every entry, adding each key with versions above {@code p} to {@code carried}. */
        void sweepAll(final List<Tracked> carried) throws RocksDBException
        {
            byte[] current = null;
            long hi = -1;
            boolean kept = false;
            byte[] keptTombstone = null; // deleted once the key's older entries are (see sweepKey)
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                visit();
                readKey();
                final int encodedLength = keyLength - MvccKeyCodec.VERSION_LENGTH;
                if (encodedLength <= 0)
                {
                    throw new IllegalArgumentException("stored key of " + keyLength + " bytes is too short");
                }
                if (current == null || current.length != encodedLength || !prefixEquals(current))
                {
                    keptTombstone = finishKey(current, hi, keptTombstone, carried);
                    current = new byte[encodedLength];
                    keyView.getBytes(0, current);
                    hi = -1;
                    kept = false;
                }
                final long v = version();
                if (v > p)
                {
                    hi = Math.max(hi, v); // a later round decides it
                }
                else if (kept)
                {
                    delete();
                }
                else
                {
                    kept = true;
                    if (readTombstone())
                    {
                        keptTombstone = copyKey();
                        dropped++;
                    }
                }
            }
            finishKey(current, hi, keptTombstone, carried);
        }

        private byte[] finishKey(
            final byte[] encoded, final long hi, final byte[] keptTombstone,
            final List<Tracked> out) throws RocksDBException
        {
            if (keptTombstone != null)
            {
                wb.delete(keptTombstone);
                counted();
            }
            if (encoded != null && hi > p && incremental)
            {
                out.add(new Tracked(encoded, p + 1, hi));
            }
            return null;
        }

        private void visit()
        {
            checkOpen.run();
            if (hook != null)
            {
                hook.run();
            }
        }

        private void readKey()
        {
            key.clear();
            int n = it.key(key);
            if (n > key.capacity())
            {
                key = ByteBuffer.allocateDirect(Math.max(n, key.capacity() * 2));
                keyView.wrap(key);
                n = it.key(key);
            }
            keyLength = n;
        }

        private boolean prefixEquals(final byte[] encoded)
        {
            for (int i = 0; i < encoded.length; i++)
            {
                if (keyView.getByte(i) != encoded[i])
                {
                    return false;
                }
            }
            return true;
        }

        private long version()
        {
            return MvccKeyCodec.getVersion(keyView, keyLength - MvccKeyCodec.VERSION_LENGTH);
        }

        private boolean readTombstone()
        {
            flag.clear();
            if (it.value(flag) < 1)
            {
                throw new IllegalArgumentException("stored value without a flag byte");
            }
            final byte f = flag.get(0);
            if (f != MvccKeyCodec.FLAG_DELETE && f != MvccKeyCodec.FLAG_PUT)
            {
                throw new IllegalArgumentException("unknown value flag " + f);
            }
            return f == MvccKeyCodec.FLAG_DELETE;
        }

        private byte[] copyKey()
        {
            final byte[] k = new byte[keyLength];
            keyView.getBytes(0, k);
            return k;
        }

        private void delete() throws RocksDBException
        {
            key.position(0).limit(keyLength);
            wb.delete(key);
            dropped++;
            counted();
        }

        private void counted() throws RocksDBException
        {
            if (++batched >= GC_BATCH)
            {
                flush();
            }
        }

        void flush() throws RocksDBException
        {
            if (batched > 0)
            {
                db.write(writeOptions, wb);
                wb.clear();
                batched = 0;
            }
        }
    }

    /**
     * A tracked key: its encoded user key (the stored key without its version), compared by content, and the range
     * {@code [lo, hi]} holding its unverified versions. One object is both key and value in the map ({@code lo} and
     * {@code hi} take no part in equality), so a round walks one array of them. The range is mutated only inside the
     * map's atomic {@code merge}, or by a round on keys no map holds any more. The first 8 bytes, cached as
     * {@link #head}, give the round its seek order without touching the arrays.
     */
    static final class Tracked
    {
        final byte[] bytes;
        final long head;
        private final int hash;
        long lo;
        long hi;

        Tracked(final byte[] bytes, final long lo, final long hi)
        {
            this.bytes = bytes;
            long h = 0;
            for (int i = 0; i < 8; i++)
            {
                h = (h << 8) | (i < bytes.length ? bytes[i] & 0xFF : 0);
            }
            this.head = h;
            this.hash = Arrays.hashCode(bytes);
            this.lo = lo;
            this.hi = hi;
        }

        static Tracked widen(final Tracked into, final Tracked other)
        {
            into.lo = Math.min(into.lo, other.lo);
            into.hi = Math.max(into.hi, other.hi);
            return into;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Tracked && hash == ((Tracked)o).hash && Arrays.equals(bytes, ((Tracked)o).bytes);
        }

        @Override
        public int hashCode()
        {
            return hash;
        }

        @Override
        public String toString()
        {
            return "Tracked" + Arrays.toString(bytes) + "[" + lo + ", " + hi + "]";
        }
    }
}
