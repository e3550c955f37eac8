package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code drive --cluster}: three {@code serve} nodes (the tool's command line, in this JVM) are driven as a running
 * cluster; the report's per-node rows and cross-replica check come from the nodes' HTTP endpoints ({@code /state},
 * {@code /digests}). A second run against the same cluster (already split) passes too.
 */
class DriveClusterTest
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
    void driveARunningClusterOfServeNodes(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = RunningServe.freePeers(3);
        final List<RunningServe> nodes = new ArrayList<>();
        try
        {
            for (final String id : peers.keySet())
            {
                nodes.add(new RunningServe("serve", "--id", id, "--peers", RunningServe.list(peers),
                    "--data-dir", dir.resolve(id).toString(), "--http-port", "0"));
            }
            final Map<String, String> http = new LinkedHashMap<>();
            for (final RunningServe r : nodes)
            {
                r.awaitStarted();
                http.put(r.command.served.node().id(), "127.0.0.1:" + r.command.served.http().port());
            }
            for (int round = 0; round < 2; round++)
            {
                final String[] r = run("drive", "--cluster", RunningServe.list(peers), "--http", RunningServe.list(http),
                    "--ops", "300", "--keys", "200", "--regions", "3", "--threads", "4", "--read-ratio", "0.5",
                    "--value-size", "64");
                assertEquals("0", r[0], r[1] + r[2]);
                final String out = r[1];
                assertTrue(out.contains("3 running nodes"), out);
                assertTrue(out.contains("cross-replica check: converged, 3 regions equal on every replica"), out);
                assertTrue(out.contains(" 0 wrong values), 0 errors"), out);
                assertTrue(out.contains("internal / store errors and malformed entries: 0"), out);
                int led = 0;
                for (final String n : peers.keySet())
                {
                    final Matcher m = Pattern.compile("(?m)^" + n + "\\s+(\\d+)\\s+(\\d+)\\s").matcher(out);
                    assertTrue(m.find(), out);
                    led += Integer.parseInt(m.group(1));
                    assertEquals(3, Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)), n + ": " + out);
                }
                assertEquals(3, led, "one leader per region: " + out);
            }
        }
        finally
        {
            RunningServe.stopAll(nodes);
        }
        for (final RunningServe r : nodes)
        {
            assertEquals(0, r.exit.get(), r.err.toString());
        }
    }

    @Test
    void clusterOptionsAreChecked()
    {
        final String peers = "n1=127.0.0.1:1,n2=127.0.0.1:2";
        assertEquals("2", run("drive", "--cluster", peers, "--ops", "10")[0], "no --http");
        assertEquals("2", run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3", "--ops", "10")[0]);
        assertEquals("2", run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3,n2=127.0.0.1:4",
            "--replicas", "3", "--ops", "10")[0]);
        assertEquals("2", run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3,n2=127.0.0.1:4",
            "--tls-cert", "/nonexistent.pem", "--ops", "10")[0]);
        assertEquals("2", run("drive", "--replicas", "3", "--http", "n1=127.0.0.1:3", "--ops", "10")[0]);
    }
}
