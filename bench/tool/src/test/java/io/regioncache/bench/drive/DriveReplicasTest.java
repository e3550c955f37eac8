package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code drive --replicas 3}: a 3-node cluster in this JVM runs a short put/get workload; the report has a row per
 * node (regions led and followed, hit ratio, snapshots, leader changes) and a passing cross-replica check.
 */
class DriveReplicasTest
{
    private static String[] run(final String... args)
    {
        final CommandLine cl = RegionCacheTool.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    @Timeout(240)
    void threeReplicasRunAWorkloadAndAgree(@TempDir final Path dir)
    {
        final String[] r = run("drive", "--replicas", "3", "--ops", "400", "--keys", "200", "--regions", "3",
            "--threads", "4", "--read-ratio", "0.5", "--value-size", "64", "--data-dir", dir.resolve("c").toString());
        assertEquals("0", r[0], r[1] + r[2]);
        final String out = r[1];
        assertTrue(out.contains("cross-replica check: converged, 3 regions equal on every replica"), out);
        assertTrue(out.contains(" 0 wrong values), 0 errors"), out);
        assertTrue(out.contains("memory in use after close: 0 bytes on every node"), out);
        int led = 0;
        for (final String n : new String[] {"n1", "n2", "n3"})
        {
            final Matcher m = Pattern.compile("(?m)^" + n + "\\s+(\\d+)\\s+(\\d+)\\s").matcher(out);
            assertTrue(m.find(), out);
            led += Integer.parseInt(m.group(1));
            assertEquals(3, Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)), n + " hosts 3 regions");
        }
        assertEquals(3, led, "each region has one leader: " + out);
    }

    @Test
    void badReplicaOptionsAreUsageErrors(@TempDir final Path dir)
    {
        assertEquals("2", run("drive", "--replicas", "0", "--ops", "10")[0]);
        assertEquals("2", run("drive", "--replicas", "3", "--ops", "10", "--json", dir.resolve("x").toString())[0]);
    }
}
