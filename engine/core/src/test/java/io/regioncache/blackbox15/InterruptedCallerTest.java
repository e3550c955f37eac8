package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CommandResult;
import io.regioncache.CountersFile;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * README: "Interrupted callers: a host thread whose interrupt flag is set ... is served by every call of the engine,
 * ... `CountersFile.read`, `RegionCache.create` with a counters file ... and the flag is kept for the caller."
 */
class InterruptedCallerTest
{
    @Test
    void aCallerWithItsFlagSetIsServedAndKeepsTheFlag(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("counters");
        final List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
        final RegionCache cache;
        final SnapshotStatus opened;
        final String read;
        final CompletableFuture<Void> published;
        Thread.currentThread().interrupt();
        try
        {
            cache = RegionCache.create(B.cfg().countersFile(file).build());
            futures.add(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            futures.add(cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1"))));
            // the apply thread answers in its own time; spin (not block) until the write is applied
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!futures.get(1).isDone() && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            final Snapshot s = cache.newSnapshot();
            opened = s.open(1, 1, 1);
            read = opened == SnapshotStatus.OK ? new String(s.get(b("c"))) : null;
            s.close();
            published = cache.publishCounters();
            while (!published.isDone() && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertTrue(Thread.currentThread().isInterrupted(), "the flag is kept across the calls");
        }
        finally
        {
            Thread.interrupted();
        }
        assertEquals(ResultCode.OK, futures.get(0).get(10, TimeUnit.SECONDS).code());
        assertEquals(ResultCode.OK, futures.get(1).get(10, TimeUnit.SECONDS).code());
        assertEquals(SnapshotStatus.OK, opened);
        assertEquals("1", read);
        published.get(10, TimeUnit.SECONDS);
        Thread.currentThread().interrupt();
        final Map<String, Long> counters;
        try
        {
            counters = CountersFile.read(file);
            assertTrue(Thread.currentThread().isInterrupted());
        }
        finally
        {
            Thread.interrupted();
        }
        assertEquals(1L, counters.get("apply.puts"), counters.toString());
        cache.close();
    }
}
