package io.regioncache.ratis.blackbox9;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.blackbox9.Leaks9;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;

/**
 * Audit 9 (2026-12-05): a three-node cluster in this JVM ({@link LocalNodes}), whose nodes replicate to each other
 * (log appenders, gRPC channels between the nodes), started, written, read and closed again and again: nothing
 * accumulates (threads, Java and native; file descriptors; direct and mapped buffers), and every node's cache holds
 * zero bytes after close.
 */
@Timeout(180)
class ClusterLifecycleResourcesTest
{
    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Three nodes replicate to each other (log appenders, gRPC channels between the nodes): started and closed. */
    @Test
    void threeNodeClusterCyclesAccumulateNothing() throws Exception
    {
        final int cycles = 5;
        final java.util.function.IntConsumer one = i ->
        {
            try (LocalNodes nodes = LocalNodes.start(3, dir.resolve("c" + i));
                RegionClient client = new RegionClient(nodes.peers()))
            {
                assertTrue(client.put(b("k"), b("v" + i)) > 0);
                assertArrayEquals(b("v" + i), client.get(b("k")).value());
                for (final ReplicaNode n : nodes.nodes())
                {
                    assertTrue(Leaks9.await(20_000, () -> n.regions().containsKey(ReplicaNode.ROOT_REGION_ID)));
                }
                assertEquals(java.util.List.of(), nodes.closeAll(), "cache memory in use after close");
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        };
        one.accept(0);
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 5_000, 0, 0, 0);
        for (int i = 1; i <= cycles; i++)
        {
            one.accept(i);
        }
        final Leaks9.Reading after = Leaks9.settle(base, 20_000, 4, 16, 32L << 20);
        assertTrue(Leaks9.withinOf(base, after, 4, 16, 32L << 20), Leaks9.explain(base, after, cycles));
    }

}
