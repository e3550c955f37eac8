package io.regioncache.catalog;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.Region;
import io.regioncache.RegionState;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleRegionCatalogTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void entryRoundTrips()
    {
        final CatalogEntry e = new CatalogEntry(new Region(7, b("a"), b(""), 3, 2), RegionState.LOADING, 4, 10, 20,
            30, 40, 50);
        final CatalogEntry d = CatalogEntry.decode(e.encode());
        assertEquals(e.region(), d.region());
        assertEquals(RegionState.LOADING, d.state());
        assertEquals(4, d.pins());
        assertEquals(50, d.updatedAtMillis());
    }

    @Test
    void anotherProcessReadsWhatARunningEnginePublishes(@TempDir final Path dir) throws Exception
    {
        final File file = dir.resolve("catalog.cm3").toFile();
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder().segmentSize(64 * 1024).build());
            ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(file, 1024))
        {
            cache.createRegion(new Region(1, b("a"), b("m"), 5)).join();
            cache.createRegion(new Region(2, b("m"), b(""), 6)).join();
            try (CatalogPublisher publisher = new CatalogPublisher(cache, catalog, 50))
            {
                publisher.publishNow();
                final List<String> lines = readInChildJvm(file);
                assertTrue(lines.contains("1 ACTIVE 5 61"), lines.toString());
                assertTrue(lines.contains("2 ACTIVE 6 6d"), lines.toString());

                cache.split(1, 5, new byte[][] {b("g")}, new long[] {3}, 6).join();
                publisher.publishNow();
                final List<CatalogEntry> entries = catalog.read();
                assertEquals(3, entries.size());
                assertEquals(3, entries.get(0).region().id());
                assertArrayEquals(b("g"), entries.get(1).region().start());
                assertEquals(6, entries.get(1).region().epochVersion());
            }
        }
    }

    private static List<String> readInChildJvm(final File file) throws Exception
    {
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-") || a.startsWith("-Dchronicle")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CatalogDump.class.getName(),
            file.getAbsolutePath()));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child failed: " + err);
        return Files.readString(Path.of(out.trim())).lines().toList();
    }

    /** The child JVM: prints "id state epoch startHex" per entry into a file, and that file's path. */
    public static final class CatalogDump
    {
        public static void main(final String[] args) throws Exception
        {
            final Path out = Files.createTempFile("catalog-dump", ".txt");
            final StringBuilder sb = new StringBuilder();
            try (ChronicleRegionCatalog catalog = ChronicleRegionCatalog.open(new File(args[0]), 1024))
            {
                for (final CatalogEntry e : catalog.read())
                {
                    sb.append(e.region().id()).append(' ').append(e.state()).append(' ')
                        .append(e.region().epochVersion()).append(' ').append(Region.hex(e.region().start()))
                        .append('\n');
                }
            }
            Files.writeString(out, sb.toString());
            System.out.println(out);
        }
    }
}
