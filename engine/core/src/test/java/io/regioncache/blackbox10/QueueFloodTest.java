package io.regioncache.blackbox10;

import static io.regioncache.blackbox10.B10.b;
import static io.regioncache.blackbox10.B10.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Eight threads flood a 64-command queue with writes on the dedicated apply thread: every future completes, each
 * answer is {@code OK} or {@code QUEUE_FULL}, and each key holds the value of its last write answered {@code OK}.
 */
class QueueFloodTest
{
    private static final int THREADS = 8;
    private static final int WRITES = 20_000;

    @Test
    void aFloodIsAnsweredNotHung()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            final RegionCache cache = RegionCache.create(B10.invoker()
                .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
                .commandQueueCapacity(64)
                .build());
            try
            {
                for (int t = 0; t < THREADS; t++)
                {
                    assertEquals(ResultCode.OK, cache.createRegion(new Region(t, b("t" + t), b("t" + t + "~"), 1))
                        .get(10, TimeUnit.SECONDS).code());
                }
                final List<List<CompletableFuture<CommandResult>>> all = new ArrayList<>();
                final List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    final int id = t;
                    final List<CompletableFuture<CommandResult>> fs = new ArrayList<>(WRITES);
                    all.add(fs);
                    final Thread th = new Thread(() -> {
                        for (int i = 1; i <= WRITES; i++)
                        {
                            fs.add(cache.write(new WriteBatch(id, 1, i).put(b("t" + id + "k" + (i % 100)), b("v" + i))));
                        }
                    });
                    threads.add(th);
                    th.start();
                }
                for (final Thread th : threads)
                {
                    th.join();
                }
                final Map<ResultCode, Integer> codes = new EnumMap<>(ResultCode.class);
                final Snapshot snap = cache.newSnapshot();
                for (int t = 0; t < THREADS; t++)
                {
                    final String[] last = new String[100];
                    final List<CompletableFuture<CommandResult>> fs = all.get(t);
                    for (int i = 1; i <= WRITES; i++)
                    {
                        final ResultCode code = fs.get(i - 1).get(10, TimeUnit.SECONDS).code();
                        codes.merge(code, 1, Integer::sum);
                        assertTrue(code == ResultCode.OK || code == ResultCode.QUEUE_FULL, code::name);
                        if (code == ResultCode.OK)
                        {
                            last[i % 100] = "v" + i;
                        }
                    }
                    assertEquals(SnapshotStatus.OK, snap.open(t, 1, WRITES));
                    for (int k = 0; k < 100; k++)
                    {
                        assertEquals(last[k], s(snap.get(b("t" + t + "k" + k))), "region " + t + " key " + k);
                    }
                    snap.close();
                }
                System.out.println("flood answers: " + codes);
            }
            finally
            {
                cache.close();
            }
            assertEquals(0, cache.memoryInUse());
        });
    }
}
