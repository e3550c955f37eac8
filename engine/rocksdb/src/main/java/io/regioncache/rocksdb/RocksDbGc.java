package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;

import io.regioncache.StoreException;
import io.regioncache.store.KeyedHash;
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
 * <b>Most keys need no read at all.</b> A writer also lists, per key, the exact versions it wrote since the key's
 * last round and which are tombstones (up to {@link #MAX_EXACT}, ascending; a key written more often keeps only its
 * range), and
 * a forward round remembers, per key it swept, its <em>survivor</em>: the version of the put it kept, or none
 * ({@link Survivor}, in {@link #known}, bounded by {@link #MAX_KNOWN}). By the invariant, a listed key's live
 * entries at or below {@code P} are then exactly its listed versions there plus its survivor, so the round keeps the
 * newest and deletes the others by key, without a seek ({@link Walker#blind}); a blind delete of an entry that is
 * not there would be harmless, but does not happen in a consistent history (the count stays exact). When the newest
 * is a tombstone, the key takes the seek path instead (see {@code blind} for why). A store opened on an empty
 * directory knows every key from its first write, so a key no round kept anything of has no survivor; otherwise the
 * first sweep learns them all. A key whose survivor is not known (dropped for space, or by a failed or backward
 * round) or whose list overflowed takes the seek path, which learns the survivor and, for a key with versions above
 * {@code P} but no list, reads those too so its next round can go blind again. In the default {@code drive}'s
 * pattern 95% of the keys a round visits go blind ({@code GcCostProbe} prints the split).
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
 * may be live), so it puts the ranges it took back, and forgets their lists and survivors (it may have deleted what
 * they name). A failed round also puts them back and forgets the same: it only ever deleted entries, which keeps the
 * invariant. {@code RocksDbGcTest} compares rounds against a store that always sweeps everything, on
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
    /**
     * Versions a key's list holds since its last round before the key falls back to the seek path. It was 16, then
     * 64 (bounded by a 64-bit tombstone mask); the hot keys of the default {@code drive} (thousands of writes per
     * round) still took the seek path, whose walk over each version (three JNI calls) was about 40% of the GC
     * thread's native time. Listed, they go blind like the others: point deletes for the newest
     * {@link #RANGE_DELETE_AFTER} and one range tombstone for the rest, as the seek path would write, without a
     * read. A list costs 9 bytes per write since the key's last round (a version and a flag), so 590 KB for a key
     * at the bound; the lists together never hold more than the writes since the keys' last rounds. Measured in the
     * default {@code drive}: 1.1-1.4 us of GC CPU per entry dropped, against 1.3-2.0 us with lists of 64.
     */
    static final int MAX_EXACT = 1 << 16;
    /** What a key's list may hold while the lists are over {@link #LIST_BUDGET} (the bound before lists grew). */
    static final int SMALL_LIST = 64;
    /**
     * Listed versions past which lists stop growing beyond {@link #SMALL_LIST}: 8M, about 72 MB of heap. Without it a
     * host that writes hot keys but rarely or never runs a round (or whose safe point stalls behind an old
     * snapshot) would keep 9 bytes per write. Two parts are bounded: the writes marked since the last swap (counted
     * in {@link #markedSinceSwap}; a mark made past the budget caps its key's list at {@link #SMALL_LIST}, which
     * drops a longer one), and the lists a round carries over (past the budget, the carried keys with more than
     * {@link #SMALL_LIST} versions lose their lists and take the seek path, as they did before lists grew).
     */
    static final long LIST_BUDGET = 1 << 23;
    /** Survivors remembered (about 80 bytes each, the key bytes shared with the writers' marks): 80 MB at most. */
    static final int MAX_KNOWN = 1 << 20;
    /** A survivor's version when no version of its key at or below the last safe point is live. */
    static final long NONE = -1;

    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final boolean incremental;
    private final ReentrantLock roundLock = new ReentrantLock();
    /** Read side: a writer marking; write side: a round swapping {@link #pending}. */
    private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
    /** Tracked keys, each its own value (see {@link Tracked}); the reference is guarded by {@link #swapLock}. */
    private ConcurrentHashMap<Tracked, Tracked> pending = new ConcurrentHashMap<>();
    /** Stored keys marked since the last swap of {@link #pending} (see {@link #LIST_BUDGET}). */
    private final AtomicLong markedSinceSwap = new AtomicLong();
    /** {@link #LIST_BUDGET}, or less for a test. */
    private volatile long listBudget = LIST_BUDGET;
    /** True until a full sweep has established the invariant (keys written before this process are not tracked). */
    private boolean fullSweepNeeded;
    private volatile long safePoint = -1;
    /**
     * What the last forward round that visited a key kept of it ({@link Survivor}), for the keys whose versions are
     * all verified or listed: a round needs no read for them. Only rounds touch it, under {@link #roundLock}.
     */
    private HashMap<KeyBytes, Survivor> known = new HashMap<>();
    /**
     * True while every key with a live verified entry is in {@link #known}: from the start of a store opened on
     * an empty directory (each key is then tracked from its first write), or after a forward full sweep that
     * learned every key, until a survivor is dropped for space or by a failure. While true, a key missing from it
     * has none ({@link #UNSEEN}).
     */
    private boolean knownComplete;
    /** The survivor of a key no round has kept anything of, while {@link #knownComplete}. */
    private static final Survivor UNSEEN = new Survivor(new byte[0]);
    /** Rounds started, to age {@link #known}. */
    private int roundNumber;
    /** True while the running round sweeps every entry (a failure then forgets every survivor). */
    private boolean sweepingAll;
    /** Keys rounds swept by seeking, and blind (from their lists and survivors): for tests and probes. */
    private long seekedKeys;
    private long blindKeys;
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
        this.knownComplete = startsEmpty;
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

    /** @return {keys swept by seeking, keys swept blind} over every round so far. */
    long[] sweptKeys()
    {
        roundLock.lock();
        try
        {
            return new long[] {seekedKeys, blindKeys};
        }
        finally
        {
            roundLock.unlock();
        }
    }

    void visitHook(final Runnable hook)
    {
        this.visitHook = hook;
    }

    /** Test hook: a smaller {@link #LIST_BUDGET}. */
    void listBudget(final long versions)
    {
        this.listBudget = versions;
    }

    /**
     * After a write landed in RocksDB: its entries are unverified.
     *
     * @param storedKeys the stored keys written (encoded user key + version).
     * @param tombstones bit {@code i} set: {@code storedKeys.get(i)} was written as a tombstone.
     */
    void markWritten(final List<byte[]> storedKeys, final BitSet tombstones)
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
            final int cap = markedSinceSwap.addAndGet(storedKeys.size()) <= listBudget ? MAX_EXACT : SMALL_LIST;
            for (int i = 0; i < storedKeys.size(); i++)
            {
                final byte[] k = storedKeys.get(i);
                final int encodedLength = k.length - MvccKeyCodec.VERSION_LENGTH;
                final long version = MvccKeyCodec.getVersion(new UnsafeBuffer(k), encodedLength);
                final Tracked t = new Tracked(Arrays.copyOf(k, encodedLength), version, tombstones.get(i));
                t.cap = cap;
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
            markedSinceSwap.set(0); // every mark counted so far went into `taken`
            // Sized for as many keys as the last round took: the writers' marks and the keys carried back then never
            // rehash the map as it grows from empty (a resize moves every entry, on whichever thread hits it).
            pending = new ConcurrentHashMap<>(Math.max(16, taken.size()));
        }
        finally
        {
            w.unlock();
        }
        final boolean forward = p >= safePoint;
        final Snapshot snapshot = db.getSnapshot(); // after the swap: it sees every write marked in `taken`
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setFillCache(false);
             RocksIterator it = db.newIterator(ro))
        {
            sweepingAll = false;
            final Walker walker = new Walker(it, p, checkOpen, forward);
            roundNumber++;
            // `taken` is quiescent now (every writer that could add to it has released the swap lock).
            final Tracked[] keys = taken.values().toArray(new Tracked[0]);
            // Each key to sweep either goes blind (listed, and its survivor known: found[i]) or seeks.
            final Survivor[] found = new Survivor[keys.length];
            int work = 0;
            int seekWork = 0;
            for (int i = 0; i < keys.length; i++)
            {
                final Tracked t = keys[i];
                if (t.lo <= p)
                {
                    work++;
                    found[i] = forward && t.versions != null ? survivorOf(t) : null;
                    seekWork += found[i] == null ? 1 : 0;
                }
            }
            final List<Tracked> carried = new ArrayList<>();
            // A blind key costs a hash lookup and its deletes, less than its share of a scan: only seeks count.
            final boolean full = !incremental || fullSweepNeeded || seekWork * 4L > estimatedKeys();
            sweepingAll = full;
            if (full)
            {
                if (!forward)
                {
                    known.clear(); // a backward sweep may delete what a survivor names; forget them all
                    knownComplete = false;
                }
                else if (known.isEmpty())
                {
                    presizeKnown(estimatedKeys());
                }
                walker.sweepAll(carried);
                if (forward)
                {
                    knownComplete = walker.learnedAll; // every key of the database was seen
                }
            }
            else
            {
                if (known.isEmpty() && forward)
                {
                    presizeKnown(work);
                }
                for (final int i : seekOrder(keys, work, p))
                {
                    final Tracked t = keys[i];
                    walker.visit();
                    if (found[i] == null || !walker.blind(t, found[i]))
                    {
                        walker.sweepKey(t);
                    }
                }
            }
            it.status();
            walker.flush();
            if (incremental)
            {
                if (!forward)
                {
                    // A backward round verified nothing (verified entries above its safe point may be live), and
                    // it may have deleted versions the lists and survivors name: its keys go back to the seek path.
                    forget(keys);
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
                                t.keepAbove(p); // what the round left: above its safe point
                                carried.add(t);
                            }
                        }
                    }
                    boundLists(carried);
                    putBack(carried);
                }
                fullSweepNeeded = false;
                boundKnown();
            }
            this.safePoint = Math.max(this.safePoint, p);
            seekedKeys += walker.seeked;
            blindKeys += walker.blinded;
            return walker.dropped;
        }
        catch (final RocksDBException | IllegalArgumentException | StoreException ex)
        {
            if (incremental)
            {
                // Nothing is forgotten: the next round looks again, by seeking (what this round deleted before it
                // failed may be named by the lists and survivors, and a blind delete of it would be counted).
                final Tracked[] keys = taken.values().toArray(new Tracked[0]);
                forget(keys);
                if (sweepingAll)
                {
                    known.clear(); // it learned survivors of keys whose older versions it had not yet deleted
                    knownComplete = false;
                }
                putBack(Arrays.asList(keys));
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

    /**
     * Keep the lists a round carries over within {@link #listBudget}: past it, the keys with more than
     * {@link #SMALL_LIST} listed versions lose their lists (they seek next time). Every carried list may grow to
     * {@link #MAX_EXACT} again: the budget of the writes to come is counted anew from the swap.
     */
    private void boundLists(final List<Tracked> carried)
    {
        long listed = 0;
        for (final Tracked t : carried)
        {
            t.cap = MAX_EXACT;
            listed += t.count;
        }
        if (listed > listBudget)
        {
            for (final Tracked t : carried)
            {
                if (t.count > SMALL_LIST)
                {
                    t.forgetList();
                    t.crowded = true;
                }
            }
        }
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

    /** The first round learns a survivor per key: size the map once instead of rehashing it a dozen times. */
    private void presizeKnown(final long keys)
    {
        known = new HashMap<>((int)Math.min(MAX_KNOWN, Math.max(16, keys)) * 4 / 3 + 1);
    }

    /** @return what the last forward round kept of {@code t}, {@link #UNSEEN}, or null if that is not known. */
    private Survivor survivorOf(final Tracked t)
    {
        final Survivor s = known.get(t);
        return s != null ? s : knownComplete ? UNSEEN : null;
    }

    /** Send {@code keys} back to the seek path: no version list, no survivor. */
    private void forget(final Tracked[] keys)
    {
        for (final Tracked t : keys)
        {
            t.forgetList();
            known.remove(t);
        }
    }

    /**
     * Keep {@link #known} within {@link #MAX_KNOWN} keys: past it, forget the survivors no round touched this time
     * (their keys seek once more when next written), and everything if that is still too many.
     */
    private void boundKnown()
    {
        if (known.size() > MAX_KNOWN)
        {
            final int now = roundNumber;
            knownComplete = false;
            known.values().removeIf(s -> s.round != now);
            if (known.size() > MAX_KNOWN)
            {
                known.clear();
            }
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
     * The entries of one round: reads keys into a reused array, the flag byte only of kept entries, and encodes
     * deletes straight from the key's array or the tracked key's bytes (no {@code byte[]} per entry). Arrays, not
     * direct buffers: RocksJava's direct-buffer reads cost more per call (JNI checks the buffer's class twice, see
     * {@code EntryReader}); the seek key stays a direct buffer ({@code RocksIterator} takes an array only whole).
     */
    private final class Walker
    {
        final RocksIterator it;
        final long p;
        final Runnable checkOpen;
        final Runnable hook = visitHook;
        byte[] key = new byte[256];
        final UnsafeBuffer keyView = new UnsafeBuffer(key);
        int keyLength;
        final byte[] flag = new byte[1];
        ByteBuffer seek = ByteBuffer.allocateDirect(256);
        final UnsafeBuffer seekView = new UnsafeBuffer(seek);
        byte[] rangeEnd = new byte[64];
        /**
         * The round's deletes, encoded in Java and written {@link #GC_BATCH} at a time: one JNI call per write
         * instead of one per delete (measured 4-5% of a round's CPU, {@code GcWriteBatch}).
         */
        final GcWriteBatch gb = new GcWriteBatch();
        /** A key's versions above p as {@link #sweepAll} reads them (newest first), and their flags. */
        long[] above = new long[16];
        boolean[] aboveTombstones = new boolean[16];
        /** The versions {@link #blind} drops from one key, ascending (grown to the longest list seen). */
        long[] drop = new long[64];
        long dropped;
        /** A forward round: it learns survivors and lists (a backward one verifies nothing). */
        final boolean forward;
        int seeked;
        int blinded;
        /** False once {@link #learn} had no room for a key. */
        boolean learnedAll = true;

        Walker(final RocksIterator it, final long p, final Runnable checkOpen,
            final boolean forward)
        {
            this.it = it;
            this.p = p;
            this.checkOpen = checkOpen;
            this.forward = forward;
        }

        /**
         * Sweep a listed key with a known survivor without reading RocksDB: its live entries at or below {@code p}
         * are exactly its listed versions there and its survivor (the invariant, see the class comment), so the
         * round keeps the newest of them and deletes the others by key (past {@link #RANGE_DELETE_AFTER} of them,
         * the older rest with one range tombstone, as the seek path does). This saves the seek and the steps of the
         * walk, which were most of a round's cost; the entries deleted are the same ones the seek path would.
         * <p>
         * Only when the kept entry is a put: then every delete removes an entry older than one that stays, so even
         * a wrong list (a host that wrote through {@link RocksDbBackingStore#db()} behind the tracking) or a crash
         * between two of the round's writes leaves garbage at worst, never a wrong read. A kept tombstone must go
         * too, and with it every older entry, including any the lists do not know: that is the seek path's walk to
         * the end of the key, so the key takes it ({@code false}; 2% of the drive's writes are deletes).
         *
         * @param s the survivor, or {@link #UNSEEN}.
         * @return false if nothing was done: the key takes the seek path.
         */
        boolean blind(final Tracked t, final Survivor s) throws RocksDBException
        {
            final int newest = t.newestAtOrBelow(p); // the list is ascending: versions[0..newest] are at or below p
            long kept = s.version;
            boolean keptTombstone = false;
            if (newest >= 0 && t.versions[newest] >= kept)
            {
                kept = t.versions[newest]; // at the survivor's own version the list wins: the write came after it
                keptTombstone = t.tombstone(newest);
            }
            if (keptTombstone)
            {
                return false;
            }
            blinded++;
            if (drop.length < newest + 2)
            {
                drop = new long[Math.max(newest + 2, drop.length * 2)];
            }
            int n = 0;
            final boolean survivorDropped = s.version != NONE && s.version != kept && !t.listed(s.version);
            final boolean survivorFirst = survivorDropped && (newest < 0 || s.version < t.versions[0]);
            if (survivorFirst)
            {
                drop[n++] = s.version; // older than every listed version: the usual case, and the order stays
            }
            for (int i = 0; i <= newest; i++)
            {
                if (t.versions[i] != kept)
                {
                    drop[n++] = t.versions[i];
                }
            }
            if (survivorDropped && !survivorFirst)
            {
                drop[n++] = s.version; // a listed version older than the survivor (writers out of order): re-sort
                Arrays.sort(drop, 0, n);
            }
            if (n <= RANGE_DELETE_AFTER)
            {
                for (int i = 0; i < n; i++)
                {
                    deleteVersion(t.bytes, drop[i]);
                }
            }
            else
            {
                // As the seek path does: the newest few point deletes, the older rest one range tombstone, from
                // the newest of them to just past the oldest (drop[] is ascending). Every entry in between is older
                // than the kept put, so one the list does not know (written behind the tracking) only goes as
                // garbage; the count is the list's, as the point deletes' would be.
                for (int i = n - 1; i >= n - RANGE_DELETE_AFTER; i--)
                {
                    deleteVersion(t.bytes, drop[i]);
                }
                gb.deleteVersions(t.bytes, drop[n - RANGE_DELETE_AFTER - 1], drop[0]);
                dropped += n - RANGE_DELETE_AFTER;
                counted();
            }
            if (s != UNSEEN)
            {
                // Found in `known` by this round (blind runs only in forward rounds): update it in place rather
                // than look it up again (a second miss per key into a map of every key).
                s.version = kept;
                s.round = roundNumber;
            }
            else
            {
                learn(t, kept);
            }
            return true;
        }

        /** List {@code t} from the first {@code n} versions of {@code newestFirst} (as a walk reads them). */
        private void listAscending(final Tracked t, final long[] newestFirst, final boolean[] flags, final int n)
        {
            final long[] versions = new long[n];
            final boolean[] tombstones = new boolean[n];
            for (int i = 0; i < n; i++)
            {
                versions[i] = newestFirst[n - 1 - i];
                tombstones[i] = flags[n - 1 - i];
            }
            t.list(versions, tombstones, n);
        }

        private void deleteVersion(final byte[] encoded, final long version) throws RocksDBException
        {
            gb.deleteVersion(encoded, version);
            dropped++;
            counted();
        }

        /** Point {@link #seek} at the stored key {@code (encoded, version)}. */
        private void positionSeek(final byte[] encoded, final long version)
        {
            final int length = encoded.length + MvccKeyCodec.VERSION_LENGTH;
            if (seek.capacity() < length)
            {
                seek = ByteBuffer.allocateDirect(length * 2);
                seekView.wrap(seek);
            }
            seekView.putBytes(0, encoded);
            MvccKeyCodec.putVersion(seekView, encoded.length, version);
            seek.clear().limit(length);
        }

        /** A forward round remembers what it kept of {@code key}: a put's version, or {@link #NONE}. */
        private void learn(final KeyBytes key, final long keptPut)
        {
            if (!forward)
            {
                return;
            }
            Survivor s = known.get(key);
            if (s == null)
            {
                if (known.size() >= MAX_KNOWN)
                {
                    learnedAll = false;
                    knownComplete = false; // bounded: the key seeks again next time
                    return;
                }
                s = new Survivor(key);
                known.put(s, s);
            }
            s.version = keptPut;
            s.round = roundNumber;
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
        void sweepKey(final Tracked t) throws RocksDBException
        {
            seeked++;
            final byte[] encoded = t.bytes;
            final long lo = t.lo;
            final int seekLength = encoded.length + MvccKeyCodec.VERSION_LENGTH;
            // An unlisted key with versions above p: read those too, from hi down, so that its list is exact again
            // and its next round can go blind (without this a key written every round would never get its list
            // back). Past MAX_EXACT of them (a hot key) give up and seek on to p.
            boolean listing = forward && t.versions == null && t.hi > p && !t.crowded;
            t.crowded = false;
            long[] listed = listing ? new long[16] : null; // newest first, as read
            boolean[] listedTombstones = listing ? new boolean[16] : null;
            int listedCount = 0;
            positionSeek(encoded, listing ? t.hi : p);
            it.seek(seek);
            boolean kept = false;
            long keptVersion = NONE;
            byte[] keptTombstone = null;
            int pointDeletes = 0;
            byte[] rangeStart = null;
            boolean positioned = true; // false: step to the next entry first
            while (true)
            {
                if (!positioned)
                {
                    it.next();
                }
                positioned = false;
                if (!it.isValid())
                {
                    break;
                }
                readKey();
                if (keyLength != seekLength || !prefixEquals(encoded))
                {
                    break; // past the key
                }
                final long v = version();
                if (v > p)
                {
                    if (listing && listedCount == MAX_EXACT)
                    {
                        listing = false;
                        t.crowded = true;
                        positionSeek(encoded, p);
                        it.seek(seek);
                        positioned = true;
                    }
                    else if (listing)
                    {
                        if (listedCount == listed.length)
                        {
                            listed = Arrays.copyOf(listed, Math.min(MAX_EXACT, listedCount * 2));
                            listedTombstones = Arrays.copyOf(listedTombstones, listed.length);
                        }
                        listedTombstones[listedCount] = readTombstone();
                        listed[listedCount++] = v;
                    }
                    continue;
                }
                if (!kept)
                {
                    kept = true; // the newest version at or below p
                    keptVersion = v;
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
                if (keptTombstone == null && v < lo)
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
                gb.deleteRange(rangeStart, end);
                counted();
            }
            if (keptTombstone != null)
            {
                gb.delete(keptTombstone, keptTombstone.length);
                counted();
            }
            if (listing)
            {
                listAscending(t, listed, listedTombstones, listedCount);
            }
            learn(t, keptTombstone != null ? NONE : keptVersion);
        }

        /**
         * Sweep every entry, adding each key with versions above {@code p} to {@code carried}, listed (from the
         * entries themselves, which is what a seek would list) unless it has more than {@link #MAX_EXACT} of them,
         * and, in a forward round, learning every key's survivor: so the next round can already go blind.
         */
        void sweepAll(final List<Tracked> carried) throws RocksDBException
        {
            byte[] current = null;
            boolean kept = false;
            long keptVersion = NONE;
            byte[] keptTombstone = null; // deleted once the key's older entries are (see sweepKey)
            int aboveCount = 0; // up to MAX_EXACT + 1: one more than a list holds means "too many"
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
                    finishKey(current, aboveCount, keptVersion, keptTombstone, carried);
                    current = new byte[encodedLength];
                    keyView.getBytes(0, current);
                    aboveCount = 0;
                    kept = false;
                    keptVersion = NONE;
                    keptTombstone = null;
                }
                final long v = version();
                if (v > p)
                {
                    // A later round decides it. Entries come newest first: above[0] is the key's highest version.
                    if (aboveCount < MAX_EXACT)
                    {
                        if (aboveCount == above.length)
                        {
                            above = Arrays.copyOf(above, Math.min(MAX_EXACT, aboveCount * 2));
                            aboveTombstones = Arrays.copyOf(aboveTombstones, above.length);
                        }
                        aboveTombstones[aboveCount] = readTombstone();
                        above[aboveCount++] = v;
                    }
                    else if (aboveCount == MAX_EXACT)
                    {
                        aboveCount++; // one too many: only the range will be known
                    }
                }
                else if (kept)
                {
                    delete();
                }
                else
                {
                    kept = true;
                    keptVersion = v;
                    if (readTombstone())
                    {
                        keptTombstone = copyKey();
                        dropped++;
                    }
                }
            }
            finishKey(current, aboveCount, keptVersion, keptTombstone, carried);
        }

        /** A key {@link #sweepAll} finished, with {@code aboveCount} of its versions above p in {@link #above}. */
        private void finishKey(
            final byte[] encoded, final int aboveCount, final long keptVersion, final byte[] keptTombstone,
            final List<Tracked> out) throws RocksDBException
        {
            if (keptTombstone != null)
            {
                gb.delete(keptTombstone, keptTombstone.length);
                counted();
            }
            if (encoded == null || !incremental)
            {
                return;
            }
            if (aboveCount > 0)
            {
                final Tracked t = new Tracked(encoded, above[Math.min(aboveCount, MAX_EXACT) - 1], above[0]);
                if (aboveCount <= MAX_EXACT)
                {
                    listAscending(t, above, aboveTombstones, aboveCount);
                }
                else
                {
                    t.lo = p + 1; // only the range is known: every version above p down to the lowest unread one
                    t.crowded = true;
                }
                out.add(t);
            }
            if (forward)
            {
                // One lookup per key (the sweep visits every key, so this runs for the whole database).
                final Survivor fresh = new Survivor(encoded);
                final Survivor s;
                if (known.size() < MAX_KNOWN)
                {
                    final Survivor old = known.putIfAbsent(fresh, fresh);
                    s = old != null ? old : fresh;
                }
                else
                {
                    s = known.get(fresh); // bounded: only keys already known are updated
                    learnedAll &= s != null;
                }
                if (s != null)
                {
                    s.version = keptTombstone != null ? NONE : keptVersion;
                    s.round = roundNumber;
                }
            }
        }

        void visit()
        {
            checkOpen.run();
            if (hook != null)
            {
                hook.run();
            }
        }

        private void readKey()
        {
            int n = it.key(key, 0, key.length);
            if (n > key.length)
            {
                key = new byte[Math.max(n, key.length * 2)];
                keyView.wrap(key);
                n = it.key(key, 0, key.length);
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
            if (it.value(flag, 0, 1) < 1)
            {
                throw new IllegalArgumentException("stored value without a flag byte");
            }
            final byte f = flag[0];
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
            gb.delete(keyView, keyLength);
            dropped++;
            counted();
        }

        private void counted() throws RocksDBException
        {
            if (gb.count() >= GC_BATCH)
            {
                flush();
            }
        }

        void flush() throws RocksDBException
        {
            gb.write(db, writeOptions); // nothing when empty
        }
    }

    /**
     * An encoded user key (the stored key without its version), compared by content whatever its subclass, so a
     * {@link Tracked} finds its {@link Survivor}. The first 8 bytes, cached as {@link #head}, give a round its seek
     * order without touching the arrays.
     */
    abstract static class KeyBytes
    {
        final byte[] bytes;
        final long head;
        private final int hash;

        KeyBytes(final byte[] bytes)
        {
            this.bytes = bytes;
            long h = 0;
            for (int i = 0; i < 8; i++)
            {
                h = (h << 8) | (i < bytes.length ? bytes[i] & 0xFF : 0);
            }
            this.head = h;
            // Keyed, not Arrays.hashCode: every write puts its keys in pending (a ConcurrentHashMap), and these
            // classes are not Comparable to themselves, so a bin of keys with one hash code is searched whole on each
            // lookup. Arrays.hashCode collisions are free to make (see KeyedHash): 20,000 of them took 6.2 s to write.
            this.hash = KeyedHash.hash32(bytes);
        }

        KeyBytes(final KeyBytes same)
        {
            this.bytes = same.bytes;
            this.head = same.head;
            this.hash = same.hash;
        }

        @Override
        public final boolean equals(final Object o)
        {
            return o instanceof KeyBytes && hash == ((KeyBytes)o).hash && Arrays.equals(bytes, ((KeyBytes)o).bytes);
        }

        @Override
        public final int hashCode()
        {
            return hash;
        }
    }

    /**
     * What a forward round kept of a key: the version of its one live verified entry (a put), or {@link #NONE}.
     * Only rounds read or write it.
     */
    static final class Survivor extends KeyBytes
    {
        long version = NONE;
        /** The last round that set it ({@link #boundKnown} forgets the oldest first). */
        int round;

        Survivor(final KeyBytes key)
        {
            super(key);
        }

        Survivor(final byte[] bytes)
        {
            super(bytes);
        }
    }

    /**
     * A tracked key: the range {@code [lo, hi]} holding its unverified versions and, while they are at most
     * {@link #MAX_EXACT}, the list of them with a tombstone bit each ({@code versions == null}: only the range is
     * known, the key takes the seek path). One object is both key and value in the map ({@code lo}, {@code hi} and
     * the list take no part in equality), so a round walks one array of them. The state is mutated only inside the
     * map's atomic {@code merge}, or by a round on keys no map holds any more.
     */
    static final class Tracked extends KeyBytes
    {
        long lo;
        long hi;
        /**
         * The unverified versions, ascending, the first {@link #count} of them; null once there were too many (or
         * the list is unsure). Ascending because a key's writes mostly arrive in version order: the next one is an
         * append after one compare, a rewrite of the newest (a batch writing a key twice) is found at once, and a
         * round finds the newest version at or below its safe point by binary search.
         */
        long[] versions;
        /** {@code tombstones[i]}: {@code versions[i]} was written as a tombstone. */
        boolean[] tombstones;
        int count;
        /**
         * The list overflowed since the key's last round (more than {@link #MAX_EXACT} writes, or a seek that
         * tried to list it found more): its next round does not try to list it, the one after does again.
         */
        boolean crowded;
        /** Versions the list may hold: {@link #MAX_EXACT}, or {@link #SMALL_LIST} once a mark came past the budget. */
        int cap = MAX_EXACT;

        /** A key whose unverified versions are known only as a range. */
        Tracked(final byte[] bytes, final long lo, final long hi)
        {
            super(bytes);
            this.lo = lo;
            this.hi = hi;
        }

        /** A key just written at {@code version}. */
        Tracked(final byte[] bytes, final long version, final boolean tombstone)
        {
            super(bytes);
            this.lo = version;
            this.hi = version;
            this.versions = new long[] {version};
            this.tombstones = new boolean[] {tombstone};
            this.count = 1;
        }

        boolean tombstone(final int i)
        {
            return tombstones[i];
        }

        /** Set the list to the first {@code n} of {@code ascending} and their flags (owned by this key from now). */
        void list(final long[] ascending, final boolean[] flags, final int n)
        {
            versions = ascending;
            tombstones = flags;
            count = n;
        }

        /** @return the index of the newest listed version at or below {@code p}, or -1. */
        int newestAtOrBelow(final long p)
        {
            int low = 0;
            int high = count - 1;
            while (low <= high)
            {
                final int mid = (low + high) >>> 1;
                if (versions[mid] <= p)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid - 1;
                }
            }
            return high;
        }

        /** @return true if {@code version} is listed. */
        boolean listed(final long version)
        {
            return Arrays.binarySearch(versions, 0, count, version) >= 0;
        }

        static Tracked widen(final Tracked into, final Tracked other)
        {
            into.lo = Math.min(into.lo, other.lo);
            into.hi = Math.max(into.hi, other.hi);
            into.crowded |= other.crowded;
            into.cap = Math.min(into.cap, other.cap);
            if (into.versions != null && into.count > into.cap)
            {
                into.forgetList(); // a mark past the budget: a long list goes
                into.crowded = true;
            }
            if (other.versions == null)
            {
                into.forgetList();
            }
            else if (into.versions != null)
            {
                into.addAll(other);
            }
            return into;
        }

        void forgetList()
        {
            versions = null;
            tombstones = null;
            count = 0;
        }

        private void addAll(final Tracked other)
        {
            final int n = other.count;
            if (n == 0)
            {
                return;
            }
            final boolean after = count == 0 || other.versions[0] > versions[count - 1];
            final boolean before = !after && other.versions[n - 1] < versions[0];
            if (!after && !before)
            {
                for (int j = 0; j < n && versions != null; j++) // interleaved: rare (writers out of version order)
                {
                    add(other.versions[j], other.tombstone(j));
                }
                return;
            }
            // Disjoint, the common case (a round's carried versions, older, meet the writes marked meanwhile).
            if (count + n > cap)
            {
                forgetList();
                crowded = true;
                return;
            }
            ensureCapacity(count + n);
            if (before)
            {
                System.arraycopy(versions, 0, versions, n, count);
                System.arraycopy(tombstones, 0, tombstones, n, count);
            }
            final int at = before ? 0 : count;
            System.arraycopy(other.versions, 0, versions, at, n);
            System.arraycopy(other.tombstones, 0, tombstones, at, n);
            count += n;
        }

        /**
         * List one more version. The same version twice with different flags (rewritten, by writers whose marks
         * may land in either order) or one too many drops the list: the seek path reads what is there.
         */
        private void add(final long version, final boolean tombstone)
        {
            final int found = count == 0 || version > versions[count - 1] ?
                -(count + 1) : Arrays.binarySearch(versions, 0, count, version);
            if (found >= 0)
            {
                if (tombstones[found] != tombstone)
                {
                    forgetList();
                }
                return;
            }
            if (count >= cap)
            {
                forgetList();
                crowded = true;
                return;
            }
            ensureCapacity(count + 1);
            final int at = -found - 1;
            System.arraycopy(versions, at, versions, at + 1, count - at);
            System.arraycopy(tombstones, at, tombstones, at + 1, count - at);
            versions[at] = version;
            tombstones[at] = tombstone;
            count++;
        }

        private void ensureCapacity(final int n)
        {
            if (versions.length < n)
            {
                final int capacity = (int)Math.min(MAX_EXACT, Math.max(n, 2L * versions.length));
                versions = Arrays.copyOf(versions, capacity);
                tombstones = Arrays.copyOf(tombstones, capacity);
            }
        }

        /** After a forward round at {@code p} with {@code hi > p}: what is left unverified is above {@code p}. */
        void keepAbove(final long p)
        {
            if (versions == null)
            {
                lo = Math.max(lo, p + 1);
                return;
            }
            final int from = newestAtOrBelow(p) + 1;
            final int n = count - from;
            if (n == 0)
            {
                forgetList(); // not expected (the list holds hi > p), but then only the range is sure
                lo = Math.max(lo, p + 1);
                return;
            }
            if (versions.length > 64 && n * 4 < versions.length)
            {
                // A hot key's list shrinks back with its writes: a burst does not pin its capacity for good.
                versions = Arrays.copyOfRange(versions, from, from + Math.max(n * 2, 16));
                tombstones = Arrays.copyOfRange(tombstones, from, from + Math.max(n * 2, 16));
            }
            else
            {
                System.arraycopy(versions, from, versions, 0, n);
                System.arraycopy(tombstones, from, tombstones, 0, n);
            }
            count = n;
            lo = versions[0];
        }

        @Override
        public String toString()
        {
            return "Tracked" + Arrays.toString(bytes) + "[" + lo + ", " + hi + "]" +
                (versions == null ? "" : Arrays.toString(Arrays.copyOf(versions, count)));
        }
    }
}
