package io.regioncache.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;

/**
 * The YCSB smoke against a replicated cluster: three Ratis nodes in this JVM, YCSB's CoreWorkload loads a few
 * hundred records and runs workloads A–F once through {@link RegionCacheClusterDB} (a {@code RegionClient}:
 * linearizable reads, routed scans, Raft writes, splits as the load grows); every operation must return OK, and the
 * replicas must converge and agree afterwards.
 */
class YcsbClusterSmokeTest
{
    @Test
    @Timeout(300)
    void everyWorkloadAgainstAThreeNodeClusterReturnsOk(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++)
        {
            try (ServerSocket s = new ServerSocket(0))
            {
                peers.put("n" + i, "127.0.0.1:" + s.getLocalPort());
            }
        }
        final List<ReplicaNode> nodes = new ArrayList<>();
        try
        {
            for (final String id : peers.keySet())
            {
                nodes.add(ReplicaNode.start(new ReplicaNode.Config(id, peers, dir.resolve(id))));
            }
            final StringBuilder list = new StringBuilder();
            peers.forEach((id, a) -> list.append(list.length() == 0 ? "" : ",").append(id).append('=').append(a));
            final YcsbRunner.Settings s = YcsbRunner.parse(new String[] {
                "--records", "200", "--operations", "200", "--seconds", "0", "--threads", "2",
                "--systems", "cluster", "--data", dir.resolve("ycsb").toString(),
                "-p", "regioncache.cluster=" + list, "-p", "regioncache.splitKeys=64"});
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
            assertNull(ReplicaCheck.awaitConverged(nodes, 60_000));
            assertTrue(ReplicaCheck.regions(nodes).size() > 1, "the load split the cluster: " +
                ReplicaCheck.regions(nodes));
            assertEquals(List.of(), ReplicaCheck.divergences(nodes));
        }
        finally
        {
            for (final ReplicaNode n : nodes)
            {
                n.close();
            }
        }
        for (final ReplicaNode n : nodes)
        {
            assertEquals(0, n.engine().cache().memoryInUse(), n.id());
        }
    }

    private static PhaseResult find(final List<PhaseResult> results, final String workload)
    {
        return results.stream().filter(r -> r.workload.equals(workload)).findFirst().orElseThrow();
    }
}
