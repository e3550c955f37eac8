package io.regioncache.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README.md "## Observability": "ChronicleRegionCatalog with CatalogPublisher keeps the cached regions and their
 * states in a Chronicle Map file that another process can read, updated off the read path." The other-process read
 * is {@link ChronicleRegionCatalogTest}'s; here: the publisher's own timer keeps the file current (no
 * {@code publishNow}), with every cached region in its state (PENDING too), an evicted region leaves it, and a second
 * catalog opened on the same file (as another process maps it) sees the same entries.
 */
class CatalogContractTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CommandResult run(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Polls the catalog (no sleep: the publisher's thread writes it every few ms) until it shows what is wanted. */
    private static List<CatalogEntry> awaitCatalog(
        final RegionCatalog catalog, final String what, final Predicate<List<CatalogEntry>> done)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // 8 s seen on a loaded 2-core run
        List<CatalogEntry> entries = catalog.read();
        while (!done.test(entries) && System.nanoTime() < deadline)
        {
            Thread.yield();
            entries = catalog.read();
        }
        final List<CatalogEntry> last = entries;
        assertTrue(done.test(entries), () -> what + "; catalog: " + last);
        return entries;
    }

    private static String summary(final List<CatalogEntry> entries)
    {
        final StringBuilder sb = new StringBuilder();
        for (final CatalogEntry e : entries)
        {
            sb.append(e.region().id()).append(':').append(e.state()).append(' ');
        }
        return sb.toString().trim();
    }

    @Test
    void thePublisherKeepsTheCatalogCurrentOnItsOwn(@TempDir final Path dir) throws Exception
    {
        final File file = dir.resolve("catalog.cm3").toFile();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024)
                .backingStore(new InMemoryBackingStore()).build());
            ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file, 1024);
            ChronicleRegionCatalog reader = ChronicleRegionCatalog.open(file, 1024);
            CatalogPublisher publisher = new CatalogPublisher(cache, catalog, 5))
        {
            assertEquals(ResultCode.OK, run(cache.createRegion(new Region(1, b("a"), b("m"), 5))).code());
            cache.pauseLoads(true);
            assertEquals(ResultCode.OK, run(cache.loadRegion(new Region(2, b("m"), b("t"), 6))).code());
            awaitCatalog(reader, "both regions, region 2 PENDING",
                es -> summary(es).equals("1:ACTIVE 2:PENDING"));

            cache.pauseLoads(false);
            awaitCatalog(reader, "region 2 loads", es -> summary(es).equals("1:ACTIVE 2:ACTIVE"));

            assertEquals(ResultCode.OK, run(cache.split(1, 5, new byte[][] {b("g")}, new long[] {3}, 6)).code());
            final List<CatalogEntry> split = awaitCatalog(reader, "the split's children",
                es -> summary(es).equals("3:ACTIVE 1:ACTIVE 2:ACTIVE"));
            assertEquals(6, split.get(1).region().epochVersion());

            assertEquals(ResultCode.OK, run(cache.evict(2, EvictReason.MANUAL)).code());
            awaitCatalog(reader, "the evicted region leaves", es -> summary(es).equals("3:ACTIVE 1:ACTIVE"));
            assertEquals(RegionState.ACTIVE, catalog.read().get(0).state());
        }
    }
}
