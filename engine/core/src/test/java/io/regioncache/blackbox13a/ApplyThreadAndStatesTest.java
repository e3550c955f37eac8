package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class ApplyThreadAndStatesTest
{
    @Test
    void isApplyThreadTellsWhereHostCodeRuns() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertFalse(cache.isApplyThread());
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final CompletableFuture<CommandResult> blocker = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            final CompletableFuture<Boolean> blockerWhere = blocker.thenApply(x ->
            {
                final boolean here = cache.isApplyThread();
                entered.countDown();
                try
                {
                    if (here)
                    {
                        release.await(10, TimeUnit.SECONDS);
                    }
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                return here;
            });
            final CompletableFuture<CommandResult> f = cache.createRegion(new Region(2, b("m"), b("z"), 1));
            boolean attachedBefore = false;
            CompletableFuture<Boolean> where = null;
            if (entered.await(10, TimeUnit.SECONDS))
            {
                // the apply thread is held in the blocker's stage (if the stage runs there): f cannot be done yet
                attachedBefore = !f.isDone();
                where = f.thenApply(x -> cache.isApplyThread());
            }
            release.countDown();
            // wait on the stage, not on f: a thread waiting in f.get() may itself run f's dependents (JDK)
            final Boolean whereAnswer = where == null ? null : where.get(10, TimeUnit.SECONDS);
            r(f);
            if (attachedBefore && Boolean.TRUE.equals(blockerWhere.get(10, TimeUnit.SECONDS)))
            {
                assertTrue(whereAnswer, "a stage attached before completion runs on the apply thread");
            }
            assertTrue(blockerWhere.get(10, TimeUnit.SECONDS) || blocker.isDone());
            assertFalse(cache.isApplyThread());
        }
    }

    @Test
    void throwingDependentStageStaysInItsStageAndInterruptFlagIsCleared() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            final CompletableFuture<CommandResult> first = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            final CompletableFuture<Object> thrown = first.thenApply(x ->
            {
                throw new IllegalStateException("host stage");
            });
            final CompletableFuture<CommandResult> second = cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")));
            final AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
            final AtomicBoolean interruptedOnApply = new AtomicBoolean();
            second.thenRun(() ->
            {
                if (cache.isApplyThread())
                {
                    interruptedOnApply.set(true);
                    Thread.currentThread().interrupt();
                }
            });
            final ExecutionException e = assertThrows(ExecutionException.class, () -> thrown.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException);
            assertEquals(ResultCode.OK, r(first).code());
            assertEquals(ResultCode.OK, r(second).code());
            // the apply thread goes on: later commands are answered
            for (int v = 2; v < 20; v++)
            {
                assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, v).put(b("b"), b("v" + v)))).code());
            }
            try (Snapshot s = cache.snapshot(1, 1, 100))
            {
                assertEquals("v19", new String(s.get(b("b"))));
            }
            assertNull(interruptedAfter.get());
            assertFalse(Thread.currentThread().isInterrupted());
            if (interruptedOnApply.get())
            {
                assertTrue(cache.metrics().get("apply.errors") >= 1, "a stage that left the interrupt flag set is counted");
            }
        }
    }

    @Test
    void epochIsCheckedFirstWhateverTheState() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("b"), 1, b("s"));
        try (RegionCache cache = RegionCache.create(K.cfg().backingStore(store).build()))
        {
            cache.pauseLoads(true);
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 5))).code());
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 10), "stale epoch on a PENDING region");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 0), "epoch before the read version");
            assertEquals(SnapshotStatus.LOADING, s.open(1, 5, 10));
            assertEquals(ResultCode.SKIPPED, r(cache.write(new WriteBatch(1, 5, 2).put(b("c"), b("w")))).code(),
                "a write to a PENDING region");
            assertEquals(ResultCode.STALE_EPOCH, r(cache.write(new WriteBatch(1, 4, 3).put(b("zz"), b("w")))).code());
            assertEquals(ResultCode.STALE_EPOCH, r(cache.createRegion(new Region(1, b("x"), b("z"), 4))).code());
            assertEquals(1, cache.metrics().get("regions.PENDING"));
            cache.pauseLoads(false);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                r(cache.advanceSafePoint(0));
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(1, 20)).code());
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 4, 5), "stale epoch before too-old read");
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 5, 5));
            assertEquals(SnapshotStatus.OK, s.open(1, 5, 21));
            assertEquals("s", new String(s.get(b("b"))));
            s.dispose();
        }
    }

    @Test
    void epochDriftEvictsAndSplitIntoAnIdInUseIsRefused() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            assertEquals(ResultCode.INVALID,
                r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code(), "new id in use");
            assertEquals(new Region(1, b("a"), b("m"), 1), cache.region(1));
            assertEquals(new Region(2, b("m"), b("z"), 1), cache.region(2));
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(1, 3, 2).put(b("x"), b("1")))).code(),
                "newer epoch, key outside: refused before the drift");
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(1, 3, 1).put(b("b"), b("1")))).code(),
                "newer epoch, version repeated: refused before the drift");
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            final long conflicts = cache.metrics().get("conflicts");
            assertEquals(ResultCode.EPOCH_DRIFT, r(cache.write(new WriteBatch(1, 3, 2).put(b("b"), b("2")))).code());
            assertNull(cache.stateOf(1));
            assertEquals(1, cache.metrics().get("evictions.EPOCH_DRIFT"));
            assertTrue(cache.metrics().get("conflicts") >= conflicts);
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 3, 5));
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 3))).code());
        }
    }

    @Test
    void iteratorCopiesAtBufferEdges() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("key"), b("value"))));
            try (Snapshot s = cache.snapshot(1, 1, 1))
            {
                final SnapshotIterator it = s.iterator();
                final UnsafeBuffer small = new UnsafeBuffer(new byte[5]);
                assertThrows(IllegalStateException.class, () -> it.copyKey(small, 0), "before the first move");
                assertTrue(it.seekToFirst());
                assertEquals(3, it.copyKey(small, 2), "exact fit at the end");
                assertEquals("\0\0key", new String(small.byteArray()));
                assertThrows(IllegalArgumentException.class, () -> it.copyKey(small, 3));
                assertThrows(IllegalArgumentException.class, () -> it.copyKey(small, -1));
                assertThrows(IllegalArgumentException.class, () -> it.copyValue(small, 1));
                assertEquals("\0\0key", new String(small.byteArray()), "nothing copied");
                assertEquals(5, it.copyValue(small, 0));
                assertThrows(NullPointerException.class, () -> it.copyValue(null, 0));
                final ExpandableArrayBuffer grows = new ExpandableArrayBuffer(1);
                assertEquals(5, it.copyValue(grows, 100));
                assertEquals("value", grows.getStringWithoutLengthAscii(100, 5));
                assertFalse(it.next());
                assertThrows(IllegalStateException.class, () -> it.copyValue(small, 0), "after a move returned false");
                assertFalse(it.next(), "next from there returns false");
                assertFalse(it.prev());
                assertTrue(it.seek(b("a")));
                assertEquals("key", new String(it.key()));
            }
        }
    }

    @Test
    void interruptedCallerIsServedAndKeepsItsFlag() throws Exception
    {
        Thread.currentThread().interrupt();
        try
        {
            final RegionCache cache = RegionCache.create(K.cfg().build());
            assertTrue(Thread.currentThread().isInterrupted());
            final CompletableFuture<CommandResult> f = cache.createRegion(new Region(1, b("a"), b("m"), 1));
            assertEquals(ResultCode.OK, f.join().code());
            assertEquals(ResultCode.OK, cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))).join().code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals("1", new String(s.get(b("b"))));
            s.close();
            assertTrue(Thread.currentThread().isInterrupted());
            cache.close();
            assertTrue(Thread.currentThread().isInterrupted(), "flag kept across close()");
            assertTrue(cache.isClosed());
            assertEquals(ResultCode.CLOSED, cache.setEnabled(false).join().code());
        }
        finally
        {
            Thread.interrupted();
        }
    }

    @Test
    void invokerCloseFromACallbackRunsWhenTheCycleReturns() throws Exception
    {
        final RegionCacheConfig cfg = K.cfg().threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run).gcExecutor(Runnable::run).build();
        final RegionCache cache = RegionCache.create(cfg);
        final AtomicReference<CommandResult> inside = new AtomicReference<>();
        final CompletableFuture<CommandResult> f = cache.createRegion(new Region(1, b("a"), b("m"), 1));
        final CompletableFuture<CommandResult> queuedBehind = cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")));
        f.thenRun(() ->
        {
            assertTrue(cache.isApplyThread());
            cache.close();
            inside.set(cache.write(new WriteBatch(1, 1, 2).put(b("b"), b("2"))).join());
        });
        for (int i = 0; i < 1000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        assertEquals(ResultCode.OK, f.get(1, TimeUnit.SECONDS).code());
        assertEquals(ResultCode.CLOSED, inside.get().code(), "refused at once");
        assertTrue(cache.isClosed());
        final CommandResult behind = queuedBehind.get(10, TimeUnit.SECONDS);
        assertTrue(behind.code() == ResultCode.OK || behind.code() == ResultCode.CLOSED, behind.toString());
        cache.close();
    }
}
