package io.regioncache.bench.drive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.ratis.grpc.GrpcConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ServedNode;

/**
 * The promises of README.md's "Running a cluster" about {@code regioncache serve} that {@link ServeCommandTest} and
 * {@link DriveClusterTest} do not check: its help and options, "both the Raft (gRPC) server and the HTTP endpoint bind
 * 127.0.0.1 unless {@code --bind ADDR} is given", "the first start creates region 1 (every key)", "a restart with the
 * same data directory recovers every region from Ratis' storage" and stopping exits 0.
 */
class ServeReadmeContractTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void serveHasHelpListingEveryDocumentedOption()
    {
        for (final String[] args : new String[][] {{"serve", "--help"}, {"help", "serve"}})
        {
            final ToolRun.Result r = ToolRun.result(args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: regioncache serve"), r.out());
            for (final String option : List.of("--id", "--peers", "--data-dir", "--http-port", "--bind", "--tls-cert",
                "--tls-key", "--tls-ca"))
            {
                assertTrue(r.out().contains(option), option + " in " + r.out());
            }
            assertTrue(r.out().contains("default: 127.0.0.1"), "the bind default is stated: " + r.out());
        }
        assertTrue(ToolRun.result("--help").out().contains("serve"), "the top help lists serve");
    }

    @Test
    void badServeOptionsAreUsageErrors(@TempDir final Path dir)
    {
        final String d = dir.toString();
        final String[][] bad = {
            {"serve", "--peers", "n1=127.0.0.1:1", "--data-dir", d},
            {"serve", "--id", "n1", "--data-dir", d},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", d, "--http-port", "-1"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", d, "--http-port", "x"},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1,n1=127.0.0.1:2", "--data-dir", d},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:x", "--data-dir", d},
            {"serve", "--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir", d, "--frobnicate"},
        };
        for (final String[] args : bad)
        {
            final ToolRun.Result r = ToolRun.result(args);
            assertEquals(2, r.code(), () -> String.join(" ", args) + " -> " + r.code() + "\n" + r.err());
            assertTrue(r.out().isEmpty(), () -> "no serving line for a bad option: " + r.out());
        }
    }

    /**
     * A node started by {@code serve} without {@code --bind} binds its Raft server and HTTP endpoint to 127.0.0.1 and
     * creates region 1 over every key; after a split and a stop (exit 0) the same {@code --data-dir}, now with
     * an explicit {@code --bind 127.0.0.1} (tests bind loopback only, never every interface), recovers both regions
     * and their values and binds the address given.
     */
    @Test
    @Timeout(180)
    void aServedNodeBindsLoopbackUnlessToldAndRecoversEveryRegionOnRestart(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = RunningServe.freePeers(1);
        final String[] args = {"serve", "--id", "n1", "--peers", RunningServe.list(peers), "--data-dir",
            dir.resolve("n1").toString(), "--http-port", "0"};
        final RunningServe first = new RunningServe(args);
        final long left;
        try
        {
            first.awaitStarted();
            final ServedNode served = first.command.served;
            assertTrue(served.http().address().getAddress().isLoopbackAddress(), served.http().address().toString());
            assertEquals("127.0.0.1", GrpcConfigKeys.Server.host(served.node().server().getProperties()));
            assertTrue(first.out.toString().contains("bound to 127.0.0.1"), first.out.toString());
            final ReplicaNode node = served.node();
            assertTrue(node.progress().await(() -> node.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000), "n1 leads");
            final RegionMeta root = node.regions().get(ReplicaNode.ROOT_REGION_ID);
            assertEquals(Set.of(ReplicaNode.ROOT_REGION_ID), node.regions().keySet());
            assertEquals(0, root.start().length);
            assertEquals(0, root.end().length);
            try (RegionClient client = new RegionClient(peers))
            {
                client.put(b("k"), b("v"));
                left = client.split(b("m"));
                client.put(b("a"), b("1"));
                assertEquals(left, client.get(b("a")).regionId());
            }
        }
        finally
        {
            RunningServe.stopAll(List.of(first));
        }
        assertEquals(0, first.exit.get(), first.err.toString());

        final String[] again = java.util.Arrays.copyOf(args, args.length + 2);
        again[args.length] = "--bind";
        again[args.length + 1] = "127.0.0.1";
        final RunningServe second = new RunningServe(again);
        try
        {
            second.awaitStarted();
            final ServedNode served = second.command.served;
            assertTrue(served.http().address().getAddress().isLoopbackAddress(), served.http().address().toString());
            assertEquals("127.0.0.1", GrpcConfigKeys.Server.host(served.node().server().getProperties()));
            final ReplicaNode node = served.node();
            assertTrue(node.progress().await(() -> node.regions().keySet().equals(Set.of(ReplicaNode.ROOT_REGION_ID,
                left)), 30_000), "both regions recovered: " + node.regions());
            try (RegionClient client = new RegionClient(peers))
            {
                assertArrayEquals(b("v"), client.get(b("k")).value());
                assertArrayEquals(b("1"), client.get(b("a")).value());
                assertEquals(left, client.get(b("a")).regionId());
            }
            final HttpResponse<String> regions = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + served.http().port() + "/regions")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, regions.statusCode());
            assertTrue(regions.body().contains("\"replicas\":[{\"id\":" + ReplicaNode.ROOT_REGION_ID), regions.body());
        }
        finally
        {
            RunningServe.stopAll(List.of(second));
        }
        assertEquals(0, second.exit.get(), second.err.toString());
    }

    /**
     * "Ctrl-C (SIGTERM) closes the node (Ratis takes a snapshot as it stops)." Was: the serve command's shutdown hook
     * only counted down the latch its main thread waited on, so the JVM halted as soon as the hook returned, in the
     * middle of the close: Ratis' stop snapshot was left as a {@code tmp_} directory with an empty SST, and RocksDB
     * was never closed. Now the hook waits for the close. Runs {@code serve} as a child JVM and stops it with SIGTERM.
     */
    @Test
    @Timeout(180)
    void sigtermClosesTheNodeAndRatisTakesItsSnapshot(@TempDir final Path dir) throws Exception
    {
        final Map<String, String> peers = RunningServe.freePeers(1);
        final Path data = dir.resolve("n1");
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports",
            "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx256m", "-cp", cp, RegionCacheTool.class.getName(), "serve",
            "--id", "n1", "--peers", RunningServe.list(peers), "--data-dir", data.toString())
            .redirectErrorStream(true).start();
        final StringBuffer output = new StringBuffer();
        final java.util.concurrent.CompletableFuture<Void> serving = new java.util.concurrent.CompletableFuture<>();
        final Thread pump = new Thread(() ->
        {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                for (String line = in.readLine(); line != null; line = in.readLine())
                {
                    output.append(line).append('\n');
                    if (line.startsWith("node n1 serving"))
                    {
                        serving.complete(null);
                    }
                }
            }
            catch (final java.io.IOException ex)
            {
                output.append(ex).append('\n');
            }
            serving.completeExceptionally(new AssertionError("serve ended before serving"));
        }, "serve-output");
        pump.start();
        try
        {
            serving.get(120, TimeUnit.SECONDS);
            try (RegionClient client = new RegionClient(peers))
            {
                // The client's Ratis calls retry until the single node has elected itself.
                client.put(b("k"), b("v"));
                assertArrayEquals(b("v"), client.get(b("k")).value());
            }
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
        }
        finally
        {
            child.destroyForcibly();
        }
        final Path sm = data.resolve("raft").resolve(ReplicaNode.groupIdOf(ReplicaNode.ROOT_REGION_ID).getUuid()
            .toString()).resolve("sm");
        final List<String> entries;
        try (var list = Files.list(sm))
        {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        pump.join(30_000);
        assertTrue(entries.stream().noneMatch(n -> n.startsWith("tmp_")), "a snapshot left unfinished: " + entries +
            "\n" + output.toString().lines().filter(l -> !l.startsWith("\t"))
            .collect(java.util.stream.Collectors.joining("\n")));
        assertTrue(entries.stream().anyMatch(n -> n.startsWith("snap_") && !n.equals("snap_0_0")),
            "no snapshot taken as the node stopped: " + entries + "\n" + output);
    }

    /** "{@code ServeCommand.started} is a future the serve command completes when its node serves (or fails to start)". */
    @Test
    @Timeout(60)
    void aNodeThatCannotStartFailsItsStartedFutureAndExitsNonZero(@TempDir final Path dir) throws Exception
    {
        final Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        final RunningServe r = new RunningServe("serve", "--id", "n1", "--peers",
            RunningServe.list(RunningServe.freePeers(1)), "--data-dir", notADirectory.toString());
        assertThrows(ExecutionException.class, () -> r.command.started.get(30, TimeUnit.SECONDS));
        r.thread.join(30_000);
        assertFalse(r.thread.isAlive());
        assertNotEquals(0, r.exit.get(), r.err.toString());
        assertTrue(Files.isRegularFile(notADirectory));
    }

    /**
     * "{@code drive --replicas 3 ...} starts three nodes on free 127.0.0.1 ports (data under {@code --data-dir}, or a
     * temporary directory deleted at the end)".
     */
    @Test
    @Timeout(180)
    void driveReplicasWithoutADataDirDeletesItsTemporaryDirectory()
    {
        final ReplicatedReport r = ReplicatedReport.run("drive", "--replicas", "3", "--ops", "40", "--keys", "400",
            "--regions", "2", "--threads", "2", "--value-size", "32", "--batch-size", "4", "--seed", "3");
        assertEquals(0, r.exit, r.out + r.err);
        final Matcher m = Pattern.compile("started 3 nodes \\{([^}]*)\\} in (\\S+)").matcher(r.err);
        assertTrue(m.find(), r.err);
        for (final String address : m.group(1).split(", "))
        {
            assertTrue(address.contains("=127.0.0.1:"), "a node on 127.0.0.1: " + address);
        }
        final Path root = Path.of(m.group(2));
        assertFalse(Files.exists(root), "the temporary directory " + root + " is deleted at the end");
        assertTrue(r.out.contains("memory in use after close: 0 bytes on every node"), r.out);
    }
}
