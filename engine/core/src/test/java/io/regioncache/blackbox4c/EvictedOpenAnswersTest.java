package io.regioncache.blackbox4c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * "once an eviction is applied the region is out of the index, so a later open answers NOT_CACHED, even while
 * snapshots opened before it still pin its memory", with a reader hammering opens of the region meanwhile; and the
 * pinned snapshot keeps reading its values.
 */
class EvictedOpenAnswersTest
{
    @Test
    @Timeout(30)
    void anOpenAfterTheEvictionsAnswerIsNotCachedWhilePinned() throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .closeTimeoutMillis(2_000)
            .build());
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread hammer = new Thread(() ->
        {
            try
            {
            final Snapshot s = cache.newSnapshot();
            long id = 1;
            while (!stop.get())
            {
                for (id = 1; id <= 3; id++)
                {
                    final SnapshotStatus st = s.open(id, id, Long.MAX_VALUE);
                    if (st == SnapshotStatus.OK)
                    {
                        final byte[] v = s.get(("r" + id + "key").getBytes(US_ASCII));
                        if (v != null && (v.length != 1 || v[0] != (byte)id))
                        {
                            errors.add("region " + id + " read " + (v == null ? "null" : v[0]));
                        }
                    }
                    s.close();
                }
            }
            }
            catch (final Throwable t)
            {
                errors.add("hammer threw " + t);
            }
        }, "hammer");
        hammer.setDaemon(true);
        try
        {
            hammer.start();
            for (int round = 0; round < 300 && errors.isEmpty(); round++)
            {
                // ids reused in turn: a region re-created at the next epoch after each eviction
                final long id = 1 + round % 3;
                final long epoch = id; // the hammer opens at epoch == id
                final Region r = new Region(id, ("r" + id).getBytes(US_ASCII), ("r" + id + "z").getBytes(US_ASCII),
                    epoch);
                final byte[] key = ("r" + id + "key").getBytes(US_ASCII);
                assertEquals(ResultCode.OK, cache.createRegion(r).get(5, TimeUnit.SECONDS).code(), "round " + round);
                assertEquals(ResultCode.OK, cache.write(new WriteBatch(id, epoch, 1 + round)
                    .put(key, new byte[] {(byte)id})).get(5, TimeUnit.SECONDS).code());
                final Snapshot pinned = cache.newSnapshot();
                final boolean pin = round % 2 == 0;
                if (pin)
                {
                    assertEquals(SnapshotStatus.OK, pinned.open(id, epoch, Long.MAX_VALUE));
                }
                final CompletableFuture<CommandResult> f = cache.evict(id, EvictReason.MANUAL);
                assertEquals(ResultCode.OK, f.get(5, TimeUnit.SECONDS).code());
                final Snapshot after = cache.newSnapshot();
                final SnapshotStatus st = after.open(id, epoch, Long.MAX_VALUE);
                assertEquals(SnapshotStatus.NOT_CACHED, st, "round " + round + " pinned " + pin);
                after.dispose();
                if (pin)
                {
                    // "Snapshots ... keep reading": memory freed only when unreachable
                    final byte[] v = pinned.get(key);
                    assertTrue(v != null && v[0] == (byte)id, "pinned snapshot reads its value");
                }
                pinned.dispose();
            }
        }
        finally
        {
            stop.set(true);
            hammer.join(5_000);
            cache.close();
        }
        assertTrue(errors.isEmpty(), () -> String.join("\n", errors.subList(0, Math.min(5, errors.size()))));
        assertTrue(ChurnConcurrencyTest.poll(20_000, () -> cache.memoryInUse() == 0), "0 B after close");
    }
}
