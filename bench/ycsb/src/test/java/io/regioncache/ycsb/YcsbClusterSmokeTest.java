package io.regioncache.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The YCSB smoke against a replicated cluster: three Ratis nodes in this JVM, YCSB's CoreWorkload loads a few
 * hundred records and runs workloads A–F once through {@link RegionCacheClusterDB} (a {@code RegionClient}:
 * linearizable reads, routed scans, Raft writes, splits as the load grows); every operation must return OK, and the
 * replicas must converge and agree afterwards (the runner's {@code --start-cluster 3}).
 */
class YcsbClusterSmokeTest
{
    @Test
    @Timeout(300)
    void everyWorkloadAgainstAThreeNodeClusterReturnsOk(@TempDir final Path dir) throws Exception
    {
        final YcsbRunner.Settings s = YcsbRunner.parse(new String[] {
            "--records", "200", "--operations", "200", "--seconds", "0", "--threads", "2",
            "--systems", "cluster", "--start-cluster", "3", "--data", dir.toString(),
            "-p", "regioncache.splitKeys=64"});
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final List<PhaseResult> results = YcsbRunner.run(s, new PrintStream(log, true, StandardCharsets.UTF_8));
        final String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(7, results.size(), text);
        assertEquals(List.of(), PhaseResult.problems(results), text);
        for (final PhaseResult r : results)
        {
            assertEquals(200, r.operationsDone, r.workload + "\n" + text);
        }
        assertTrue(find(results, "e").ops.get("SCAN").ok > 0, text);
        assertTrue(find(results, "d").ops.get("INSERT").ok > 0, text);
        assertTrue(find(results, "f").ops.get("READ-MODIFY-WRITE").operations > 0, text);
        // Converged, equal digests, caches equal to RocksDB, no memory after close; the load split the cluster.
        assertEquals(List.of(), s.clusterProblems, text);
        final Matcher m = Pattern.compile("converged, (\\d+) regions equal on every replica").matcher(s.clusterCheck);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) > 1, s.clusterCheck);
    }

    private static PhaseResult find(final List<PhaseResult> results, final String workload)
    {
        return results.stream().filter(r -> r.workload.equals(workload)).findFirst().orElseThrow();
    }
}
