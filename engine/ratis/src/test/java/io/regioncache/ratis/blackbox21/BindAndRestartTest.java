package io.regioncache.ratis.blackbox21;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ServedNode;

/** README "Running a cluster": the bind address, the first start and restarts. */
@Timeout(300)
class BindAndRestartTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean reachable(final String host, final int port) throws Exception
    {
        try (Socket s = new Socket())
        {
            s.connect(new InetSocketAddress(host, port), 10_000);
            return true;
        }
        catch (final ConnectException refused)
        {
            return false;
        }
    }

    private static int httpGet(final String host, final int port, final String path) throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /**
     * README: "Both the Raft (gRPC) server and the HTTP endpoint bind 127.0.0.1 unless --bind ADDR is given". 127.0.0.2
     * (another loopback address of the host) reaches neither port of a node on the default bind, and both of a node
     * given {@code --bind 127.0.0.2}. The tests bind loopback addresses only, so the README's "0.0.0.0 for every
     * interface" is checked through this explicit address rather than by opening ports on every interface.
     */
    @Test
    void defaultBindIs127001AndAnExplicitBindIsTheOneUsed(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(4);
        try (ServedNode n = ServedNode.start("n1", Map.of("n1", "127.0.0.1:" + ports[0]), dir.resolve("a"),
            ServedNode.DEFAULT_BIND, ports[1], null))
        {
            assertEquals("127.0.0.1", ServedNode.DEFAULT_BIND);
            assertTrue(reachable("127.0.0.1", ports[0]) && reachable("127.0.0.1", ports[1]));
            assertEquals(200, httpGet("127.0.0.1", ports[1], "/metrics"));
            assertTrue(!reachable("127.0.0.2", ports[0]), "Raft port reachable on 127.0.0.2");
            assertTrue(!reachable("127.0.0.2", ports[1]), "HTTP port reachable on 127.0.0.2");
        }
        try (ServedNode n = ServedNode.start("n1", Map.of("n1", "127.0.0.2:" + ports[2]), dir.resolve("b"),
            "127.0.0.2", ports[3], null); RegionClient c = new RegionClient(Map.of("n1", "127.0.0.2:" + ports[2])))
        {
            assertEquals(200, httpGet("127.0.0.2", ports[3], "/metrics"));
            assertEquals(200, httpGet("127.0.0.2", ports[3], "/regions"));
            assertTrue(reachable("127.0.0.2", ports[2]), "Raft port on 127.0.0.2 with --bind 127.0.0.2");
            c.put(b("k"), b("v"));
            assertArrayEquals(b("v"), c.get(b("k")).value());
        }
    }

    private static List<ServedNode> startAll(final Map<String, String> peers, final Path dir) throws Exception
    {
        final List<ServedNode> nodes = new ArrayList<>();
        for (final String id : peers.keySet())
        {
            nodes.add(ServedNode.start(id, peers, dir.resolve(id), ServedNode.DEFAULT_BIND, null, null));
        }
        return nodes;
    }

    private static boolean sameRegionsEverywhereWithLeaders(final List<ServedNode> nodes, final int regions)
    {
        final Map<Long, RegionMeta> first = nodes.get(0).node().regions();
        if (first.size() != regions)
        {
            return false;
        }
        for (final Long id : first.keySet())
        {
            int leaders = 0;
            for (final ServedNode n : nodes)
            {
                if (!first.equals(n.node().regions()))
                {
                    return false;
                }
                leaders += n.node().isLeader(id) ? 1 : 0;
            }
            if (leaders != 1)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean await(final List<ServedNode> nodes, final int regions) throws InterruptedException
    {
        return ProgressSignal.await(nodes.stream().map(n -> n.node().progress()).toList(),
            () -> sameRegionsEverywhereWithLeaders(nodes, regions), 120_000);
    }

    private static void closeAll(final List<ServedNode> nodes)
    {
        nodes.forEach(ServedNode::close);
    }

    /**
     * README: "The first start creates region 1 (every key) on all three; a restart with the same data directory
     * recovers every region from Ratis' storage, also after a first start closed before region 1 elected a leader (a
     * failed serve, say: its log holds no configuration yet, so the restart names region 1's peers again)."
     */
    @Test
    void aThreeNodeFirstStartClosedBeforeAnElectionThenEveryRestartRecovers(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(3);
        final Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++)
        {
            peers.put("n" + (i + 1), "127.0.0.1:" + ports[i]);
        }
        // n1 alone: no quorum, region 1 cannot elect a leader; then it is closed.
        try (ServedNode alone = ServedNode.start("n1", peers, dir.resolve("n1"), ServedNode.DEFAULT_BIND, null, null))
        {
            assertEquals(Set.of(ReplicaNode.ROOT_REGION_ID), alone.node().regions().keySet());
        }
        List<ServedNode> nodes = startAll(peers, dir);
        try (RegionClient c = new RegionClient(peers))
        {
            assertTrue(await(nodes, 1), "region 1 elected a leader with n1 restarted");
            final RegionMeta root = nodes.get(0).node().regions().get(ReplicaNode.ROOT_REGION_ID);
            assertEquals(0, root.start().length, "region 1 holds every key");
            assertEquals(0, root.end().length, "region 1 holds every key");
            for (int i = 0; i < 30; i++)
            {
                c.put(b("r" + (char) ('a' + i % 26) + i), b("v" + i));
            }
            c.split(b("rh"));
            c.split(b("rp"));
            assertTrue(await(nodes, 3));
        }
        finally
        {
            closeAll(nodes);
        }
        nodes = startAll(peers, dir);
        try (RegionClient c = new RegionClient(peers))
        {
            assertTrue(await(nodes, 3), "every region recovered on every node");
            for (int i = 0; i < 30; i++)
            {
                assertArrayEquals(b("v" + i), c.get(b("r" + (char) ('a' + i % 26) + i)).value());
            }
            c.put(b("after"), b("restart"));
            assertArrayEquals(b("restart"), c.get(b("after")).value());
        }
        finally
        {
            closeAll(nodes);
        }
    }
}
