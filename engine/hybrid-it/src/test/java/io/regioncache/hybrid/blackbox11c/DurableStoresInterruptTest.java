package io.regioncache.hybrid.blackbox11c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.CommandResult;
import io.regioncache.CycleSignal;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.Stores;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Audit 11c on RocksDB and LMDB: an owning {@link HybridEngine} driven by a host thread that another thread
 * interrupts at random moments (writes to the store and the cache, loads, reads on both paths, scans, GC rounds that
 * record the safe point file, {@code close()}), and one driven with the flag set before each call. The standard:
 * every write answered {@code OK} is in the store and read back (also after a reopen), the safe point file holds the
 * last round's point, the cache and the store agree, and the caller's flag is kept.
 */
final class DurableStoresInterruptTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        while (true)
        {
            try
            {
                return f.get(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                // get() answers an interrupt; the command stands, so wait again
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    @Timeout(90)
    void aHostThreadInterruptedAtRandomLosesNoAcknowledgedWrite(final Stores kind, @TempDir final Path dir)
        throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println(kind + " seed " + seed);
        final Random rnd = new Random(seed);
        final Map<String, String> acked = new HashMap<>();
        final AtomicReference<Thread> target = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread interrupter = new Thread(() ->
        {
            final Random r = new Random(seed + 1);
            while (!stop.get())
            {
                final Thread t = target.get();
                if (t != null)
                {
                    t.interrupt();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000 + r.nextInt(300_000));
            }
        }, "interrupter");
        long version = 0;
        long lastGc = -1;
        int gcFailures = 0;
        final HybridEngine engine = HybridEngine.owning(kind.open(dir),
            RegionCacheConfig.builder().capacityBytes(64L << 20).maxKeyLength(256).closeTimeoutMillis(2_000));
        try
        {
            await(engine.createRegion(new Region(1, b("a"), b("m"), 1)));
            await(engine.createRegion(new Region(2, b("m"), b("z"), 1)));
            final HybridReader reader = engine.newReader();
            target.set(Thread.currentThread());
            interrupter.start();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            long v1 = 0;
            long v2 = 0;
            while (System.nanoTime() < end)
            {
                final boolean left = rnd.nextBoolean();
                final String key = (left ? "b" : "n") + rnd.nextInt(50);
                final long ver = ++version;
                final CommandResult r = await(engine.write(new WriteBatch(left ? 1 : 2, 1, ver)
                    .put(b(key), b("v" + ver))));
                if (r.code() == ResultCode.OK || r.code() == ResultCode.NOT_CACHED || r.code() == ResultCode.SKIPPED)
                {
                    acked.put(key, "v" + ver);
                }
                else
                {
                    fail("write " + ver + " answered " + r);
                }
                if (left)
                {
                    v1 = ver;
                }
                else
                {
                    v2 = ver;
                }
                switch (rnd.nextInt(6))
                {
                    case 0 ->
                    {
                        final byte[] got = reader.get(left ? 1 : 2, 1, ver, b(key));
                        assertArrayEquals(b("v" + ver), got, "read-your-write of " + key);
                    }
                    case 1 ->
                    {
                        // At the newest version: a GC round may already have passed region 1's last write
                        // (v1), and a read below the safe point is refused by design.
                        try (HybridScan scan = reader.scan(1, 1, ver, b("a"), b("m")))
                        {
                            while (scan.next())
                            {
                                assertTrue(scan.key().capacity() > 0);
                            }
                        }
                    }
                    case 2 ->
                    {
                        try
                        {
                            engine.gc(ver / 2);
                            lastGc = Math.max(lastGc, ver / 2);
                        }
                        catch (final RuntimeException ex)
                        {
                            gcFailures++;
                            System.out.println("gc " + (ver / 2) + " under an interrupt: " + ex);
                        }
                    }
                    case 3 -> engine.evict(rnd.nextBoolean() ? 1 : 2, io.regioncache.EvictReason.MANUAL);
                    case 4 ->
                    {
                        final long id = rnd.nextBoolean() ? 1 : 2;
                        if (engine.cache().stateOf(id) == null)
                        {
                            engine.loadRegion(id == 1 ? new Region(1, b("a"), b("m"), 1)
                                : new Region(2, b("m"), b("z"), 1));
                        }
                    }
                    default -> engine.cache().metrics();
                }
            }
            target.set(null);
            stop.set(true);
            while (interrupter.isAlive())
            {
                Thread.interrupted();
                Thread.onSpinWait();
            }
            Thread.interrupted();
            System.out.println(kind + ": " + version + " writes, " + acked.size() + " keys, gc to " + lastGc +
                ", " + gcFailures + " gc rounds failed");
            for (final Map.Entry<String, String> e : acked.entrySet())
            {
                final long id = e.getKey().charAt(0) < 'm' ? 1 : 2;
                assertArrayEquals(b(e.getValue()), reader.get(id, 1, Long.MAX_VALUE, b(e.getKey())),
                    "acknowledged write of " + e.getKey());
            }
            for (final CrossCheck.Report rep : CrossCheck.checkAll(engine))
            {
                assertTrue(rep.ok(), rep::toString);
            }
            assertTrue(v1 + v2 > 0);
        }
        finally
        {
            target.set(null);
            stop.set(true);
            while (interrupter.isAlive())
            {
                Thread.interrupted();
                Thread.onSpinWait();
            }
            Thread.currentThread().interrupt();
            engine.close(); // an interrupted close: cache, then the owned store
            assertTrue(Thread.interrupted(), "close keeps the caller's flag");
        }
        if (lastGc >= 0)
        {
            assertTrue(Files.exists(dir.resolve(io.regioncache.store.SafePointFile.NAME)));
            assertTrue(io.regioncache.store.SafePointFile.read(dir) >= lastGc, "the safe point file holds the " +
                "last round's point: " + io.regioncache.store.SafePointFile.read(dir) + " < " + lastGc);
        }
        // Reopened: every acknowledged write is there.
        try (HybridEngine again = HybridEngine.owning(kind.open(dir),
            RegionCacheConfig.builder().capacityBytes(64L << 20).maxKeyLength(256)))
        {
            final HybridReader reader = again.newReader();
            for (final Map.Entry<String, String> e : acked.entrySet())
            {
                final long id = e.getKey().charAt(0) < 'm' ? 1 : 2;
                assertArrayEquals(b(e.getValue()), reader.get(id, 1, Long.MAX_VALUE, b(e.getKey())),
                    "acknowledged write of " + e.getKey() + " after a reopen");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Stores.class)
    @Timeout(60)
    void aHostThreadInterruptedBeforeEachCallIsServedAndKeepsItsFlag(final Stores kind, @TempDir final Path dir)
        throws Exception
    {
        final CycleSignal cycles = new CycleSignal();
        Thread.currentThread().interrupt();
        final HybridEngine engine;
        try
        {
            engine = HybridEngine.owning(kind.open(dir),
                RegionCacheConfig.builder().capacityBytes(64L << 20).maxKeyLength(256).idleStrategy(cycles));
        }
        finally
        {
            assertTrue(Thread.interrupted(), "open keeps the flag");
        }
        try
        {
            for (int v = 1; v <= 20; v++)
            {
                Thread.currentThread().interrupt();
                final CompletableFuture<CommandResult> f = v == 1 ?
                    engine.createRegion(new Region(1, b("a"), b("z"), 1)) : CompletableFuture.completedFuture(null);
                if (v == 1)
                {
                    Thread.interrupted();
                    assertEquals(ResultCode.OK, await(f).code());
                    Thread.currentThread().interrupt();
                }
                final CompletableFuture<CommandResult> w = engine.write(new WriteBatch(1, 1, v)
                    .put(b("k" + v), b("v" + v)));
                assertTrue(Thread.interrupted(), "write keeps the flag");
                assertEquals(ResultCode.OK, await(w).code()); // a hybrid read reflects it once this completed
                Thread.currentThread().interrupt();
                assertArrayEquals(b("v" + v), engine.newReader().get(1, 1, v, b("k" + v)));
                final long swept = engine.gc(v - 1);
                assertTrue(swept >= 0);
                assertTrue(Thread.interrupted(), "read and gc keep the flag");
            }
            assertEquals(19, io.regioncache.store.SafePointFile.read(dir), "recorded by interrupted GC rounds");
            await(engine.evict(1, io.regioncache.EvictReason.MANUAL));
            Thread.currentThread().interrupt();
            await(engine.loadRegion(new Region(1, b("a"), b("z"), 1)));
            Thread.interrupted();
            cycles.awaitUntil(() -> engine.cache().stateOf(1) == RegionState.ACTIVE, 100_000, "the load");
            assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
            for (final CrossCheck.Report rep : CrossCheck.checkAll(engine))
            {
                assertTrue(rep.ok(), rep::toString);
            }
        }
        finally
        {
            Thread.currentThread().interrupt();
            engine.close();
            assertTrue(Thread.interrupted(), "close keeps the flag");
        }
    }
}
