package io.regioncache.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README 527-530: the runner exits "2, with a line saying why, then the usage line, and nothing run, on an unknown
 * option, system or workload or a bad value". A --systems list that names no system at all is such a bad value: with
 * nothing run, exit 0 would claim that every operation returned OK.
 */
class YcsbRunnerEmptyListTest
{
    @Test
    void aSystemsListNamingNoSystemIsAUsageError(@TempDir final Path dir) throws Exception
    {
        for (final String systems : List.of(",", ",,"))
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int exit = YcsbRunner.execute(new String[] {"--data", dir.resolve("d").toString(), "--records", "10",
                "--systems", systems}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(YcsbRunner.EXIT_USAGE, exit, "--systems '" + systems + "': out=" +
                out.toString(StandardCharsets.UTF_8) + " err=" + err.toString(StandardCharsets.UTF_8));
        }
    }
}
