package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served node (what serve / NodeMain run): an HTTP port in use is an IOException at start and leaves the data
 * directory and Raft port free for the next start; the endpoint answers on the default bind address.
 */
@Timeout(120)
class ServedNodeRestartTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Bounded poll, parking between checks (no sleep). */
    private static boolean awaitTrue(final java.util.function.BooleanSupplier cond, final long timeoutMs)
    {
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            if (cond.getAsBoolean())
            {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
        }
        return cond.getAsBoolean();
    }

    @Test
    void aBusyHttpPortFailsTheStartAndLeavesEverythingFree(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()))
        {
            assertThrows(IOException.class, () -> ServedNode.start("n1", peers, dir.resolve("n1"),
                ServedNode.DEFAULT_BIND, busy.getLocalPort(), null));
        }
        try (ServedNode node = ServedNode.start("n1", peers, dir.resolve("n1"), ServedNode.DEFAULT_BIND, 0, null);
            RegionClient client = new RegionClient(peers))
        {
            assertEquals("127.0.0.1", node.http().address().getAddress().getHostAddress());
            final boolean led = awaitTrue(() -> node.node().isLeader(1), 20_000);
            assertTrue(led, () -> "never led region 1 after a failed start: " + node.node().role(1));
            final long v = client.put(b("k"), b("v"));
            assertTrue(v > 0);
            assertArrayEquals(b("v"), client.get(b("k")).value());
            final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.http().port() + "/regions")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().startsWith("{\"node\":\"n1\""), r.body());
        }
    }

    @Test
    void aFreshSingleNodeServes(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        try (ServedNode node = ServedNode.start("n1", peers, dir.resolve("n1"), ServedNode.DEFAULT_BIND, 0, null);
            RegionClient client = new RegionClient(peers))
        {
            final boolean led = awaitTrue(() -> node.node().isLeader(1), 20_000);
            assertTrue(led, () -> "a fresh node never led region 1: " + node.node().role(1));
            assertArrayEquals(null, client.get(b("k")).value());
        }
    }

    /** A node closed at once after its first start (what ServedNode does when its HTTP port is busy), restarted. */
    @Test
    void aNodeClosedRightAfterItsFirstStartLeadsAfterARestart(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        final ReplicaNode.Config c = new ReplicaNode.Config("n1", peers,
            dir.resolve("n1"));
        ReplicaNode.start(c).close();
        try (ReplicaNode n = ReplicaNode.start(c))
        {
            final boolean led = awaitTrue(() -> n.isLeader(1), 20_000);
            assertTrue(led, "a single node leads its region after a restart");
        }
    }

    /** A node that led and wrote, closed, restarted. */
    @Test
    void aNodeThatLedLeadsAgainAfterARestart(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        final ReplicaNode.Config c = new ReplicaNode.Config("n1", peers,
            dir.resolve("n1"));
        try (ReplicaNode n = ReplicaNode.start(c);
            RegionClient client = new RegionClient(peers))
        {
            client.put(b("k"), b("v"));
        }
        try (ReplicaNode n = ReplicaNode.start(c))
        {
            final boolean led = awaitTrue(() -> n.isLeader(1), 20_000);
            assertTrue(led, "a single node leads its region after a restart");
        }
    }
}
