package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b, README 1220-1235 and 1311-1312: a large load scanned in two halves (loadScanThreads(2), the in-memory
 * store's exact middle key) while the host writes the same keys in both halves; the installed table misses no
 * write and applies none twice (CrossCheck at the applied version, reads at old versions).
 */
class TwoScanLoadRaceTest
{
    private static final int N = 150_000;

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(9).put((byte)'k').putLong(i).array();
    }

    @Test
    void twoHalvesRacingWritesToTheSameKeys() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("TwoScanLoadRaceTest seed=" + seed);
        final Random rnd = new Random(seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < N; i++)
        {
            store.put(key(i), 1, ("s" + i).getBytes());
        }
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        final int[] written = new int[2000];
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(1L << 30).segmentSize(1 << 20).pipelinedLoads(true).loadScanThreads(2)
            .closeTimeoutMillis(10_000)))
        {
            final Region region = new Region(1, new byte[] {'k'}, new byte[] {'l'}, 5);
            final CompletableFuture<CommandResult> load = e.loadRegion(region);
            final Future<?> writer = pool.submit(() ->
            {
                for (int v = 2; v < 2 + written.length; v++)
                {
                    final int i = rnd.nextInt(N);
                    written[v - 2] = i;
                    final CommandResult r = e.write(new WriteBatch(1, 5, v).put(key(i), ("w" + v).getBytes()))
                        .orTimeout(30, TimeUnit.SECONDS).join();
                    if (r.code() != ResultCode.OK && r.code() != ResultCode.SKIPPED && r.code() != ResultCode.NOT_CACHED)
                    {
                        throw new AssertionError("write " + v + ": " + r);
                    }
                }
                return null;
            });
            writer.get(120, TimeUnit.SECONDS);
            assertEquals(ResultCode.OK, load.get(60, TimeUnit.SECONDS).code());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (e.cache().stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(100_000);
            }
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1), e.cache().metrics()::toString);
            final CrossCheck.Report rep = CrossCheck.check(e, 1);
            assertTrue(rep.ok(), "seed " + seed + ": " + rep);
            assertEquals(N, rep.keysCompared());
            try (HybridReader rd = e.newReader())
            {
                for (int v = 2; v < 2 + written.length; v += 7)
                {
                    final int i = written[v - 2];
                    assertEquals("w" + v, s(rd.get(1, 5, v, key(i))), "seed " + seed);
                    assertEquals(SnapshotStatus.OK, rd.lastStatus());
                }
                assertEquals("s0", s(rd.get(1, 5, 1, key(0))));
            }
        }
        finally
        {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
