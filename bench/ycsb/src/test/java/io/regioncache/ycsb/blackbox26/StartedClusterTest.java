package io.regioncache.ycsb.blackbox26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, against a replicated cluster: "--start-cluster N starts N nodes in the runner's JVM instead of naming
 * running ones, and after the workloads checks that they converged with equal digests, caches equal to RocksDB and 0
 * bytes in use after close (exit 1 otherwise); --name NAME writes ycsb-NAME-* files beside the others"; "Every
 * regioncache.splitKeys inserts ... the binding splits the cluster at the median of the keys inserted meanwhile".
 * One 3-node run, 200 records, a split every 64 inserts (3 splits: 4 regions), given a -p regioncache.cluster that
 * names nothing running, which --start-cluster replaces.
 */
class StartedClusterTest
{
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aStartedClusterRunIsCheckedAndWritesItsNamedFiles(@TempDir final Path dir) throws Exception
    {
        final Path out = dir.resolve("out");
        final Runner.Run r = Runner.run("--systems", "cluster", "--start-cluster", "3", "--workloads", "c,a",
            "--records", "200", "--operations", "100", "--seconds", "0", "--threads", "2",
            "--data", dir.resolve("data").toString(), "--out", out.toString(), "--name", "three",
            "-p", "regioncache.splitKeys=64", "-p", "regioncache.cluster=n1=127.0.0.1:1");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("started 3 nodes in this JVM"), r.out());
        assertFalse(r.out().contains("127.0.0.1:1,") || r.out().contains("127.0.0.1:1\n"), "the named cluster is "
            + "replaced: " + r.out());
        assertEquals(200, r.ops("cluster", "load"), r.out());
        assertEquals(100, r.ops("cluster", "c"), r.out());
        assertEquals(100, r.ops("cluster", "a"), r.out());
        final Matcher m = Pattern.compile("cross-replica check: converged, (\\d+) regions equal on every replica, "
            + "every cached region equal to its node's RocksDB, 0 bytes in use after close").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(4, Integer.parseInt(m.group(1)), "200 inserts, a split every 64: " + r.out());
        for (final String f : List.of("results.json", "summary.md", "throughput.svg", "p99.svg"))
        {
            assertTrue(Files.size(out.resolve("ycsb-three-" + f)) > 0, f);
            assertFalse(Files.exists(out.resolve("ycsb-" + f)), "only the named files: " + f);
        }
        final Results res = new Results(out.resolve("ycsb-three-results.json"));
        assertTrue(res.doc.get("cluster").getTextValue().contains("converged"), res.doc.toString());
        assertEquals(3, res.rows("cluster").size());
        for (final String w : List.of("load", "c", "a"))
        {
            assertEquals(0, res.row("cluster", w).get("failed").size(), w);
        }
    }
}
