package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drive --cluster}: three {@code serve} nodes (the tool's command line, in this JVM) are driven as a running
 * cluster; the report's per-node rows and cross-replica check come from the nodes' HTTP endpoints ({@code /state},
 * {@code /digests}). A second run against the same cluster (already split) passes too.
 */
class DriveClusterTest
{
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
            long regions = 2;
            for (int round = 0; round < 2; round++)
            {
                final List<String> args = new ArrayList<>(List.of("drive", "--cluster", RunningServe.list(peers),
                    "--http", RunningServe.list(http), "--ops", "200", "--keys", "4000", "--skew", "0.5",
                    "--regions", "2", "--threads", "4", "--read-ratio", "0.5", "--scan-ratio", "0.3",
                    "--batch-size", "8", "--split-keys", "100", "--value-size", "64", "--seed", String.valueOf(round)));
                if (round == 1)
                {
                    args.addAll(List.of("--faults", "200ms")); // the second run moves leaders and merges too
                }
                final ReplicatedReport r = ReplicatedReport.run(args.toArray(new String[0]));
                assertTrue(r.out.contains("3 running nodes"), r.out);
                // The second run starts from the first one's regions and reads the first one's values as the keys'
                // prior state.
                assertEquals(regions, r.number("(\\d+) regions at start", 1), r.out);
                final long faults = round == 1 ?
                    r.number(ReplicatedReport.FAULTS, 8) - r.number(ReplicatedReport.FAULTS, 4) : 0;
                regions = r.assertFullWorkloadPassed(peers.keySet(), faults);
                if (round == 1)
                {
                    assertTrue(r.number(ReplicatedReport.FAULTS, 2) + r.number(ReplicatedReport.FAULTS, 4) +
                        r.number(ReplicatedReport.FAULTS, 5) > 0, "faults made: " + r.out);
                    assertEquals(0, r.number(ReplicatedReport.FAULTS, 9), "no merge left unfinished: " + r.out);
                }
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
        assertEquals(2, ReplicatedReport.run("drive", "--cluster", peers, "--ops", "10").exit, "no --http");
        assertEquals(2, ReplicatedReport.run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3", "--ops", "10")
            .exit);
        assertEquals(2, ReplicatedReport.run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3,n2=127.0.0.1:4",
            "--replicas", "3", "--ops", "10").exit);
        assertEquals(2, ReplicatedReport.run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3,n2=127.0.0.1:4",
            "--tls-cert", "/nonexistent.pem", "--ops", "10").exit);
        assertEquals(2, ReplicatedReport.run("drive", "--replicas", "3", "--http", "n1=127.0.0.1:3", "--ops", "10")
            .exit);
        assertEquals(2, ReplicatedReport.run("drive", "--cluster", peers, "--http", "n1=127.0.0.1:3,n2=127.0.0.1:4",
            "--faults", "soon", "--ops", "10").exit, "--faults is a time");
    }
}
