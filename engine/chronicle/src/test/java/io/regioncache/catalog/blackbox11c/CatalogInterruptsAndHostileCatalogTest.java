package io.regioncache.catalog.blackbox11c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.catalog.CatalogEntry;
import io.regioncache.catalog.CatalogPublisher;
import io.regioncache.catalog.ChronicleRegionCatalog;
import io.regioncache.catalog.RegionCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit 11c for the region catalog: a Chronicle Map catalog opened, published and read by a thread whose interrupt
 * flag is set before the call or set by another thread during it; and a {@link CatalogPublisher} over a host's own
 * {@link RegionCatalog} that throws an {@link Error}. The standard: typed errors at worst, the flag kept, the catalog
 * working afterwards for every thread, and the publisher still publishing. When written, one {@link Error} from a
 * catalog's {@code publish} stopped the publisher's timer for good (a scheduled executor drops a periodic task that
 * throws): the catalog stayed stale with nothing logged.
 */
final class CatalogInterruptsAndHostileCatalogTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static List<CatalogEntry> entries(final int n, final long millis)
    {
        final List<CatalogEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            out.add(new CatalogEntry(new Region(i, b("k" + i), b("k" + i + "~"), 1), RegionState.ACTIVE, 0, 0, i,
                0, 0, millis));
        }
        return out;
    }

    @Test
    @Timeout(60)
    void aCatalogOpenedPublishedAndReadByAnInterruptedThreadWorks(@TempDir final Path dir)
    {
        final File file = dir.resolve("catalog").toFile();
        Thread.currentThread().interrupt();
        ChronicleRegionCatalog catalog = null;
        try
        {
            catalog = ChronicleRegionCatalog.open(file, 64);
            assertTrue(Thread.currentThread().isInterrupted(), "open keeps the flag");
            catalog.publish(entries(10, 1));
            assertEquals(10, catalog.read().size());
            assertTrue(Thread.currentThread().isInterrupted(), "publish and read keep the flag");
        }
        finally
        {
            Thread.interrupted();
            if (catalog != null)
            {
                catalog.close();
            }
        }
        try (ChronicleRegionCatalog again = ChronicleRegionCatalog.open(file, 64))
        {
            assertEquals(10, again.read().size(), "the file is a whole catalog after the interrupted thread's use");
        }
    }

    @Test
    @Timeout(60)
    void aCatalogUsedByAThreadInterruptedAtRandomKeepsWholePublishes(@TempDir final Path dir) throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("catalog interrupts seed " + seed);
        final Random rnd = new Random(seed);
        final File file = dir.resolve("catalog").toFile();
        final AtomicReference<Thread> target = new AtomicReference<>(Thread.currentThread());
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread interrupter = new Thread(() ->
        {
            while (!stop.get())
            {
                final Thread t = target.get();
                if (t != null)
                {
                    t.interrupt();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000 + rnd.nextInt(200_000));
            }
        }, "interrupter");
        int rounds = 0;
        try (ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file, 64))
        {
            interrupter.start();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end)
            {
                final int n = 1 + (rounds % 20);
                catalog.publish(entries(n, rounds));
                final List<CatalogEntry> read = catalog.read();
                assertTrue(read.size() >= n, "round " + rounds + ": read " + read.size());
                rounds++;
            }
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
            Thread.interrupted();
        }
        System.out.println(rounds + " publish-and-read rounds under interrupts");
        try (ChronicleRegionCatalog again = ChronicleRegionCatalog.open(file, 64))
        {
            assertTrue(again.read().size() >= 1);
        }
    }

    @Test
    @Timeout(60)
    void aPublisherOverACatalogThatThrowsAnErrorKeepsPublishing() throws Exception
    {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger good = new AtomicInteger();
        final CountDownLatch fiveGood = new CountDownLatch(5);
        final RegionCatalog hostile = new RegionCatalog()
        {
            @Override
            public void publish(final List<CatalogEntry> entries)
            {
                final int n = calls.incrementAndGet();
                if (n == 2)
                {
                    throw new StackOverflowError("hostile catalog");
                }
                if (n == 3)
                {
                    throw new OutOfMemoryError("hostile catalog (thrown on purpose)");
                }
                if (n == 4)
                {
                    throw new IllegalStateException("hostile catalog");
                }
                good.incrementAndGet();
                fiveGood.countDown();
            }

            @Override
            public List<CatalogEntry> read()
            {
                return List.of();
            }

            @Override
            public void close()
            {
            }
        };
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(16L << 20).build());
            CatalogPublisher publisher = new CatalogPublisher(cache, hostile, 5))
        {
            fiveGood.await(10, TimeUnit.SECONDS);
            assertTrue(good.get() >= 5, () -> "the timer kept publishing after the catalog threw: " + calls.get() +
                " calls, " + good.get() + " good");
            assertTrue(publisher != null);
        }
    }
}
