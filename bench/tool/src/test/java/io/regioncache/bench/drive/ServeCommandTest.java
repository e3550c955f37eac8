package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;

/**
 * {@code regioncache serve}: three nodes started through the tool's command line (in this JVM, each {@code execute}
 * on its own thread as {@code main} would run it) form a cluster that a {@link RegionClient} given only their
 * addresses writes to, splits and reads from; each node's HTTP endpoint answers; stopping returns exit code 0. TLS
 * options are all or none, and name readable files.
 */
class ServeCommandTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(180)
    void threeServeCommandsFormAClusterThatServes(@TempDir final Path dir) throws Exception
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
            for (final RunningServe r : nodes)
            {
                r.awaitStarted();
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
                for (final RunningServe r : nodes)
                {
                    final ReplicaNode node = r.command.served.node();
                    assertTrue(node.progress().await(() -> node.regions().containsKey(left), 30_000),
                        node.id() + " hosts the split's new region");
                }
            }
            final HttpClient http = HttpClient.newHttpClient();
            for (final RunningServe r : nodes)
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
            RunningServe.stopAll(nodes);
        }
        for (final RunningServe r : nodes)
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
            // ASCII digits only, as for --peers ports (until 2026-12-07 picocli's Integer took these as 9201).
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", dir.toString(), "--http-port", "+9201"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", dir.toString(), "--http-port",
                "\u0669\u0662\u0660\u0661"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", dir.toString(), "--tls-cert",
                dir.resolve("n1.pem").toString()},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", dir.toString(), "--tls-cert",
                dir.resolve("n1.pem").toString(), "--tls-key", dir.resolve("n1.key").toString(), "--tls-ca",
                dir.resolve("ca.pem").toString()},
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
