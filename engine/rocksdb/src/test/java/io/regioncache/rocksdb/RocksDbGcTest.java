package io.regioncache.rocksdb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.StoreException;
import io.regioncache.WriteBatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GC that costs what the garbage costs (issue #13 item 6) drops exactly what a full sweep drops: the same random
 * history goes to a store that sweeps only the keys with unswept versions at or below the safe point
 * ({@link RocksDbBackingStore#open}) and to one that always sweeps everything ({@link RocksDbBackingStore#wrap});
 * after every round both report the same number dropped and hold the same entries, byte for byte.
 * <p>
 * The histories exercise every shortcut of {@link RocksDbGc}: hot keys with dozens of versions per round (the range
 * tombstone past {@link RocksDbGc#RANGE_DELETE_AFTER} drops), deletes (kept tombstones), delete-ranges, safe points
 * moving forward and sometimes back (a backward round verifies nothing), late writes below the safe point already
 * swept, restarts (the reopened store sweeps
 * everything once), rounds failed at a random entry (they put their ranges back), and writes landing in the middle
 * of a round (at versions above its safe point, as the GC contract requires). Every history must take both the
 * blind path (a listed key with a known survivor, swept without a read) and the seek path; a second test walks the
 * blind path's edge cases. A concurrent test races a writer thread against rounds (its seed is random and named in
 * every failure; {@code -Dgcrace.seed=N} replays it), and a cost test proves a round visits only the keys written and
 * seeks only the ones it must.
 */
class RocksDbGcTest
{
    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void candidateSweepsDropWhatAFullSweepDrops(final long seed) throws Exception
    {
        RocksDB.loadLibrary();
        final Random rnd = new Random(seed);
        final Path incDir = dir.resolve("incremental");
        RocksDbBackingStore inc = RocksDbBackingStore.open(incDir);
        final Options options = new Options().setCreateIfMissing(true);
        final RocksDB fullDb = RocksDB.open(options, dir.resolve("full").toString());
        final RocksDbBackingStore full = RocksDbBackingStore.wrap(fullDb);
        try
        {
            long version = 0;
            long safePoint = 0;
            long floor = 0; // after a failed round, no later round goes below its safe point (see failRound)
            long dropped = 0;
            int failures = 0;
            int midRoundWrites = 0;
            long seeked = 0;
            long blind = 0;
            final int ops = 2500;
            for (int i = 0; i < ops; i++)
            {
                final String where = "seed " + seed + " op " + i;
                final int p = rnd.nextInt(100);
                if (p < 80)
                {
                    // Now and then a late write, at a version at or below versions already written and swept (the
                    // store does not require versions to grow; only writes during a round must be above its safe
                    // point). The rounds must find what it left below the safe point they already swept.
                    final long v = rnd.nextInt(30) == 0 ? 1 + rnd.nextInt((int)version + 1) : ++version;
                    final WriteBatch a = new WriteBatch(1, 1, v);
                    final WriteBatch b = new WriteBatch(1, 1, v);
                    randomBatch(rnd, a, b, v);
                    inc.applyBatch(a);
                    full.applyBatch(b);
                }
                else if (p < 83)
                {
                    final int lo = rnd.nextInt(200);
                    final byte[] start = key(lo);
                    final byte[] end = key(lo + 1 + rnd.nextInt(20));
                    ++version;
                    assertEquals(full.deleteRange(start, end, version), inc.deleteRange(start, end, version), where);
                }
                else if (p < 92)
                {
                    // Mostly forward; sometimes a lower safe point (allowed: nothing more is dropped).
                    safePoint = rnd.nextInt(10) == 0 ? Math.max(floor, safePoint - rnd.nextInt(30)) :
                        Math.max(safePoint, version - rnd.nextInt(40));
                    boolean partial = false;
                    if (rnd.nextInt(8) == 0)
                    {
                        final long done = failRound(inc, safePoint, rnd, where);
                        if (done < 0)
                        {
                            // It dropped some entries: the next round drops fewer (compare entries, not counts),
                            // and no later round may go below this one (a full sweep there would keep them).
                            partial = true;
                            failures++;
                            floor = Math.max(floor, safePoint);
                        }
                        else
                        {
                            assertEquals(full.gcBelow(safePoint), done, where + ": a round the failure missed");
                        }
                    }
                    final List<WriteBatch[]> during = new ArrayList<>();
                    if (rnd.nextInt(4) == 0)
                    {
                        // Writes that land in the middle of the incremental round, above its safe point: the full
                        // store gets them before its round (they cannot change what either round drops).
                        for (int n = 1 + rnd.nextInt(3); n > 0; n--)
                        {
                            final long v = ++version;
                            final WriteBatch a = new WriteBatch(1, 1, v);
                            final WriteBatch b = new WriteBatch(1, 1, v);
                            randomBatch(rnd, a, b, v);
                            during.add(new WriteBatch[] {a, b});
                            full.applyBatch(b);
                        }
                        midRoundWrites += during.size();
                    }
                    final long d = full.gcBelow(safePoint);
                    final long di = roundWithWrites(inc, safePoint, during, rnd);
                    if (!partial)
                    {
                        assertEquals(d, di, where + ": dropped at " + safePoint);
                    }
                    dropped += d;
                    assertSameEntries(full.db(), inc.db(), where);
                }
                else if (i > ops / 2 && rnd.nextInt(20) == 0)
                {
                    final long[] swept = inc.gcSweptKeys();
                    seeked += swept[0];
                    blind += swept[1];
                    inc.close(); // a restart: the reopened store sweeps everything once
                    inc = RocksDbBackingStore.open(incDir);
                }
            }
            // A last round everywhere, then everything at or below it is swept in both.
            final long d = full.gcBelow(version);
            assertEquals(d, inc.gcBelow(version), "seed " + seed + ": final round");
            assertSameEntries(full.db(), inc.db(), "seed " + seed + " final");
            final long[] swept = inc.gcSweptKeys(); // since the last restart
            seeked += swept[0];
            blind += swept[1];
            System.out.println("seed " + seed + ": keys swept by seeking " + seeked + ", blind " + blind);
            assertTrue(seeked > 0 && blind > 0, "seed " + seed + ": both the seek and the blind path ran");
            assertTrue(dropped > 0, "seed " + seed + ": the history left no garbage to drop");
            assertTrue(failures > 0 && midRoundWrites > 0, "seed " + seed + ": the history exercised no failure");
        }
        finally
        {
            inc.close();
            full.close();
            fullDb.close();
            options.close();
        }
    }

    /** Half the keys of a batch from 4 hot keys, so they gather more versions per round than a range drop needs. */
    private static void randomBatch(final Random rnd, final WriteBatch a, final WriteBatch b, final long version)
    {
        for (int n = 1 + rnd.nextInt(4); n > 0; n--)
        {
            final byte[] k = key(rnd.nextBoolean() ? rnd.nextInt(4) * 50 : rnd.nextInt(200));
            if (rnd.nextInt(8) == 0)
            {
                a.delete(k);
                b.delete(k);
            }
            else
            {
                final byte[] v = ("v" + version + "/" + rnd.nextInt(1000)).getBytes();
                a.put(k, v);
                b.put(k, v);
            }
        }
    }

    /**
     * A round at {@code safePoint} that fails at a random visited key or entry (possibly after deleting some).
     *
     * @return -1 if it failed, else what it dropped (it visited too little to reach the failure).
     */
    private static long failRound(final RocksDbBackingStore store, final long safePoint, final Random rnd,
        final String where)
    {
        final int failAt = rnd.nextInt(30);
        final int[] visits = {0};
        store.gcVisitHook(() ->
        {
            if (visits[0]++ == failAt)
            {
                throw new StoreException("injected failure", null);
            }
        });
        try
        {
            return store.gcBelow(safePoint);
        }
        catch (final StoreException ex)
        {
            assertTrue(ex.getMessage().contains("injected"), where + ": " + ex);
            return -1;
        }
        finally
        {
            store.gcVisitHook(null);
        }
    }

    /** A round during which {@code during} land (from the GC thread, at its first visits). */
    private static long roundWithWrites(final RocksDbBackingStore store, final long safePoint,
        final List<WriteBatch[]> during, final Random rnd)
    {
        if (during.isEmpty())
        {
            return store.gcBelow(safePoint);
        }
        final int at = rnd.nextInt(3);
        final int[] visits = {0};
        store.gcVisitHook(() ->
        {
            if (visits[0]++ == at)
            {
                for (final WriteBatch[] w : during)
                {
                    store.applyBatch(w[0]);
                }
            }
        });
        try
        {
            final long d = store.gcBelow(safePoint);
            if (visits[0] <= at)
            {
                for (final WriteBatch[] w : during)
                {
                    store.applyBatch(w[0]); // the round visited too little to land them: they land after it
                }
            }
            return d;
        }
        finally
        {
            store.gcVisitHook(null);
        }
    }

    /**
     * A writer thread racing GC rounds (the marks taken while a round swaps its map must not be lost): every batch
     * goes to both stores; rounds run on the incremental one only, at a safe point below every write still running.
     * A final round at the last version then leaves both stores with the same entries, and the incremental store's
     * rounds together dropped exactly what the full store's single round drops.
     */
    @Test
    void writerRacingRoundsLosesNoGarbage() throws Exception
    {
        // Random unless given: -Dgcrace.seed=N replays the writer's history (not the thread interleaving).
        final long seed = Long.getLong("gcrace.seed", System.nanoTime());
        System.out.println("writerRacingRoundsLosesNoGarbage seed " + seed);
        try (StorePair pair = new StorePair(dir))
        {
            final RocksDbBackingStore inc = pair.inc;
            final RocksDbBackingStore full = pair.full;
            final AtomicLong acked = new AtomicLong();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(1);
            final int batches = 20_000;
            final Thread writer = new Thread(() ->
            {
                try
                {
                    final Random rnd = new Random(seed);
                    for (int v = 1; v <= batches; v++)
                    {
                        final WriteBatch a = new WriteBatch(1, 1, v);
                        final WriteBatch b = new WriteBatch(1, 1, v);
                        randomBatch(rnd, a, b, v);
                        inc.applyBatch(a);
                        full.applyBatch(b);
                        acked.set(v);
                    }
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
                finally
                {
                    done.countDown();
                }
            }, "gc-test-writer");
            writer.start();
            long dropped = 0;
            int rounds = 0;
            while (done.getCount() > 0 || rounds == 0)
            {
                dropped += inc.gcBelow(acked.get()); // every write still running is above it
                rounds++;
            }
            writer.join();
            if (failure.get() != null)
            {
                throw new AssertionError("seed " + seed + ": writer failed", failure.get());
            }
            final long d = full.gcBelow(batches);
            dropped += inc.gcBelow(batches);
            assertEquals(d, dropped, "seed " + seed + ": dropped over " + rounds + " rounds");
            assertSameEntries(full.db(), inc.db(), "seed " + seed);
            assertTrue(rounds > 1, "seed " + seed + ": no round raced the writer");
        }
        catch (final Throwable t)
        {
            throw new AssertionError("seed " + seed + " (replay with -Dgcrace.seed=" + seed + "): " + t, t);
        }
    }

    /**
     * The cost claim itself: after a round, a round that follows writes to a few keys visits (seeks to) only those
     * keys, not the thousand others; the first round after a restart sweeps every entry once.
     */
    @Test
    void aRoundVisitsOnlyTheKeysWrittenSinceTheLastOne()
    {
        final Path d = dir.resolve("cost");
        try (RocksDbBackingStore store = RocksDbBackingStore.open(d))
        {
            long version = 0;
            for (int k = 0; k < 1000; k++)
            {
                store.put(key(k), ++version, new byte[8]);
            }
            assertEquals(0, store.gcBelow(version), "the initial load: nothing to drop");
            assertEquals(1000, store.gcSweptKeys()[1], "every key blind (the store started empty: no read needed)");
            final int[] visits = {0};
            store.gcVisitHook(() -> visits[0]++);
            for (int n = 0; n < RocksDbGc.MAX_EXACT + 36; n++)
            {
                store.put(key(7), ++version, new byte[8]); // a hot key
            }
            for (int n = 0; n < 40; n++)
            {
                store.put(key(300), ++version, new byte[8]); // a warm key: listed, so blind, past the point deletes
            }
            store.put(key(500), ++version, new byte[8]);
            store.delete(key(900), ++version);
            assertEquals(0, store.gcBelow(1000), "nothing at or below 1000 is unswept");
            assertEquals(0, visits[0], "keys written above the safe point are not visited");
            final long[] before = store.gcSweptKeys();
            assertEquals((RocksDbGc.MAX_EXACT + 35 + 1) + (39 + 1) + 1 + 2, store.gcBelow(version));
            assertEquals(4, visits[0], "one visit per key written");
            final long[] after = store.gcSweptKeys();
            assertEquals(2, after[0] - before[0], "two seeks: the hot key (more writes than a list holds) and the "
                + "deleted key (a kept tombstone)");
            assertEquals(2, after[1] - before[1], "keys 300 and 500 swept blind");
            // One entry left per key (key 900 is gone): the blind range tombstone took key 300's 31 oldest versions
            // and its survivor, and nothing else.
            final List<byte[]> left = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator())
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    left.add(it.key());
                }
            }
            assertEquals(999, left.size());
        }
        try (RocksDbBackingStore store = RocksDbBackingStore.open(d))
        {
            final int[] visits = {0};
            store.gcVisitHook(() -> visits[0]++);
            assertEquals(0, store.gcBelow(5000));
            assertEquals(999, visits[0], "a restart sweeps every entry once (key 900 is gone)");
            visits[0] = 0;
            assertEquals(0, store.gcBelow(5000));
            assertEquals(0, visits[0], "then nothing is tracked");
        }
    }

    /**
     * The blind path's edge cases, each compared with a full sweep: a first round on a store opened empty (every key
     * blind, nothing to learn first), a late write at the survivor's own version (a tombstone over the kept put: the
     * list's flag wins, so the key seeks), one below the survivor, and a late put under a swept tombstone.
     */
    @Test
    void blindRoundsDropWhatAFullSweepDrops() throws Exception
    {
        try (StorePair pair = new StorePair(dir))
        {
            final RocksDbBackingStore inc = pair.inc;
            final RocksDbBackingStore full = pair.full;
            final RocksDbBackingStore[] both = {inc, full};
            for (final RocksDbBackingStore st : both)
            {
                for (int k = 0; k < 200; k++)
                {
                    st.put(key(k), 1, new byte[] {1});
                    st.put(key(k), 2, new byte[] {2});
                }
            }
            gcBoth(inc, full, 2, 200, "first round: the store started empty, so the lists name every live entry");
            for (final RocksDbBackingStore st : both)
            {
                st.put(key(1), 5, new byte[] {5});
                st.put(key(2), 6, new byte[] {6});
                st.delete(key(3), 7);
            }
            gcBoth(inc, full, 7, 2, "survivors at 2 go; key 3's kept tombstone takes the seek path");
            for (final RocksDbBackingStore st : both)
            {
                st.delete(key(1), 5); // a late tombstone at key 1's survivor version
                st.put(key(2), 4, new byte[] {4}); // a late put below key 2's survivor
                st.put(key(3), 3, new byte[] {3}); // a late put under key 3's swept tombstone
                st.put(key(4), 8, new byte[] {8});
            }
            gcBoth(inc, full, 8, 3, "late writes at and below survivors (key 1 now ends in a tombstone: seek)");
            assertNull(inc.get(key(1), 100), "key 1 ends deleted");
            assertArrayEquals(new byte[] {6}, inc.get(key(2), 100));
            assertArrayEquals(new byte[] {3}, inc.get(key(3), 100));
        }
    }

    /**
     * Keys longer than the sweep's first key array (256 bytes; it grows), between short ones, with versions on both
     * sides of the safe point and tombstones: every round, listed or not, drops what a full sweep drops, and every
     * read at or above the safe point answers as before it.
     */
    @Test
    void longKeysBetweenShortOnesSweepLikeShortOnes() throws Exception
    {
        final int[] lengths = {3, 300, 4, 1_000, 5, 260};
        final byte[][] keys = new byte[lengths.length][];
        for (int i = 0; i < lengths.length; i++)
        {
            keys[i] = new byte[lengths[i]];
            java.util.Arrays.fill(keys[i], (byte)('a' + i));
        }
        try (StorePair pair = new StorePair(dir))
        {
            final RocksDbBackingStore[] both = {pair.inc, pair.full};
            for (final RocksDbBackingStore st : both)
            {
                for (int i = 0; i < keys.length; i++)
                {
                    for (long v = 1; v <= 6; v++)
                    {
                        if (v == 3 && i % 2 == 1)
                        {
                            st.delete(keys[i], v);
                        }
                        else
                        {
                            st.put(keys[i], v, new byte[] {(byte)i, (byte)v});
                        }
                    }
                }
            }
            for (final long safePoint : new long[] {2, 4, 6})
            {
                final byte[][][] before = new byte[keys.length][7][];
                for (int i = 0; i < keys.length; i++)
                {
                    for (long v = safePoint; v <= 6; v++)
                    {
                        before[i][(int)v] = pair.inc.get(keys[i], v);
                    }
                }
                assertEquals(pair.full.gcBelow(safePoint), pair.inc.gcBelow(safePoint), "dropped at " + safePoint);
                assertSameEntries(pair.full.db(), pair.inc.db(), "safe point " + safePoint);
                for (int i = 0; i < keys.length; i++)
                {
                    for (long v = safePoint; v <= 6; v++)
                    {
                        assertArrayEquals(before[i][(int)v], pair.inc.get(keys[i], v),
                            "key of " + lengths[i] + " bytes at version " + v + " after a GC at " + safePoint);
                    }
                }
            }
            // after the GC at 6 each key keeps its newest entry, a put (version 6): one entry per key
            assertEquals(keys.length, entries(pair.inc.db()).size());
        }
    }

    /**
     * The lists' budget ({@link RocksDbGc#LIST_BUDGET}, here 100 versions): marks past it cap their keys' lists at
     * {@link RocksDbGc#SMALL_LIST}, which drops a longer list (the key seeks), and a round that would carry more than
     * the budget drops the carried lists longer than that. Either way the rounds drop exactly what a full sweep drops.
     */
    @Test
    void theListBudgetSendsLongListsToTheSeekPath() throws Exception
    {
        try (StorePair pair = new StorePair(dir))
        {
            final RocksDbBackingStore inc = pair.inc;
            final RocksDbBackingStore full = pair.full;
            final RocksDbBackingStore[] both = {inc, full};
            inc.gcListBudget(100);
            long version = 0;
            for (int n = 0; n < 300; n++)
            {
                version++;
                for (final RocksDbBackingStore st : both)
                {
                    st.put(key(1), version, new byte[] {(byte)n}); // marks 101-300 come past the budget
                }
            }
            for (int n = 0; n < 10; n++)
            {
                version++;
                for (final RocksDbBackingStore st : both)
                {
                    st.put(key(2), version, new byte[] {(byte)n}); // past it too, but short: its list stays
                }
            }
            long[] before = inc.gcSweptKeys();
            gcBoth(inc, full, version, 1, "key 1 lost its list past the budget, key 2 goes blind");
            assertEquals(1, inc.gcSweptKeys()[0] - before[0], "key 1 seeks");

            inc.gcListBudget(RocksDbGc.LIST_BUDGET);
            final long safePoint = version + 100;
            for (int n = 0; n < 200; n++)
            {
                version++;
                for (final RocksDbBackingStore st : both)
                {
                    st.put(key(1), version, new byte[] {(byte)n});
                }
            }
            // Within the budget key 1 is listed again and goes blind; the round carries its 100 versions above the
            // safe point, more than a budget of 50 allows: they lose their list, and the next round seeks.
            inc.gcListBudget(50);
            gcBoth(inc, full, safePoint, 1, "key 1 listed within the budget");
            before = inc.gcSweptKeys();
            gcBoth(inc, full, version, 0, "key 1's carried list went over the budget");
            assertEquals(1, inc.gcSweptKeys()[0] - before[0], "key 1 seeks");
            assertEquals(2, entries(inc.db()).size(), "one entry per key left");
        }
    }

    /**
     * A backward round that sweeps everything forgets every survivor, and from then on a key missing from the
     * survivor map may still hold a live put: it must seek, not go blind as if it had none (compared with a full
     * sweep).
     */
    @Test
    void aKeyWhoseSurvivorWasForgottenSeeks() throws Exception
    {
        try (StorePair pair = new StorePair(dir))
        {
            final RocksDbBackingStore inc = pair.inc;
            final RocksDbBackingStore full = pair.full;
            final RocksDbBackingStore[] both = {inc, full};
            for (final long v : new long[] {1, 10})
            {
                for (final RocksDbBackingStore st : both)
                {
                    for (int k = 0; k < 200; k++)
                    {
                        st.put(key(k), v, new byte[] {(byte)v});
                    }
                }
                gcBoth(inc, full, v, 200, "round at " + v);
            }
            for (final RocksDbBackingStore st : both)
            {
                for (int k = 0; k < 190; k++)
                {
                    st.put(key(k), 5, new byte[] {5}); // late writes: a backward round has most keys to sweep
                }
            }
            gcBoth(inc, full, 7, 0, "a backward round sweeps everything and forgets every survivor");
            for (final RocksDbBackingStore st : both)
            {
                st.put(key(195), 20, new byte[] {20}); // its survivor (10) is forgotten, not gone
                for (int k = 1000; k < 3000; k++)
                {
                    // Above the next safe point (not visited): they only make the next round too small for a full
                    // sweep, which would learn every survivor again.
                    st.put(key(k), 30, new byte[] {30});
                }
            }
            final long[] before = inc.gcSweptKeys();
            gcBoth(inc, full, 20, 0, "late keys and key 195 seek");
            assertEquals(191, inc.gcSweptKeys()[0] - before[0], "keys swept by seeking");
        }
    }

    /**
     * The two stores most tests compare: an incremental one opened on an empty directory, and a full-sweep reference
     * over a database the test owns ({@link RocksDbBackingStore#wrap}), closed together.
     */
    private static final class StorePair implements AutoCloseable
    {
        private final Options options = new Options().setCreateIfMissing(true);
        private final RocksDB fullDb;
        final RocksDbBackingStore inc;
        final RocksDbBackingStore full;

        StorePair(final Path dir) throws RocksDBException
        {
            RocksDB.loadLibrary();
            inc = RocksDbBackingStore.open(dir.resolve("inc"));
            fullDb = RocksDB.open(options, dir.resolve("full").toString());
            full = RocksDbBackingStore.wrap(fullDb);
        }

        @Override
        public void close()
        {
            full.close();
            fullDb.close();
            inc.close();
            options.close();
        }
    }

    private static void gcBoth(final RocksDbBackingStore inc, final RocksDbBackingStore full, final long safePoint,
        final int blind, final String what)
    {
        final long[] before = inc.gcSweptKeys();
        assertEquals(full.gcBelow(safePoint), inc.gcBelow(safePoint), what + ": dropped");
        assertSameEntries(full.db(), inc.db(), what);
        assertEquals(blind, inc.gcSweptKeys()[1] - before[1], what + ": keys swept blind");
    }

    private static byte[] key(final int i)
    {
        return String.format("k%05d", i).getBytes();
    }

    private static void assertSameEntries(final RocksDB expected, final RocksDB actual, final String what)
    {
        final List<byte[][]> e = entries(expected);
        final List<byte[][]> a = entries(actual);
        assertEquals(e.size(), a.size(), what + ": entry count");
        for (int i = 0; i < e.size(); i++)
        {
            assertArrayEquals(e.get(i)[0], a.get(i)[0], what + ": key of entry " + i);
            assertArrayEquals(e.get(i)[1], a.get(i)[1], what + ": value of entry " + i);
        }
    }

    private static List<byte[][]> entries(final RocksDB db)
    {
        final List<byte[][]> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator())
        {
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                out.add(new byte[][] {it.key(), it.value()});
            }
        }
        return out;
    }
}
