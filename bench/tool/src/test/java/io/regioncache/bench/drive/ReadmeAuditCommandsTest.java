package io.regioncache.bench.drive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.catalog.CatalogEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md "### regions": the sample table is what {@code regions} prints, character for
 * character (header, a first region open below, a last region open above, the count line). The other promises of
 * the section and of "### stat" are pinned by ReadmeToolContractTest, ReadmeAuditToolTest, StatCommandTest and
 * RegionsCrossProcessTest.
 */
class ReadmeAuditCommandsTest
{
    private static final Path README = Path.of("../../README.md");

    private static List<String> sample() throws IOException
    {
        final List<String> lines = Files.readAllLines(README);
        final int header = lines.indexOf(
            "    id  range                               epoch  state             pins      applied         gets" +
            "      scanned  updated");
        assertTrue(header > 0, "the sample's header line is in the README as printed");
        return lines.subList(header, lines.indexOf("39 region(s)") + 1);
    }

    @Test
    void theSampleTableIsWhatRegionsPrints() throws IOException
    {
        final List<String> readme = sample();
        final long now = 1_000_000;
        final byte[] cut = HexFormat.of().parseHex("001fc8f3237800aa");
        final byte[] last = HexFormat.of().parseHex("effffffffffd01");
        final CatalogEntry first = new CatalogEntry(new Region(23, new byte[0], cut, 8), RegionState.ACTIVE, 0, 0,
            773_914, 235_337, 414_146, now - 300);
        final CatalogEntry end = new CatalogEntry(new Region(16, last, new byte[0], 1), RegionState.ACTIVE, 0, 0,
            773_317, 8_824, 14_728, now - 300);
        final List<String> printed = RegionsCommand.toTable(List.of(first, end), now).lines().toList();
        assertEquals(readme.get(0), printed.get(0), "header");
        assertEquals(readme.get(1), printed.get(1), "first row");
        assertEquals(readme.get(readme.size() - 2), printed.get(2), "last row");
        assertEquals("2 region(s)", printed.get(3));
        assertTrue(readme.get(readme.size() - 1).matches("\\d+ region\\(s\\)"));
    }
}
