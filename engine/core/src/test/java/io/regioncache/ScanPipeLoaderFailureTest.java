package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.memory.SegmentPool;
import io.regioncache.internal.table.MvccTable;
import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A pipelined load whose loader throws (a bug on the loader's side, not the store's) must not leave its scan thread
 * waiting for good on a queue nobody polls: that thread would hold its segments and the store's iterator, and a scan
 * executor stuck behind it would hold up every later load. Here the loader's table is in the wrong mode (its index is
 * not deferred), so the first segment it is handed makes it throw; 40 segments' worth of entries are still to come,
 * five times what the queue holds.
 */
class ScanPipeLoaderFailureTest
{
    private static final int SEGMENT = 64 << 10;

    @Test
    void aLoaderThatThrowsStopsTheScanAndGivesBackEverySegment() throws InterruptedException
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 20_000; i++)
        {
            store.put(("key-" + (100_000 + i)).getBytes(StandardCharsets.UTF_8), 1, new byte[100]); // ~40 segments
        }
        final SegmentPool pool = new SegmentPool(SEGMENT, 1024L * SEGMENT);
        final MemoryBudget budget = new MemoryBudget(pool, 1024L * SEGMENT, 1000L * SEGMENT, 900L * SEGMENT);
        final MvccTable table = new MvccTable(pool, 64); // not deferHashIndex(): adoptNodeSegment refuses
        final BackingSnapshot snapshot = store.openSnapshot();
        final RegionRecord target = new RegionRecord(
            new Region(1, new byte[0], new byte[0], 1), 1, RegionState.LOADING, 0, 0, new Transitions());
        final LoadJob job = new LoadJob(
            target, snapshot, table, new ConcurrentLinkedQueue<>(), null, ScanPipe.newSparePool(), budget, 1);
        final ScanPipe pipe = new ScanPipe(ScanPipe.newSparePool());
        final Thread scan = new Thread(pipe.producer(
            snapshot, new byte[0], new byte[0], Long.MIN_VALUE, table.newNodeSegmentWriter(), budget), "scan");
        scan.setDaemon(true); // before the fix it waited on the full queue for good
        scan.start();

        final IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pipe.consume(job, table));
        assertEquals("node segments are adopted only by a private table with a deferred index", thrown.getMessage());

        scan.join(30_000);
        assertFalse(scan.isAlive(), "the scan thread ended: told to stop, its queue drained to the end");
        assertEquals(0, pool.bytesInUse(),
            "every segment given back: the one the loader threw on, those queued and the one being filled");
        snapshot.close();
    }

    /**
     * A scan task that never runs (an executor shut down with it still queued drops it, and its END never comes): the
     * loader, interrupted by the engine's close, or abandoning the pipe as the other half of a split load, must not
     * wait for it; and if the task runs after all, it must scan nothing and take no segment.
     */
    @Test
    void aScanTaskThatNeverRanIsNotWaitedFor()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 2_000; i++)
        {
            store.put(("key-" + (100_000 + i)).getBytes(StandardCharsets.UTF_8), 1, new byte[100]);
        }
        final SegmentPool pool = new SegmentPool(SEGMENT, 1024L * SEGMENT);
        final MemoryBudget budget = new MemoryBudget(pool, 1024L * SEGMENT, 1000L * SEGMENT, 900L * SEGMENT);
        final MvccTable table = new MvccTable(pool, 64);
        table.deferHashIndex();
        final BackingSnapshot snapshot = store.openSnapshot();
        final RegionRecord target = new RegionRecord(
            new Region(1, new byte[0], new byte[0], 1), 1, RegionState.LOADING, 0, 0, new Transitions());
        final LoadJob job = new LoadJob(
            target, snapshot, table, new ConcurrentLinkedQueue<>(), null, ScanPipe.newSparePool(), budget, 1);

        // Interrupted while the task waits in a queue: consume returns at once, the load failed.
        final ScanPipe dropped = new ScanPipe(ScanPipe.newSparePool());
        final Runnable never = dropped.producer(
            snapshot, new byte[0], new byte[0], Long.MIN_VALUE, table.newNodeSegmentWriter(), budget);
        Thread.currentThread().interrupt();
        try
        {
            assertEquals("interrupted: the engine is closing", dropped.consume(job, table));
        }
        finally
        {
            Thread.interrupted(); // clear it for the rest of the test
        }
        never.run(); // too late: it scans nothing and takes nothing
        assertEquals(0, pool.bytesInUse());
        assertEquals(0, table.keyCount());

        // Abandoned before its task ran (the other half of a split load failed): the same.
        final ScanPipe abandoned = new ScanPipe(ScanPipe.newSparePool(), true);
        final Runnable late = abandoned.producer(
            snapshot, new byte[0], new byte[0], Long.MIN_VALUE, table.newNodeSegmentWriter(), budget);
        abandoned.abandon(table);
        late.run();
        assertEquals(0, pool.bytesInUse());
        assertEquals(0, table.keyCount());
        snapshot.close();
    }
}