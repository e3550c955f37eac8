package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.CountersFile;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** "`close()` ..." and "Handles used outside their life" (README, "The engine alone"). */
class CloseLifecycleTest
{
    /**
     * README: "After `close()` every command completes `CLOSED` at the call ... and a snapshot opens `CLOSED`";
     * "`CLOSED` (a well-formed command after `close()`)"; bad input "is `INVALID` whether or not the region is
     * cached, and even after `close()`"; "A batch refused at the call (`INVALID`, `QUEUE_FULL`, `CLOSED`) ... is not
     * sealed".
     */
    @Test
    void afterCloseWellFormedIsClosedAndBadInputIsInvalid() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.cfg().build());
        r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final Snapshot s = cache.newSnapshot();
        cache.close();
        assertTrue(cache.isClosed());
        assertFalse(cache.isEnabled());
        final WriteBatch batch = new WriteBatch(1, 1, 1).put(b("b"), b("1"));
        final List<CompletableFuture<CommandResult>> closed = List.of(
            cache.write(batch),
            cache.createRegion(new Region(2, b("m"), b("z"), 1)),
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2),
            cache.prepareMerge(1), cache.commitMerge(1, 2), cache.rollbackMerge(1),
            cache.deleteRange(b("a"), b("b")), cache.deleteRange(b("a"), b("b"), 3), cache.ingest(b("a"), b("b")),
            cache.evictRange(new byte[0], new byte[0], EvictReason.MANUAL),
            cache.applySnapshot(1), cache.destroy(1), cache.evict(1, EvictReason.MANUAL),
            cache.advanceSafePoint(3), cache.advanceSafePoint(1, 3), cache.setKeepCached(1, true),
            cache.compact(1), cache.setEnabled(false), cache.setEnabled(true));
        for (final CompletableFuture<CommandResult> f : closed)
        {
            assertTrue(f.isDone(), "answered at the call");
            assertEquals(ResultCode.CLOSED, f.getNow(null).code(), f.getNow(null).toString());
        }
        batch.put(b("c"), b("2")); // refused CLOSED: not sealed
        final List<CompletableFuture<CommandResult>> invalid = List.of(
            cache.write(null),
            cache.write(new WriteBatch(1, 1, -1).put(b("b"), b("1"))),
            cache.createRegion(new Region(2, null, b("z"), 1)),
            cache.loadRegion(new Region(2, b("m"), b("z"), 1)), // no backing store configured
            cache.split(1, 1, new byte[][] {b("g")}, new long[] {1}, 2),
            cache.commitMerge(1, -2),
            cache.deleteRange(b("b"), b("a")),
            cache.deleteRange(b("a"), b("b"), -1),
            cache.evict(1, null),
            cache.advanceSafePoint(-1),
            cache.setKeepCached(-1, true),
            cache.compact(-3));
        for (final CompletableFuture<CommandResult> f : invalid)
        {
            assertTrue(f.isDone());
            assertEquals(ResultCode.INVALID, f.getNow(null).code(), f.getNow(null).toString());
        }
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 1));
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 1));
        cache.close(); // harmless
        s.dispose();
    }

    /**
     * README: "A second `close()` racing the first returns when the first's shutdown has ended" and "The counters file
     * is unmapped (its last values stay in the file)".
     */
    @Test
    void secondCloseReturnsWhenTheFirstShutdownHasEnded(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("counters");
        final RegionCache cache = RegionCache.create(B.cfg().countersFile(file).countersIntervalMillis(3_600_000)
            .closeTimeoutMillis(500).build());
        r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        r(cache.createRegion(new Region(2, b("m"), b("z"), 1)));
        // A pinned snapshot keeps the first close() waiting for its timeout: the second comes while it runs.
        final Snapshot pin = cache.snapshot(1, 1, 1);
        final Thread first = new Thread(cache::close, "first-close");
        first.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cache.isClosed() && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(cache.isClosed());
        cache.close(); // the second
        // The first shutdown's last step, the final publish, is done: both regions were evicted at shutdown.
        final Map<String, Long> published = CountersFile.read(file);
        assertEquals(2L, published.get("evictions.SHUTDOWN"), published.toString());
        first.join(10_000);
        assertFalse(first.isAlive());
        pin.close();
    }

    /**
     * README: "The apply thread (`DEDICATED`) is joined, and so are the engine's own loader, GC, load-scan and
     * counters threads once shut down (up to 1 s in all): none of them is alive when `close()` returns".
     */
    @Test
    void noEngineThreadOutlivesClose(@TempDir final Path dir) throws Exception
    {
        final Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        try (InMemoryBackingStore store = new InMemoryBackingStore())
        {
            store.applyBatch(new WriteBatch(1, 1, 2).put(b("c"), b("v")));
            final RegionCache cache = RegionCache.create(B.cfg().backingStore(store).pipelinedLoads(true)
                .countersFile(dir.resolve("c")).build());
            assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(ResultCode.OK, r(cache.compact(1)).code());
            cache.publishCounters().get(10, TimeUnit.SECONDS);
            final List<Thread> mine = new ArrayList<>();
            for (final Thread t : Thread.getAllStackTraces().keySet())
            {
                if (!before.contains(t) && t.getName().startsWith("regioncache"))
                {
                    mine.add(t);
                }
            }
            assertFalse(mine.isEmpty());
            cache.close();
            for (final Thread t : mine)
            {
                assertFalse(t.isAlive(), t.getName() + " is still alive after close()");
            }
        }
    }

    /**
     * README: "Executors the host passed (`loaderExecutor`, `gcExecutor`) stay the host's and are never shut down (a
     * load one of them had not started is canceled and does nothing when it runs)".
     */
    @Test
    void hostExecutorsStayTheHostsAndAQueuedLoadDoesNothing() throws Exception
    {
        final List<Runnable> held = new ArrayList<>();
        final ExecutorService gc = Executors.newSingleThreadExecutor();
        final AtomicInteger scans = new AtomicInteger();
        final AtomicInteger snapshotsClosed = new AtomicInteger();
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        inner.applyBatch(new WriteBatch(1, 1, 2).put(b("c"), b("v")));
        final BackingStore store = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                final BackingSnapshot s = inner.openSnapshot();
                return new BackingSnapshot()
                {
                    @Override
                    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                    {
                        scans.incrementAndGet();
                        s.scan(start, end, visitor);
                    }

                    @Override
                    public int get(final DirectBuffer key, final int keyOffset, final int keyLength,
                        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
                    {
                        return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
                    }

                    @Override
                    public void close()
                    {
                        snapshotsClosed.incrementAndGet();
                        s.close();
                    }
                };
            }

            @Override
            public void close()
            {
                inner.close();
            }
        };
        final RegionCache cache = RegionCache.create(B.cfg().backingStore(store).pipelinedLoads(false)
            .loaderExecutor(held::add).gcExecutor(gc).closeTimeoutMillis(500).build());
        assertEquals(ResultCode.OK, r(cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cache.stateOf(1) != RegionState.LOADING && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertEquals(RegionState.LOADING, cache.stateOf(1));
        cache.close();
        assertFalse(gc.isShutdown(), "the host's executor is the host's");
        assertEquals(1, held.size());
        assertEquals(1, snapshotsClosed.get(), "the canceled load gave its store snapshot back");
        held.get(0).run(); // does nothing
        assertEquals(0, scans.get(), "a canceled load never reads the store");
        assertEquals(1, snapshotsClosed.get());
        assertNull(cache.stateOf(1));
        gc.shutdown();
        store.close();
    }

    /**
     * README: "`close()` may be called from any thread, also from a command future's callback ... which run on the
     * apply thread: there it refuses new commands at once and finishes the shutdown on a thread of its own".
     */
    @Test
    void closeFromACallbackOnTheApplyThread() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.cfg().build());
        r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CompletableFuture<ResultCode> afterClose = new CompletableFuture<>();
        long version = 1;
        for (int i = 0; i < 1_000 && !afterClose.isDone(); i++)
        {
            final CompletableFuture<CommandResult> f = cache.write(new WriteBatch(1, 1, version++).put(b("b"), b("1")));
            f.thenRun(() ->
            {
                if (cache.isApplyThread() && !afterClose.isDone())
                {
                    cache.close();
                    afterClose.complete(cache.write(new WriteBatch(1, 1, 1_000_000).put(b("c"), b("1")))
                        .getNow(null).code());
                }
            });
            r(f);
        }
        assertEquals(ResultCode.CLOSED, afterClose.get(10, TimeUnit.SECONDS), "refused at once");
        cache.close(); // returns when the shutdown on its own thread has ended
        assertTrue(cache.regions().isEmpty());
        assertThrows(IllegalStateException.class, () -> cache.applyCycle());
    }

    /**
     * README: "with `Threading.INVOKER`, where the apply thread is the host's own inside `applyCycle()`, the shutdown
     * runs on that thread when the cycle returns" (and `close()` there "refuses new commands at once").
     */
    @Test
    void closeFromACallbackInsideApplyCycle() throws Exception
    {
        final RegionCache cache = RegionCache.create(B.invoker().build());
        B.cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final CompletableFuture<CommandResult> w = cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")));
        final CompletableFuture<CommandResult> queuedBehind =
            cache.write(new WriteBatch(1, 1, 2).put(b("b"), b("2")));
        final java.util.concurrent.atomic.AtomicReference<ResultCode> inside =
            new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicInteger regionsInside = new java.util.concurrent.atomic.AtomicInteger();
        w.thenRun(() ->
        {
            cache.close(); // returns at once: this thread is inside the cycle
            inside.set(cache.createRegion(new Region(2, b("m"), b("z"), 1)).getNow(null).code());
            regionsInside.set(cache.regions().size());
        });
        cache.applyCycle();
        assertEquals(ResultCode.CLOSED, inside.get(), "refused at once");
        assertEquals(1, regionsInside.get(), "the shutdown waits for the cycle to return");
        assertTrue(cache.isClosed());
        assertTrue(cache.regions().isEmpty(), "the shutdown ran when the cycle returned");
        assertTrue(queuedBehind.isDone());
        assertTrue(queuedBehind.getNow(null).code() == ResultCode.OK || queuedBehind.getNow(null).code() ==
            ResultCode.CLOSED, queuedBehind.getNow(null).toString());
        assertEquals(0, cache.applyCycle());
        cache.close();
    }
}
