package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;

/**
 * {@code regioncache serve}: three nodes started through the tool's command line (in this JVM, each {@code execute}
 * on its own thread as {@code main} would run it) form a cluster that a {@link RegionClient} given only their
 * addresses writes to, splits and reads from; each node's HTTP endpoint answers; stopping returns exit code 0.
 */
class ServeCommandTest
{
    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class Running
    {
        final ServeCommand command;
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread thread;

        Running(final String... args)
        {
            final CommandLine cl = RegionCacheTool.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            command = cl.getSubcommands().get("serve").getCommand();
            thread = new Thread(() -> exit.set(cl.execute(args)), "serve-" + args[2]);
            thread.start();
        }
    }

    @Test
    @Timeout(180)
    void threeServeCommandsFormAClusterThatServes(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + freePort());
        }
        final StringBuilder list = new StringBuilder();
        peers.forEach((id, a) -> list.append(list.length() == 0 ? "" : ",").append(id).append('=').append(a));
        final List<Running> nodes = new ArrayList<>();
        try
        {
            for (final String id : peers.keySet())
            {
                nodes.add(new Running("serve", "--id", id, "--peers", list.toString(),
                    "--data-dir", dir.resolve(id).toString(), "--http-port", "0"));
            }
            final long deadline = System.nanoTime() + 60_000_000_000L;
            for (final Running r : nodes)
            {
                while (r.command.served == null && r.thread.isAlive() && System.nanoTime() < deadline)
                {
                    Thread.sleep(20);
                }
                assertNotNull(r.command.served, "node did not start: " + r.err);
                assertTrue(r.out.toString().contains("/metrics and /regions"), r.out.toString());
            }
            try (RegionClient client = new RegionClient(peers))
            {
                for (int i = 0; i < 20; i++)
                {
                    client.put(b(String.format("k%02d", i)), b("v" + i));
                }
                final long left = client.split(b("k10"));
                assertArrayEquals(b("v3"), client.get(b("k03")).value());
                assertArrayEquals(b("v15"), client.get(b("k15")).value());
                assertArrayEquals(b("v7"), client.getFromFollower(b("k07"), "n2").value());
                for (final Running r : nodes)
                {
                    final ReplicaNode node = r.command.served.node();
                    final long deadline2 = System.nanoTime() + 30_000_000_000L;
                    while (!node.regions().containsKey(left) && System.nanoTime() < deadline2)
                    {
                        Thread.sleep(20);
                    }
                    assertTrue(node.regions().containsKey(left), node.id() + " hosts the split's new region");
                }
            }
            final HttpClient http = HttpClient.newHttpClient();
            for (final Running r : nodes)
            {
                final String base = "http://127.0.0.1:" + r.command.served.http().port();
                final HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, m.statusCode());
                assertTrue(m.body().contains("regioncache_raft_applied_index{"), m.body());
                final HttpResponse<String> g = http.send(HttpRequest.newBuilder(URI.create(base + "/regions")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, g.statusCode());
                assertTrue(g.body().contains("\"cached_regions\":["), g.body());
                final HttpResponse<String> p = http.send(HttpRequest.newBuilder(URI.create(base + "/regions"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(405, p.statusCode());
            }
        }
        finally
        {
            for (final Running r : nodes)
            {
                r.command.stop.countDown();
            }
            for (final Running r : nodes)
            {
                r.thread.join(60_000);
            }
        }
        for (final Running r : nodes)
        {
            assertEquals(0, r.exit.get(), r.err.toString());
        }
    }

    @Test
    void badArgumentsAreUsageErrors(@TempDir final Path dir)
    {
        final String[][] bad = {
            {"serve", "--id", "n4", "--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2", "--data-dir", dir.toString()},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1", "--data-dir", dir.toString()},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", dir.toString(), "--http-port", "70000"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1"},
        };
        for (final String[] args : bad)
        {
            final CommandLine cl = RegionCacheTool.commandLine();
            final StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err, true));
            assertEquals(2, cl.execute(args), String.join(" ", args) + ": " + err);
        }
    }
}
