package io.regioncache.catalog;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * The Javadoc of {@link ChronicleRegionCatalog#publish} held to what the code does. Written with the audit that found
 * a region id of -1 accepted: it is the key of the file's publish sequence, so such an entry overwrote it and left
 * every reader retrying a publish that never ends.
 */
class AdapterJavadocAuditTest
{
    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static CatalogEntry entry(final long id, final String start, final String end)
    {
        return new CatalogEntry(new Region(id, b(start), b(end), 1), RegionState.ACTIVE, 0, 0, 1, 0, 0, 1);
    }

    private ChronicleRegionCatalog open()
    {
        final File file = dir.resolve("catalog.cm3").toFile();
        return ChronicleRegionCatalog.open(file, 64);
    }

    /** publish: "@throws IllegalArgumentException if an entry's region id is negative ...; nothing is written". */
    @Test
    void aNegativeRegionIdIsRefusedAndNothingIsWritten()
    {
        try (ChronicleRegionCatalog catalog = open())
        {
            catalog.publish(List.of(entry(1, "a", "m")));
            for (final long id : new long[] {-1, -2, Long.MIN_VALUE})
            {
                assertThrows(IllegalArgumentException.class,
                    () -> catalog.publish(List.of(entry(2, "m", "z"), entry(id, "z", ""))));
                final List<CatalogEntry> read = catalog.read();
                assertEquals(1, read.size(), "the earlier publish stands whole");
                assertEquals(1, read.get(0).region().id());
            }
        }
    }

    /** After a refused publish the catalog still takes a valid one, and readers see it at once. */
    @Test
    void theCatalogPublishesAfterARefusal()
    {
        try (ChronicleRegionCatalog catalog = open())
        {
            assertThrows(IllegalArgumentException.class, () -> catalog.publish(List.of(entry(-1, "a", ""))));
            catalog.publish(List.of(entry(0, "a", "m"), entry(5, "m", "")));
            final List<CatalogEntry> read = catalog.read();
            assertEquals(2, read.size());
            assertEquals(0, read.get(0).region().id());
            assertEquals(5, read.get(1).region().id());
        }
    }

    /** publish: "@throws NullPointerException if entries or one of them is null", nothing written. */
    @Test
    void aNullEntryIsRefusedAndNothingIsWritten()
    {
        try (ChronicleRegionCatalog catalog = open())
        {
            catalog.publish(List.of(entry(1, "a", "m")));
            assertThrows(NullPointerException.class, () -> catalog.publish(null));
            assertThrows(NullPointerException.class,
                () -> catalog.publish(java.util.Arrays.asList(entry(2, "m", ""), null)));
            assertEquals(1, catalog.read().size());
        }
    }

    /** publish: "@throws IllegalStateException if the catalog is closed". */
    @Test
    void publishOnAClosedCatalogThrowsIllegalStateException()
    {
        final ChronicleRegionCatalog catalog = open();
        catalog.close();
        assertThrows(IllegalStateException.class, () -> catalog.publish(List.of(entry(1, "a", ""))));
        assertThrows(IllegalStateException.class, catalog::read);
    }

    /** A publish replaces the set: an id left out of the next publish is gone from the catalog. */
    @Test
    void aPublishReplacesTheWholeSet()
    {
        try (ChronicleRegionCatalog catalog = open())
        {
            catalog.publish(List.of(entry(1, "a", "m"), entry(2, "m", "")));
            catalog.publish(List.of(entry(3, "a", "")));
            final List<CatalogEntry> read = catalog.read();
            assertEquals(1, read.size());
            assertEquals(3, read.get(0).region().id());
        }
    }
}
