package io.regioncache.bench.blackbox18;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** README "drive": options and what a short run reports, checked through the tool's own command line. */
@Timeout(300)
class DriveOptions18Test
{
    private static Run18 drive(final String... opts)
    {
        final String[] all = new String[opts.length + 1];
        all[0] = "drive";
        System.arraycopy(opts, 0, all, 1, opts.length);
        return Run18.run(all);
    }

    /**
     * README l.83-85: "`--keys` 16-byte keys (default 200000) over `--regions` equal regions (default 16; without
     * `--regions`, a key space under 32 keys gets `keys / 2`, so a small `--keys` ... runs without it)".
     * Keys 31 start 15 regions, 32 the default 16, 3 one region; an explicit {@code --regions 16} over 31 keys is a
     * bad value (exit 2).
     */
    @Test
    void withoutRegionsAKeySpaceUnder32KeysGetsHalfItsKeys()
    {
        final int[][] cases = {{31, 15}, {32, 16}, {3, 1}, {100, 16}};
        for (final int[] c : cases)
        {
            final Run18 r = drive("--keys", Integer.toString(c[0]), "--ops", "40", "--progress", "off");
            assertEquals(0, r.code(), r.all());
            assertEquals(c[1], Run18.number(r.out(), "regions +(\\d+) at start"), "--keys " + c[0] + ":\n" + r.out());
        }
        final Run18 explicit = drive("--keys", "31", "--regions", "16", "--ops", "40", "--progress", "off");
        assertEquals(2, explicit.code(), explicit.all());
        assertTrue(explicit.err().contains("--regions"), explicit.all());
        assertTrue(explicit.out().isEmpty(), explicit.all());
    }

    /**
     * README l.91-93: "The writer paces itself to `(1 - R) / R` write batches per read issued, with
     * `R = --read-ratio`"; and {@code --ops} counts reads and write batches. The writer never gets ahead of that
     * pace (beyond a start-up allowance of 16 batches); reads + batches is exactly {@code --ops}.
     */
    @Test
    void theWriterPacesItselfToTheReadRatioAndOpsCountsReadsPlusBatches()
    {
        for (final double ratio : new double[] {0.5, 0.9})
        {
            final Run18 r = drive("--keys", "2000", "--ops", "6000", "--read-ratio", Double.toString(ratio),
                "--progress", "off");
            assertEquals(0, r.code(), r.all());
            final long reads = Run18.number(r.out(), "reads +([\\d,]+) \\(");
            final long batches = Run18.number(r.out(), "writes +([\\d,]+) batches");
            assertEquals(6000, reads + batches, r.out());
            // No lower bound on the batches: in a run this short the readers may finish all 6,000 operations before
            // the writer's first batch (seen once in a clean-clone CI run: 6,000 reads, 0 batches).
            assertTrue(batches <= reads * (1 - ratio) / ratio + 17,
                "R=" + ratio + ": " + batches + " batches for " + reads + " reads:\n" + r.out());
        }
    }

    /**
     * README l.124: "`--data-dir` must be a directory the user can create files in (it is made if missing)"; l.55:
     * "`--data-dir` keeps it"; l.56-58: "the run then resumes on it with the key space recorded in
     * `D/drive.properties` (`--keys`, `--value-size`)"; l.131: "with `--json FILE` also to a file as JSON".
     */
    @Test
    void aMissingDataDirIsMadeAndKeptWithItsKeySpaceAndAckLog(@TempDir final Path dir) throws Exception
    {
        final Path data = dir.resolve("a/b/data");
        final Path json = dir.resolve("report.json");
        final Run18 r = drive("--data-dir", data.toString(), "--keys", "300", "--value-size", "40", "--ops", "500",
            "--progress", "off", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(Files.isDirectory(data), "made and kept");
        final Properties p = new Properties();
        try (var in = Files.newBufferedReader(data.resolve("drive.properties")))
        {
            p.load(in);
        }
        assertEquals("300", p.getProperty("keys").trim());
        assertEquals("40", p.getProperty("valueSize").trim());
        final long log = Files.size(data.resolve("drive-acks.log"));
        assertEquals(0, log % 16, "whole records");
        assertTrue(log >= 300 * 16, "a record per setup key at least: " + log);
        assertTrue(Files.exists(data.resolve("CURRENT")), "RocksDB's files are kept");
        assertFalse(r.out().contains("resumed"), r.out());

        final JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(Run18.number(r.out(), "reads +([\\d,]+) \\("), j.getAsJsonObject("reads").get("total").getAsLong());
        assertEquals(0, j.getAsJsonObject("memory").get("after_close_bytes").getAsLong());
        assertEquals(0, j.get("exit_code").getAsInt());

        final Run18 again = drive("--data-dir", data.toString(), "--ops", "200", "--progress", "off");
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("300 keys"), "the recorded key space: " + again.out());
        assertTrue(again.out().matches("(?s).*resumed +acknowledged writes verified \\d+, missing 0 .*"), again.out());
    }

    /**
     * README l.93-95: "A region splits in the middle once `--split-keys` keys (default 50000) were written to it, never
     * below 64 keys: the left half gets a new id, the right half keeps its id, and both move to epoch + 1." From one
     * region (id 1) of 512 keys: at most 8 regions, the last one (ending at +inf) is still id 1, the first one
     * (from -inf) has a new id, and every region is at an epoch above 1, at most 1 + splits; read with
     * {@code regions --json} from the catalog the run left.
     */
    @Test
    void aSplitGivesTheLeftHalfANewIdAndTheRightHalfKeepsItsId(@TempDir final Path dir)
    {
        final Path cat = dir.resolve("regions.cat");
        final Run18 r = drive("--keys", "512", "--regions", "1", "--split-keys", "200", "--duration", "3s",
            "--policy-interval", "50ms", "--progress", "off", "--catalog", cat.toString());
        assertEquals(0, r.code(), r.all());
        final long splits = Run18.number(r.out(), "split ([\\d,]+) \\(");
        final long atEnd = Run18.number(r.out(), "(\\d+) at end");
        assertTrue(splits >= 1, r.out());
        assertEquals(1 + splits, atEnd, r.out());
        assertTrue(atEnd <= 512 / 64, "no region below 64 keys: " + r.out());

        final Run18 regions = Run18.run("regions", "--catalog", cat.toString(), "--json");
        assertEquals(0, regions.code(), regions.all());
        final JsonArray a = JsonParser.parseString(regions.out()).getAsJsonArray();
        assertTrue(a.size() >= 1, "cached regions at the end: " + regions.out() + "\n" + r.out());
        for (final JsonElement e : a)
        {
            final JsonObject o = e.getAsJsonObject();
            final long id = o.get("id").getAsLong();
            final long epoch = o.get("epoch").getAsLong();
            assertTrue(id >= 1 && id <= 1 + splits, "ids 1.." + (1 + splits) + ": " + o);
            assertTrue(epoch >= 2 && epoch <= 1 + splits, "every region came of a split of region 1: " + o);
            if (o.get("end").getAsString().isEmpty())
            {
                assertEquals(1, id, "the right half keeps its id: " + o);
            }
            if (o.get("start").getAsString().isEmpty())
            {
                assertTrue(id != 1, "the left half gets a new id: " + o);
            }
        }
    }

    /**
     * README l.123: "`--counters` and `--catalog` are created anew"; l.112: "`--catalog FILE` publishes the region
     * catalog". A catalog file of an earlier run that cached regions, given to a run that caches none
     * ({@code --auto-load 0}), lists no region afterwards: the old list is not kept.
     */
    @Test
    void anExistingCatalogIsCreatedAnewNotReused(@TempDir final Path dir)
    {
        final Path cat = dir.resolve("regions.cat");
        final Run18 first = drive("--keys", "2000", "--duration", "2s", "--policy-interval", "50ms", "--progress", "off",
            "--catalog", cat.toString());
        assertEquals(0, first.code(), first.all());
        final Run18 listed = Run18.run("regions", "--catalog", cat.toString());
        assertEquals(0, listed.code(), listed.all());
        assertTrue(Run18.number(listed.out(), "(\\d+) region\\(s\\)") > 0, "the first run cached regions: " +
            listed.out() + first.out());

        final Run18 second = drive("--keys", "2000", "--ops", "200", "--auto-load", "0", "--progress", "off",
            "--catalog", cat.toString());
        assertEquals(0, second.code(), second.all());
        final Run18 none = Run18.run("regions", "--catalog", cat.toString());
        assertEquals(0, none.code(), none.all());
        assertTrue(none.out().endsWith("0 region(s)\n"), none.out());
    }

    /**
     * README l.168-170 and l.204: {@code regions --catalog FILE} and {@code stat --file FILE}: the file is the
     * command's subject; "a missing file ... is refused with a message and exit code 2" (l.176-178, l.218-219),
     * and so is the command given no file at all.
     */
    @Test
    void regionsAndStatWithoutTheirFileAreUsageErrors(@TempDir final Path dir)
    {
        for (final String[] args : new String[][] {{"regions"}, {"stat"}, {"regions", "--json"}, {"stat", "--json"},
            {"regions", "--catalog", dir.resolve("none.cat").toString()},
            {"stat", "--file", dir.resolve("none.counters").toString()}})
        {
            final Run18 r = Run18.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.all());
            assertTrue(r.out().isEmpty(), r.all());
            assertFalse(r.err().isBlank(), "a message: " + r.all());
        }
    }
}
