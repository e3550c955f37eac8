package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One three-node cluster shared by a class's ordered tests (each test builds on the regions the earlier ones left):
 * a cluster start costs seconds of elections, and these tests check what raw entries do to a live table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SharedClusterTest
{
    @TempDir
    static Path dir;
    LocalCluster cluster;
    RegionClient client;

    @BeforeAll
    void start() throws Exception
    {
        cluster = new LocalCluster(dir, 3, c -> { }).startAll();
        client = cluster.client();
        cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 60_000);
    }

    @AfterAll
    void stop() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (cluster != null)
        {
            cluster.close(); // checks every node's counters (mergeSourceMissing, malformed entries, ...) are 0
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The client's refreshed route table tiles the key space: no range without a region, none with two. */
    void assertTiles(final String at)
    {
        client.refresh();
        final List<RegionMeta> routes = client.routes();
        assertEquals(0, routes.get(0).start().length, at + " " + routes);
        for (int i = 1; i < routes.size(); i++)
        {
            assertArrayEquals(routes.get(i - 1).end(), routes.get(i).start(), at + ": ranges tile " + routes);
        }
        assertEquals(0, routes.get(routes.size() - 1).end().length, at + " " + routes);
    }
}
