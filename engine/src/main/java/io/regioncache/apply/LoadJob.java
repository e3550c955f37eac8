package io.regioncache.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.regioncache.load.BackingSnapshot;
import io.regioncache.region.RegionRecord;
import io.regioncache.table.MvccTable;

/**
 * One load: a loader thread copies {@code [start, end)} from a backing-store snapshot into a private table, then
 * hands the job back to the apply thread through the internal queue.
 * <p>
 * <b>Threads.</b> {@link #run()} is the only writer of {@link #table} until it offers the job to the internal queue;
 * the queue's release/acquire hand-off makes the table, {@link #failure} and {@link #maxVersion} visible to the
 * apply thread, which is the table's only writer from then on. {@link #targets} and {@link #buffered} are touched
 * only by the apply thread. {@link #abandon} and the progress counters are volatile: written by one thread, read
 * by others.
 * <p>
 * <b>Why nothing is lost or applied twice.</b> The host writes the backing store before it sends the same write to
 * the cache. A write is therefore either in the snapshot (written before it was opened) or arrives at the apply
 * thread after the load started, where it is buffered and replayed. A write that is in both is the same
 * (key, version) pair and the table refuses it as a duplicate: replay is idempotent.
 */
final class LoadJob implements Runnable
{
    final byte[] start;
    final byte[] end;
    final MvccTable table;
    final List<RegionRecord> targets = new ArrayList<>();
    final List<WriteBatch> buffered = new ArrayList<>();
    final long startedNanos = System.nanoTime();

    private final BackingSnapshot snapshot;
    private final Queue<Command> completions;
    private final Executor scanExecutor;

    volatile boolean abandon;
    volatile long keysLoaded;
    volatile long bytesLoaded;
    String failure;
    long maxVersion;

    LoadJob(
        final RegionRecord target,
        final BackingSnapshot snapshot,
        final MvccTable table,
        final Queue<Command> completions,
        final Executor scanExecutor)
    {
        this.start = target.region().start();
        this.end = target.region().end();
        this.snapshot = snapshot;
        this.table = table;
        this.completions = completions;
        this.scanExecutor = scanExecutor;
        targets.add(target);
    }

    @Override
    public void run()
    {
        try
        {
            // Private table: no reader can reach it before install, so build its hash index once at the end.
            table.deferHashIndex();
            if (!copyPipelined())
            {
                copyInline();
            }
            if (failure == null && !table.buildHashIndex())
            {
                failure = "memory capacity reached building the hash index";
            }
        }
        catch (final RuntimeException ex)
        {
            failure = "store error: " + ex;
        }
        finally
        {
            try
            {
                snapshot.close();
            }
            catch (final RuntimeException ex)
            {
                if (failure == null)
                {
                    failure = "store error on snapshot close: " + ex;
                }
            }
            // Unbounded queue: the completion of a load can never be dropped.
            completions.offer(new Command.LoadFinished(this));
        }
    }

    /**
     * Scan on the scan executor while this thread inserts (see {@link ScanPipe}).
     *
     * @return false if there is no scan executor or it refused the task (then copy inline).
     */
    private boolean copyPipelined()
    {
        if (scanExecutor == null)
        {
            return false;
        }
        final ScanPipe pipe = new ScanPipe();
        try
        {
            scanExecutor.execute(pipe.producer(snapshot, start, end));
        }
        catch (final RejectedExecutionException ex)
        {
            return false;
        }
        final String consumerFailure = pipe.consume(this, table);
        failure = consumerFailure != null ? consumerFailure : pipe.scanFailure();
        return true;
    }

    private void copyInline()
    {
        snapshot.scan(start, end, (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
        {
            if (abandon)
            {
                failure = "abandoned: every target was evicted";
                return false;
            }
            final int rc = value == null ?
                table.delete(key, keyOffset, keyLength, version) :
                table.put(key, keyOffset, keyLength, version, value, valueOffset, valueLength);
            if (rc == MvccTable.NO_MEMORY)
            {
                failure = "memory capacity reached after " + keysLoaded + " entries";
                return false;
            }
            if (version > maxVersion)
            {
                maxVersion = version;
            }
            keysLoaded = keysLoaded + 1;
            bytesLoaded = bytesLoaded + keyLength + valueLength;
            return true;
        });
    }
}
