package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Readers pin region 1 through {@code Snapshot.open} while the dedicated apply thread splits it (and keeps applying
 * write batches before and after the split). Every batch writes every key of its region with the value
 * {@code "v<version>"}, so a consistent snapshot sees, for every key of its region, exactly the value of its read
 * version.
 * <p>
 * Budget: {@code -Dsplit.rounds} (default 5) rounds of create / write / split / write / evict.
 */
class SplitUnderSnapshotsTest
{
    private static final int KEYS = 40;
    private static final int SPLIT_AT = 20;
    private static final int READERS = 3;
    private static final int BATCHES_BEFORE = 300;
    private static final int BATCHES_AFTER = 300;

    private static byte[] key(final int i)
    {
        return String.format("k%03d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(final long version)
    {
        return ("v" + version).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void splitAgainstConcurrentSnapshots() throws Exception
    {
        final int rounds = Integer.getInteger("split.rounds", 5);
        for (int round = 0; round < rounds; round++)
        {
            oneRound();
        }
    }

    private void oneRound() throws Exception
    {
        final CycleSignal cycles = new CycleSignal();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD).idleStrategy(cycles).segmentSize(64 * 1024)
            .build());
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean splitDone = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch sawOldEpoch = new CountDownLatch(READERS);
        final CountDownLatch sawChildren = new CountDownLatch(READERS);
        final List<Thread> readers = new ArrayList<>();
        try
        {
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1))
                .get(10, TimeUnit.SECONDS).code());
            long version = 0;
            final List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
            version++;
            writes.add(cache.write(batch(1, 1, version, 0, KEYS)));
            assertEquals(ResultCode.OK, writes.get(0).get(10, TimeUnit.SECONDS).code());

            for (int t = 0; t < READERS; t++)
            {
                final Thread reader = new Thread(() -> read(cache, splitDone, stop, sawOldEpoch, sawChildren, failure),
                    "reader-" + t);
                readers.add(reader);
                reader.start();
            }
            assertTrue(sawOldEpoch.await(30, TimeUnit.SECONDS), "readers never opened the region before the split");

            for (int i = 0; i < BATCHES_BEFORE; i++)
            {
                version++;
                writes.add(cache.write(batch(1, 1, version, 0, KEYS)));
            }
            final long lastBeforeSplit = version;
            final Snapshot held = cache.newSnapshot();
            final CompletableFuture<CommandResult> split =
                cache.split(1, 1, new byte[][] {key(SPLIT_AT)}, new long[] {2}, 2);
            for (int i = 0; i < BATCHES_AFTER; i++)
            {
                version++;
                writes.add(cache.write(batch(2, 2, version, 0, SPLIT_AT)));
                writes.add(cache.write(batch(1, 2, version, SPLIT_AT, KEYS)));
                if (i == 0)
                {
                    // Held across the split: opened at the old epoch (it may have raced the split; then reopen is
                    // impossible and the check below is skipped).
                    if (held.open(1, 1, Long.MAX_VALUE) == SnapshotStatus.OK)
                    {
                        assertTrue(held.readVersion() <= lastBeforeSplit);
                    }
                }
            }
            final CommandResult splitResult = split.get(10, TimeUnit.SECONDS);
            assertEquals(ResultCode.OK, splitResult.code(), splitResult.toString());
            splitDone.set(true);
            for (final CompletableFuture<CommandResult> w : writes)
            {
                final CommandResult r = w.get(10, TimeUnit.SECONDS);
                assertEquals(ResultCode.OK, r.code(), r.toString());
            }
            assertTrue(sawChildren.await(30, TimeUnit.SECONDS), "readers never opened both children");
            stop.set(true);
            for (final Thread reader : readers)
            {
                reader.join(30_000);
                assertTrue(!reader.isAlive(), "reader did not stop");
            }
            if (failure.get() != null)
            {
                fail("reader failed", failure.get());
            }

            if (held.isOpen())
            {
                checkConsistent(held, 1, 1, 0, KEYS);
                held.close();
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(SnapshotStatus.OK, s.open(1, 2, Long.MAX_VALUE));
            assertEquals(version, s.readVersion());
            checkConsistent(s, 1, 2, SPLIT_AT, KEYS);
            assertEquals(SnapshotStatus.OK, s.open(2, 2, Long.MAX_VALUE));
            assertEquals(version, s.readVersion());
            checkConsistent(s, 2, 2, 0, SPLIT_AT);
            assertEquals(SnapshotStatus.OK, s.open(2, 2, lastBeforeSplit));
            checkConsistent(s, 2, 2, 0, SPLIT_AT);
            assertEquals(lastBeforeSplit, s.readVersion());
            s.close();

            assertEquals(ResultCode.OK, cache.evict(1, EvictReason.MANUAL).get(10, TimeUnit.SECONDS).code());
            assertEquals(ResultCode.OK, cache.evict(2, EvictReason.MANUAL).get(10, TimeUnit.SECONDS).code());
            assertNull(cache.stateOf(1));
            assertNull(cache.stateOf(2));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.memoryInUse() != 0 && System.nanoTime() < deadline)
            {
                cycles.awaitCycle(); // the apply thread frees a drained region in a reclaim pass of its cycle
            }
            assertEquals(0, cache.memoryInUse(), "memory not returned after every snapshot closed");
            assertEquals(0, cache.counters().applyErrors());
            assertEquals(0, cache.counters().conflicts());
            assertEquals(1, cache.counters().splits());
        }
        finally
        {
            stop.set(true);
            for (final Thread reader : readers)
            {
                reader.join(30_000);
            }
            cache.close();
        }
        assertEquals(0, cache.pool().bytesInUse());
    }

    private static WriteBatch batch(
        final long regionId, final long epoch, final long version, final int fromKey, final int toKey)
    {
        final WriteBatch b = new WriteBatch(regionId, epoch, version);
        for (int i = fromKey; i < toKey; i++)
        {
            b.put(key(i), value(version));
        }
        return b;
    }

    private static void read(
        final RegionCache cache,
        final AtomicBoolean splitDone,
        final AtomicBoolean stop,
        final CountDownLatch sawOldEpoch,
        final CountDownLatch sawChildren,
        final AtomicReference<Throwable> failure)
    {
        final Snapshot s = cache.newSnapshot();
        boolean oldCounted = false;
        boolean childrenCounted = false;
        boolean oldGone = false;
        boolean leftSeen = false;
        boolean rightSeen = false;
        try
        {
            while (!stop.get())
            {
                // Old epoch on id 1: OK until the split, then EPOCH_MISMATCH forever.
                final boolean doneBefore = splitDone.get();
                final SnapshotStatus old = s.open(1, 1, Long.MAX_VALUE);
                if (old == SnapshotStatus.OK)
                {
                    if (oldGone || doneBefore)
                    {
                        throw new AssertionError("pinned the old epoch after the split");
                    }
                    checkConsistent(s, 1, 1, 0, KEYS);
                    s.close();
                    if (!oldCounted)
                    {
                        oldCounted = true;
                        sawOldEpoch.countDown();
                    }
                }
                else if (old == SnapshotStatus.EPOCH_MISMATCH)
                {
                    oldGone = true;
                }
                else
                {
                    throw new AssertionError("old epoch open: " + old);
                }

                // New epoch on the right child (keeps id 1).
                final SnapshotStatus right = s.open(1, 2, Long.MAX_VALUE);
                if (right == SnapshotStatus.OK)
                {
                    rightSeen = true;
                    checkConsistent(s, 1, 2, SPLIT_AT, KEYS);
                    s.close();
                }
                else if (right != SnapshotStatus.EPOCH_MISMATCH || rightSeen)
                {
                    throw new AssertionError("right child open: " + right + (rightSeen ? " after OK" : ""));
                }

                // Left child: new id 2.
                final SnapshotStatus left = s.open(2, 2, Long.MAX_VALUE);
                if (left == SnapshotStatus.OK)
                {
                    leftSeen = true;
                    checkConsistent(s, 2, 2, 0, SPLIT_AT);
                    s.close();
                }
                else if (left != SnapshotStatus.NOT_CACHED || leftSeen)
                {
                    throw new AssertionError("left child open: " + left + (leftSeen ? " after OK" : ""));
                }
                if ((leftSeen || rightSeen) && !oldGone)
                {
                    // A child was pinned, so the split is published; the old epoch must now be refused.
                    if (s.open(1, 1, Long.MAX_VALUE) != SnapshotStatus.EPOCH_MISMATCH)
                    {
                        throw new AssertionError("old epoch still open after a child was pinned");
                    }
                    oldGone = true;
                }
                if (leftSeen && rightSeen && !childrenCounted)
                {
                    childrenCounted = true;
                    sawChildren.countDown();
                }
            }
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
            sawOldEpoch.countDown();
            sawChildren.countDown();
        }
        finally
        {
            s.dispose();
        }
    }

    /**
     * Every key of the snapshot's region holds the value of the snapshot's read version, and nothing else is there.
     */
    private static void checkConsistent(
        final Snapshot s, final long id, final long epoch, final int fromKey, final int toKey)
    {
        assertEquals(id, s.region().id());
        assertEquals(epoch, s.region().epochVersion());
        final long rv = s.readVersion();
        assertTrue(rv >= 1, "read version " + rv);
        for (int i = fromKey; i < toKey; i++)
        {
            assertArrayEquals(value(rv), s.get(key(i)), "key " + i + " at read version " + rv);
        }
        final SnapshotIterator it = s.iterator();
        int n = 0;
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            assertArrayEquals(key(fromKey + n), it.key());
            assertArrayEquals(value(rv), it.value());
            n++;
        }
        assertEquals(toKey - fromKey, n);
    }
}
