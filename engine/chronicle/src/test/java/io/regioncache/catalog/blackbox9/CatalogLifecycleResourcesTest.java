package io.regioncache.catalog.blackbox9;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.blackbox9.Leaks9;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.catalog.CatalogPublisher;
import io.regioncache.catalog.ChronicleRegionCatalog;

/**
 * Audit 9 (2026-12-05): the region catalog's lifecycle. A catalog file opened, published to by a
 * {@code CatalogPublisher} and closed again and again (the same file, reopened at once) leaves no thread, file
 * descriptor or mapping behind; opens that fail on a damaged file (zeroed, cut short, junk) leave none either.
 */
class CatalogLifecycleResourcesTest
{
    private static final int CYCLES = 25;

    @TempDir
    Path dir;

    private static void cycle(final Path file) throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder().capacityBytes(16L << 20).build());
        try (ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file.toFile(), 64))
        {
            cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get();
            try (CatalogPublisher publisher = new CatalogPublisher(cache, catalog, 5))
            {
                publisher.publishNow();
            }
            assertEquals(1, catalog.read().size());
        }
        finally
        {
            cache.close();
        }
    }

    @Test
    void openPublishCloseCyclesAccumulateNothing() throws Exception
    {
        final Path file = dir.resolve("regions.cat");
        cycle(file); // warm-up: Chronicle's JVM-wide pools and classes
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < CYCLES; i++)
        {
            cycle(file);
        }
        assertTrue(Leaks9.await(5_000, () -> Leaks9.threadsNamed("regioncache").isEmpty()),
            "threads left: " + Leaks9.threadsNamed("regioncache"));
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, CYCLES));
    }

    @Test
    void opensOfDamagedFilesLeaveNothing() throws Exception
    {
        final Path good = dir.resolve("good.cat");
        cycle(good);
        final byte[] bytes = Files.readAllBytes(good);
        final Path zeroed = Files.write(dir.resolve("zeroed.cat"), new byte[bytes.length]);
        final Path cut = Files.write(dir.resolve("cut.cat"), Arrays.copyOf(bytes, 40));
        final byte[] junk = bytes.clone();
        for (int i = 0; i < Math.min(junk.length, 4096); i++)
        {
            junk[i] = (byte)(i * 31 + 7);
        }
        final Path noise = Files.write(dir.resolve("junk.cat"), junk);
        final Path[] bad = {zeroed, cut, noise, dir};
        final Runnable failures = () ->
        {
            for (final Path p : bad)
            {
                assertThrows(RuntimeException.class, () -> ChronicleRegionCatalog.open(p.toFile(), 64).close(),
                    p.getFileName().toString());
            }
        };
        failures.run();
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 2_000, 0, 0, 0);
        for (int i = 0; i < 8; i++)
        {
            failures.run();
        }
        final Leaks9.Reading after = Leaks9.settle(base, 10_000, 3, 8, 16L << 20);
        assertTrue(Leaks9.withinOf(base, after, 3, 8, 16L << 20), Leaks9.explain(base, after, 8));
    }
}
