package io.regioncache.ratis.blackbox9;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.blackbox9.Leaks9;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ServedNode;

/**
 * Audit 9 (2026-12-05): a replica node's lifecycle, through the public API. A served node (Ratis over gRPC, its
 * HybridEngine on RocksDB, the HTTP endpoint) restarted again and again on the same data directory and ports, with a
 * client writing and reading and a scrape of the endpoint each time: right after each close both ports bind again,
 * and nothing accumulates across the cycles (threads, Java and native; file descriptors; direct and mapped buffers).
 * Starts that fail (the Raft port taken, the HTTP port taken, the data directory a file or held by a running node)
 * leave nothing behind; clients opened and closed against a running node leave nothing; a closed node and a closed
 * client become collectable.
 */
@Timeout(180)
class NodeLifecycleResourcesTest
{
    private static final int CYCLES = 10;

    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** GET over a plain socket: no HTTP client of the JDK whose own threads and pools would blur the count. */
    private static String get(final int port, final String path) throws IOException
    {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            s.setSoTimeout(10_000);
            final OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Bind {@code port} on 127.0.0.1 now, as a restarted node would (SO_REUSEADDR, as Netty's and the JDK's). */
    private static void assertBindable(final int port, final String what)
    {
        try (ServerSocket s = new ServerSocket())
        {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
        catch (final IOException ex)
        {
            throw new AssertionError(what + " port " + port + " cannot be bound right after close: " + ex, ex);
        }
    }

    private static void awaitLeader(final ReplicaNode n)
    {
        assertTrue(Leaks9.await(20_000, () -> n.isLeader(ReplicaNode.ROOT_REGION_ID)),
            "the single node never led region 1");
    }

    private static ServedNode cycle(final Map<String, String> peers, final Path data, final int raftPort,
        final int httpPort, final int i) throws IOException
    {
        final ServedNode node = ServedNode.start("n1", peers, data, ServedNode.DEFAULT_BIND, httpPort, null);
        try (RegionClient client = new RegionClient(peers))
        {
            awaitLeader(node.node());
            assertTrue(client.put(b("k" + i), b("v" + i)) > 0);
            assertArrayEquals(b("v" + i), client.get(b("k" + i)).value());
            final String scraped = get(httpPort, "/metrics");
            assertTrue(scraped.startsWith("HTTP/1.1 200"), scraped.lines().findFirst().orElse(""));
        }
        finally
        {
            node.close();
        }
        assertEquals(0, node.node().engine().cache().memoryInUse(), "cache memory in use after close");
        assertBindable(raftPort, "Raft");
        assertBindable(httpPort, "HTTP");
        // the node's own threads (groups, engine, HTTP executor) and the JDK server's dispatcher and timers end
        assertTrue(Leaks9.await(10_000, () -> Leaks9.threadsNamed("regioncache").isEmpty() &&
            Leaks9.threadsNamed("HTTP-Dispatcher").isEmpty() && Leaks9.threadsNamed("server-timer").isEmpty()),
            "threads left after close: " + Leaks9.threadsNamed("regioncache") + Leaks9.threadsNamed("HTTP-Dispatcher") +
            Leaks9.threadsNamed("server-timer"));
        return node;
    }

    @Test
    void restartCyclesOnTheSameDirectoryAndPortsAccumulateNothing() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + ports[0]);
        final Path data = dir.resolve("n1");
        cycle(peers, data, ports[0], ports[1], 0); // warm-up: gRPC's and Ratis' JVM-wide pools start once
        cycle(peers, data, ports[0], ports[1], 1);
        final long files = filesUnder(data);
        final java.util.Set<String> beans = Leaks9.mbeans();
        final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 5_000, 0, 0, 0);
        for (int i = 2; i < CYCLES + 2; i++)
        {
            cycle(peers, data, ports[0], ports[1], i);
        }
        final Leaks9.Reading after = Leaks9.settle(base, 20_000, 4, 16, 32L << 20);
        assertTrue(Leaks9.withinOf(base, after, 4, 16, 32L << 20), Leaks9.explain(base, after, CYCLES));
        // no MBean registered per start and left behind (Ratis registers its servers' and divisions' beans)
        final java.util.Set<String> grownBeans = new java.util.TreeSet<>(Leaks9.mbeans());
        grownBeans.removeAll(beans);
        System.out.println("MBeans before the cycles " + beans.size() + ", new after them: " + grownBeans);
        assertTrue(grownBeans.size() <= 2, "MBeans left by the restarts: " + grownBeans);
        // the data directory holds what the data needs (newest snapshot, live log, RocksDB), not a file per restart
        final long filesAfter = filesUnder(data);
        try (java.util.stream.Stream<Path> sst = Files.list(data.resolve("rocksdb")))
        {
            System.out.println("files under the data directory after 2 starts " + files + ", after " + (CYCLES + 2) +
                " " + filesAfter + " (RocksDB tables " + sst.filter(f -> f.toString().endsWith(".sst")).count() + ")");
        }
        assertTrue(filesAfter <= files + 8, "files under the data directory: " + files + " after two starts, " +
            filesAfter + " after " + (CYCLES + 2) + ": " + listUnder(data));
    }

    private static long filesUnder(final Path dir) throws IOException
    {
        return listUnder(dir).size();
    }

    private static java.util.List<String> listUnder(final Path dir) throws IOException
    {
        try (java.util.stream.Stream<Path> s = Files.walk(dir))
        {
            // RocksDB's table files are left out: each start flushes the recovered WAL to a level-0 table, and how
            // soon compactions merge them is RocksDB's business (they are printed, not counted).
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                .filter(n -> !(n.startsWith("rocksdb") && n.endsWith(".sst"))).sorted().toList();
        }
    }

    /** A client used and closed, with no reference left on the caller's stack. */
    private static WeakReference<RegionClient> usedAndClosed(final Map<String, String> peers)
    {
        final RegionClient c = new RegionClient(peers);
        assertArrayEquals(b("v0"), c.get(b("k0")).value());
        c.close();
        return new WeakReference<>(c);
    }

    @Test
    void startsThatFailLeaveNothing() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(4);
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + ports[0]);
        final Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        final Path heldDir = dir.resolve("held");
        // a data directory whose newest snapshot meta is zeroed: Ratis itself fails the start, part-way
        final ReplicaNode.Config damaged = new ReplicaNode.Config("d1", Map.of("d1", "127.0.0.1:" + ports[3]),
            dir.resolve("damaged"));
        try (ReplicaNode d = ReplicaNode.start(damaged); RegionClient c = new RegionClient(damaged.peers()))
        {
            awaitLeader(d);
            assertTrue(c.put(b("k"), b("v")) > 0);
        }
        final java.util.List<Path> metas;
        try (java.util.stream.Stream<Path> w = Files.walk(damaged.dataDir()))
        {
            metas = w.filter(f -> f.getFileName().toString().equals("meta")).sorted().toList();
        }
        assertTrue(!metas.isEmpty(), "no snapshot meta");
        Files.write(metas.get(metas.size() - 1), new byte[(int)Files.size(metas.get(metas.size() - 1))]);
        try (ServerSocket raftBusy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            ServerSocket httpBusy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            ReplicaNode holder = ReplicaNode.start(new ReplicaNode.Config("h1",
                Map.of("h1", "127.0.0.1:" + ports[1]), heldDir)))
        {
            assertEquals("h1", holder.id());
            final Map<String, String> busyPeers = Map.of("n1", "127.0.0.1:" + raftBusy.getLocalPort());
            final Map<String, org.junit.jupiter.api.function.Executable> failures = new java.util.LinkedHashMap<>();
            failures.put("the Raft port taken", () -> ReplicaNode.start(
                new ReplicaNode.Config("n1", busyPeers, dir.resolve("busy"))));
            failures.put("the data directory a file",
                () -> ReplicaNode.start(new ReplicaNode.Config("n1", peers, file)));
            failures.put("the data directory held by a running node", () -> ReplicaNode.start(
                new ReplicaNode.Config("n2", Map.of("n2", "127.0.0.1:" + ports[2]), heldDir)));
            failures.put("the newest snapshot meta zeroed", () -> ReplicaNode.start(damaged));
            failures.put("the HTTP port taken", () -> ServedNode.start("n1", peers, dir.resolve("http"),
                ServedNode.DEFAULT_BIND, httpBusy.getLocalPort(), null));
            // Each kind alone, from its own baseline, so that what grows is named by the start that left it.
            final StringBuilder grown = new StringBuilder();
            for (final Map.Entry<String, org.junit.jupiter.api.function.Executable> f : failures.entrySet())
            {
                assertThrows(IOException.class, f.getValue(), f.getKey()); // warm-up
                final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 5_000, 0, 0, 0);
                for (int i = 0; i < CYCLES; i++)
                {
                    assertThrows(IOException.class, f.getValue(), f.getKey());
                }
                final Leaks9.Reading after = Leaks9.settle(base, 20_000, 4, 16, 32L << 20);
                if (!Leaks9.withinOf(base, after, 4, 16, 32L << 20))
                {
                    grown.append(f.getKey()).append(": ").append(Leaks9.explain(base, after, CYCLES)).append('\n');
                }
            }
            assertEquals("", grown.toString(), "failed starts left resources behind");
        }
        // the directories and ports the failed starts named are free: a node starts on them
        cycle(peers, dir.resolve("http"), ports[0], LocalNodes.freePort(), 99);
    }

    @Test
    void clientCyclesAgainstARunningNodeAccumulateNothing() throws Exception
    {
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        try (ReplicaNode node = ReplicaNode.start(new ReplicaNode.Config("n1", peers, dir.resolve("n1"))))
        {
            awaitLeader(node);
            final Runnable one = () ->
            {
                try (RegionClient client = new RegionClient(peers))
                {
                    client.put(b("k"), b("v"));
                    assertArrayEquals(b("v"), client.get(b("k")).value());
                }
            };
            one.run();
            final Leaks9.Reading base = Leaks9.settle(Leaks9.read(), 5_000, 0, 0, 0);
            for (int i = 0; i < 3 * CYCLES; i++)
            {
                one.run();
            }
            final Leaks9.Reading after = Leaks9.settle(base, 20_000, 4, 16, 32L << 20);
            assertTrue(Leaks9.withinOf(base, after, 4, 16, 32L << 20), Leaks9.explain(base, after, 3 * CYCLES));
        }
    }

    @Test
    void aClosedNodeAndAClosedClientBecomeCollectable() throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + ports[0]);
        final WeakReference<ServedNode> node =
            new WeakReference<>(cycle(peers, dir.resolve("n1"), ports[0], ports[1], 0));
        assertTrue(Leaks9.await(15_000, () -> node.get() == null),
            "a closed node the host dropped is still reachable (a static registry or a thread holds it)");
        try (ReplicaNode running = ReplicaNode.start(new ReplicaNode.Config("n1", peers, dir.resolve("n1"))))
        {
            awaitLeader(running);
            final WeakReference<RegionClient> client = usedAndClosed(peers);
            assertTrue(Leaks9.await(15_000, () -> client.get() == null), "a closed client is still reachable");
        }
    }
}
