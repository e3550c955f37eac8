package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.RegionCacheConfig;

/**
 * README.md "Replication (Apache Ratis, multi-Raft)", "Running a cluster" and "Fault scenarios": promises no earlier
 * test pinned. {@code NodeMain} refusing a peer list that does not parse (only a peer without {@code =} was checked);
 * {@code NodeMain} run as the README runs it (a child JVM): bound to loopback by default, its HTTP endpoint serving,
 * SIGTERM closing it with a snapshot, the data directory recovered on restart; a write a replica's engine refuses at
 * the call ({@code Config.cache(...)} limits below the entry's) answered {@code INVALID} and stored nowhere; the
 * index-0 snapshot of bootstrap and split replicas (logs start at 1); the prepare's eviction and the commit's join,
 * epoch bump and group removal on every replica; the Scan entry's type code; the README's openssl recipe. (The audit
 * that wrote it also found {@code LocalNodes.freePorts} picking ports in the ephemeral range: the range file was read
 * with {@code readAllBytes}, which gets one byte of that 0-size sysctl file; {@code FreePortsTest} now checks it.)
 */
class ReadmeAuditRatisNodeTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> nodeMainCommand(final String... args)
    {
        final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-cp", cp,
            NodeMain.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * README: NodeMain refuses "a port or peer list that does not parse" with a message and the usage, exit code 2.
     * {@code NodeMainOptionsTest} checks only a peer without {@code =}: here a port that is not a number, one outside
     * 1..65535, a peer without an id, a duplicated id and two peers at one address.
     */
    @Test
    @Timeout(120)
    void nodeMainRefusesAPeerListThatDoesNotParse(@TempDir final Path dir) throws Exception
    {
        final String data = dir.resolve("n1").toString();
        final String[][] cases = {
            {"no numeric port", "n1=127.0.0.1:x,n2=127.0.0.1:2"},
            {"1..65535", "n1=127.0.0.1:70000,n2=127.0.0.1:2"},
            {"1..65535", "n1=127.0.0.1:0,n2=127.0.0.1:2"},
            {"not ID=HOST:PORT", "n1=127.0.0.1:1,=127.0.0.1:2"},
            {"given twice", "n1=127.0.0.1:1,n1=127.0.0.1:2"},
            {"share the address", "n1=127.0.0.1:1,n2=127.0.0.1:1"},
        };
        for (final String[] c : cases)
        {
            final Process child = new ProcessBuilder(nodeMainCommand("--id", "n1", "--peers", c[1], "--data-dir",
                data)).redirectErrorStream(true).start();
            final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "NodeMain did not exit: " + c[1]);
            assertEquals(2, child.exitValue(), c[1] + ": " + out);
            assertTrue(out.contains(c[0]) && out.contains("usage: NodeMain"), c[1] + ": " + out);
        }
        // The whole TLS set, naming files that are not there: refused the same way, naming the option.
        final Process tls = new ProcessBuilder(nodeMainCommand("--id", "n1", "--peers", "n1=127.0.0.1:1", "--data-dir",
            data, "--tls-cert", dir.resolve("no.pem").toString(), "--tls-key", dir.resolve("no.key").toString(),
            "--tls-ca", dir.resolve("ca.pem").toString())).redirectErrorStream(true).start();
        final String out = new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tls.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, tls.exitValue(), out);
        assertTrue(out.contains("--tls-cert") && out.contains("not a readable file") && out.contains("usage: NodeMain"),
            out);
        assertTrue(!Files.exists(dir.resolve("n1")), "a refused command line creates nothing");
    }

    /**
     * README "Entries"/table: "a replica created by a split or at bootstrap writes a snapshot at log index 0 before
     * applying anything, so every group's log starts at 1". On each of three nodes, for region 1 (bootstrap) and the
     * left child of a split: the group's state-machine directory holds {@code snap_0_0} and its Raft log starts at
     * index 1 (nothing at 0); the child's group exists on the same three peers.
     */
    @Test
    @Timeout(120)
    void bootstrapAndSplitReplicasStartFromASnapshotAtIndexZero(@TempDir final Path dir) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.cache(RegionCacheConfig.builder()
            .segmentSize(256 << 10).capacityBytes(64L << 20))).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            client.put(b("z/a"), b("1"));
            final long left = client.split(b("z/m"));
            cluster.awaitLeader(left, 30_000);
            client.put(b("z/b"), b("2"));
            cluster.awaitConverged(30_000);
            for (final String id : cluster.peers.keySet())
            {
                final ReplicaNode n = cluster.node(id);
                for (final long region : new long[] {ReplicaNode.ROOT_REGION_ID, left})
                {
                    final org.apache.ratis.server.RaftServer.Division d =
                        n.server().getDivision(ReplicaNode.groupIdOf(region));
                    assertEquals(cluster.peers.keySet(), new java.util.TreeSet<>(d.getGroup().getPeers().stream()
                        .map(p -> p.getId().toString()).toList()), id + " region " + region + " peers");
                    assertEquals(1, d.getRaftLog().getStartIndex(), id + " region " + region + ": log starts at 1");
                    assertNull(d.getRaftLog().getTermIndex(0), id + " region " + region + ": nothing at index 0");
                    final String uuid = ReplicaNode.groupIdOf(region).getUuid().toString();
                    try (Stream<Path> s = Files.walk(dir.resolve(id)))
                    {
                        assertTrue(s.anyMatch(p -> p.toString().contains(uuid) && Files.isDirectory(p)
                            && p.getFileName().toString().equals("snap_0_0")),
                            id + " region " + region + ": a snapshot at index 0 on disk");
                    }
                }
            }
            cluster.assertHealthy();
        }
    }

    /**
     * README table: "{@code PrepareMerge} (source log: writes refused with {@code MERGING}, cache evicted),
     * {@code CommitMerge} (target log: ranges joined, epoch bumped, source group removed on every replica)". The
     * source's leader caches it (leader warm-up); the prepare evicts it ({@code MERGE}) so no node caches it; the commit
     * leaves the target with both ranges at an epoch above both regions' on every node, and no node hosts the
     * source's Raft group any more.
     */
    @Test
    @Timeout(120)
    void prepareEvictsTheSourceAndCommitJoinsBumpsAndRemovesItsGroupEverywhere(@TempDir final Path dir)
        throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.cache(RegionCacheConfig.builder()
            .segmentSize(256 << 10).capacityBytes(64L << 20))).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            client.put(b("m/a"), b("src"));
            client.put(b("m/x"), b("dst"));
            final long source = client.split(b("m/m"));
            final long target = ReplicaNode.ROOT_REGION_ID;
            final String sourceLeader = cluster.awaitLeader(source, 30_000);
            final ReplicaNode sl = cluster.node(sourceLeader);
            cluster.await(() -> sl.engine().cache().stateOf(source) == io.regioncache.RegionState.ACTIVE,
                "the source's leader cached it");
            final Map<String, Long> mergeEvictions = new HashMap<>();
            cluster.running.forEach((id, n) -> mergeEvictions.put(id, n.engine().cache().metrics()
                .get("evictions.MERGE")));
            final long changes = cluster.leaderChanges();
            final RegionMeta sourceBefore = client.describe(source);
            final RegionMeta targetBefore = client.describe(target);

            client.prepareMerge(source, target);
            cluster.awaitConverged(30_000);
            for (final ReplicaNode n : cluster.running.values())
            {
                assertEquals(RegionMeta.State.MERGING, n.regions().get(source).state(), n.id());
                final io.regioncache.RegionState st = n.engine().cache().stateOf(source);
                assertTrue(st != io.regioncache.RegionState.ACTIVE, n.id() + " still caches the source: " + st);
            }
            // The node that cached the source counted a MERGE eviction (unless an election timeout moved the source's
            // leadership meanwhile: then the cached copy may have gone as BECOME_FOLLOWER instead).
            if (cluster.leaderChanges() == changes)
            {
                assertTrue(sl.engine().cache().metrics().get("evictions.MERGE") > mergeEvictions.get(sourceLeader),
                    "the source's cached copy was evicted for the merge");
            }
            assertEquals(Reply.Status.MERGING, assertThrows(RegionClientException.class,
                () -> client.put(b("m/b"), b("refused"))).status());

            client.commitMerge(source, target);
            for (final ReplicaNode n : cluster.running.values())
            {
                cluster.await(() -> !n.regions().containsKey(source) && !groupHosted(n, source),
                    n.id() + " removed the source's group");
                final RegionMeta t = n.regions().get(target);
                assertArrayEquals(sourceBefore.start(), t.start(), n.id());
                assertArrayEquals(targetBefore.end(), t.end(), n.id());
                assertTrue(t.epochVersion() > Math.max(sourceBefore.epochVersion(), targetBefore.epochVersion()),
                    n.id() + " epoch bumped: " + t + " from " + sourceBefore + " / " + targetBefore);
            }
            cluster.awaitConverged(30_000);
            assertArrayEquals(b("src"), client.get(b("m/a")).value());
            assertEquals(target, client.get(b("m/a")).regionId());
            cluster.assertHealthy();
        }
    }

    private static boolean groupHosted(final ReplicaNode n, final long region)
    {
        for (final org.apache.ratis.protocol.RaftGroupId g : n.server().getGroupIds())
        {
            if (g.equals(ReplicaNode.groupIdOf(region)))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * README: "A scan sends a {@code Scan} query (entry type 18)"; "Entries ({@code EntryCodec}, format 2): one format
     * byte, one type byte, varints for region, epoch and version, then the body".
     */
    @Test
    void aScanIsEntryTypeEighteenInFormatTwo() throws Exception
    {
        final byte[] scan = EntryCodec.encode(new Entry.Scan(5, 7, 9, b("a"), b("b"), 100));
        assertEquals(2, scan[0], "format byte");
        assertEquals(18, scan[1], "type byte of a Scan");
        assertEquals(5, scan[2], "region varint");
        assertEquals(7, scan[3], "epoch varint");
        assertEquals(9, scan[4], "version varint");
        assertTrue(EntryCodec.decode(scan) instanceof Entry.Scan);
    }

    /**
     * README "Mutual TLS": "Making a throwaway CA and certificates with {@code openssl} (3.x)", the recipe run as
     * printed (bash, in a temporary directory; skipped where no {@code openssl} is on the PATH), gives files a node
     * and a client take as they are: the key is PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), and a 3-node cluster
     * with {@code n1..n3.pem/.key} and a client built with
     * {@code RegionClient.builder(peers).tls(new TlsFiles(cert, key, ca)).build()} writes, splits and reads from a
     * follower.
     */
    @Test
    @Timeout(120)
    void theReadmeOpensslRecipeMakesCertificatesATlsClusterTakes(@TempDir final Path dir) throws Exception
    {
        final Path certs = dir.resolve("certs");
        Files.createDirectories(certs);
        final String recipe = String.join("\n",
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj \"/CN=regioncache CA\" \\",
            "    -keyout ca.key -out ca.pem",
            "for n in n1 n2 n3 client; do",
            "  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj \"/CN=$n\" -keyout $n.key -out $n.csr",
            "  openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -out $n.pem -extfile \\",
            "    <(printf \"subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\")",
            "done");
        final Process p;
        try
        {
            p = new ProcessBuilder("bash", "-ec", recipe).directory(certs.toFile()).redirectErrorStream(true).start();
        }
        catch (final IOException noBash)
        {
            org.junit.jupiter.api.Assumptions.abort("no bash: " + noBash);
            return;
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assumptions.assumeFalse(p.exitValue() == 127 || out.contains("openssl: command not found"),
            "no openssl: " + out);
        assertEquals(0, p.exitValue(), recipe + "\n" + out);
        assertTrue(Files.readString(certs.resolve("n1.key")).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");

        final java.util.function.Function<String, TlsFiles> files = n -> new TlsFiles(certs.resolve(n + ".pem"),
            certs.resolve(n + ".key"), certs.resolve("ca.pem"));
        try (LocalCluster cluster = new LocalCluster(dir.resolve("nodes"), 3, c -> c.tls(files.apply(c.id()))
            .cache(RegionCacheConfig.builder().segmentSize(256 << 10).capacityBytes(64L << 20))).startAll();
             RegionClient client = RegionClient.builder(cluster.peers).tls(files.apply("client")).build())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            client.put(b("tls/a"), b("1"));
            final long left = client.split(b("tls/m"));
            cluster.awaitLeader(left, 30_000);
            client.put(b("tls/z"), b("2"));
            cluster.awaitConverged(30_000);
            for (final String n : cluster.peers.keySet())
            {
                assertArrayEquals(b("1"), client.getFromFollower(b("tls/a"), n).value(), n);
                assertArrayEquals(b("2"), client.getFromFollower(b("tls/z"), n).value(), n);
            }
            cluster.assertHealthy();
        }
    }

    /**
     * README "Running a cluster", as a user runs it: {@code NodeMain} (no {@code --bind}) binds its Raft port and its
     * HTTP endpoint to 127.0.0.1 only; the first start creates region 1 and serves a client given only the address;
     * {@code GET /metrics} shows it leading region 1; "Ctrl-C (SIGTERM) closes the node (Ratis takes a snapshot as it
     * stops), and the process exits once the close is done"; "a restart with the same data directory recovers every
     * region from Ratis' storage". (The in-process stop is checked by {@code RatisReadmeContractTest}; NodeMain's
     * SIGTERM path, its shutdown hook, by nothing before.)
     */
    @Test
    @Timeout(150)
    void nodeMainServesOnLoopbackAndSigtermClosesItWithASnapshot(@TempDir final Path dir) throws Exception
    {
        final int[] ports = LocalNodes.freePorts(2);
        final Map<String, String> peers = Map.of("n1", "127.0.0.1:" + ports[0]);
        final Path data = dir.resolve("n1");
        final Process child = new ProcessBuilder(nodeMainCommand("--id", "n1", "--peers", "n1=" + peers.get("n1"),
            "--data-dir", data.toString(), "--http-port", Integer.toString(ports[1])))
            .redirectErrorStream(true).start();
        final StringBuffer out = new StringBuffer();
        final CountDownLatch serving = new CountDownLatch(1);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = r.readLine()) != null)
                {
                    out.append(line).append('\n');
                    if (line.startsWith("node n1 serving"))
                    {
                        serving.countDown();
                    }
                }
            }
            catch (final IOException ex)
            {
                out.append(ex).append('\n');
            }
        }, "nodemain-output");
        reader.setDaemon(true);
        reader.start();
        long applied;
        try
        {
            assertTrue(serving.await(60, TimeUnit.SECONDS), "NodeMain serving: " + out);
            // Not reachable on any other interface of this machine (bound to 127.0.0.1 unless --bind is given).
            for (final InetAddress other : nonLoopbackAddresses())
            {
                for (final int port : ports)
                {
                    try (Socket s = new Socket())
                    {
                        assertThrows(ConnectException.class,
                            () -> s.connect(new InetSocketAddress(other, port), 5_000),
                            "port " + port + " must not be reachable on " + other);
                    }
                }
            }
            try (RegionClient client = new RegionClient(peers))
            {
                assertTrue(client.put(b("sig/k"), b("before-sigterm")) > 0);
                assertArrayEquals(b("before-sigterm"), client.get(b("sig/k")).value());
                assertEquals(ReplicaNode.ROOT_REGION_ID, client.locate(b("sig/k")).id(), "region 1 holds every key");
            }
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            final HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ports[1] + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            final String text = metrics.body();
            assertEquals(1.0, sample(text, "regioncache_raft_role{node=\"n1\",region=\"1\",role=\"LEADER\"}"), text);
            applied = (long) sample(text, "regioncache_raft_applied_index{node=\"n1\",region=\"1\"}");
            assertTrue(applied > 0, text);

            child.destroy(); // SIGTERM, as Ctrl-C
            assertTrue(child.waitFor(90, TimeUnit.SECONDS), "SIGTERM: the process exits once the close is done");
            reader.join(10_000);
        }
        finally
        {
            if (child.isAlive())
            {
                child.destroyForcibly();
                child.waitFor(20, TimeUnit.SECONDS);
            }
        }
        System.out.println("NodeMain exit code after SIGTERM: " + child.exitValue() + "\n" + out);
        final long snapshotIndex = newestSnapshotIndex(data);
        assertTrue(snapshotIndex >= applied, "Ratis took a snapshot as the node stopped: newest snapshot at " +
            snapshotIndex + ", applied index " + applied + " (automatic snapshots only every 1,000 entries)");

        final ReplicaNode node = ReplicaNode.start(new ReplicaNode.Config("n1", peers, data));
        try (RegionClient client = new RegionClient(peers))
        {
            assertTrue(node.progress().await(() -> node.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000),
                "the restarted node leads region 1");
            assertEquals(List.of(ReplicaNode.ROOT_REGION_ID), new ArrayList<>(node.regions().keySet()));
            assertArrayEquals(b("before-sigterm"), client.get(b("sig/k")).value(), "recovered from the data dir");
        }
        finally
        {
            node.close();
        }
        assertEquals(0, node.engine().cache().memoryInUse());
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException
    {
        final List<InetAddress> out = new ArrayList<>();
        for (final NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces()))
        {
            if (!ni.isUp() || ni.isLoopback())
            {
                continue;
            }
            for (final InetAddress a : Collections.list(ni.getInetAddresses()))
            {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                {
                    out.add(a);
                }
            }
        }
        return out;
    }

    private static double sample(final String text, final String series)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), series + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static long newestSnapshotIndex(final Path data) throws IOException
    {
        final Pattern snap = Pattern.compile("snap_(\\d+)_(\\d+)");
        long newest = -1;
        try (Stream<Path> s = Files.walk(data))
        {
            for (final Path p : (Iterable<Path>) s::iterator)
            {
                final Matcher m = snap.matcher(p.getFileName().toString());
                if (Files.isDirectory(p) && m.matches())
                {
                    newest = Math.max(newest, Long.parseLong(m.group(2)));
                }
            }
        }
        return newest;
    }

    /**
     * README "Entries": "A write a replica's engine refuses at the call (a key or value over the limits its
     * {@code Config.cache(...)} set, below the entry's) is answered {@code INVALID} and not acknowledged at a version".
     * Three nodes with a 32-byte key and 64-byte value limit: a value of 65 bytes, a key of 33 and a batch with one
     * such value are each refused {@code INVALID} (no version), absent on every replica (the batch's other key too);
     * the values at the limits are stored; the replicas agree.
     */
    @Test
    @Timeout(120)
    void aWriteTheEnginesRefuseIsInvalidAndStoredNowhere(@TempDir final Path dir) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.cache(RegionCacheConfig.builder()
            .segmentSize(256 << 10).capacityBytes(64L << 20).maxKeyLength(32).maxValueLength(64))).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            final byte[] atLimit = new byte[64];
            final byte[] overLimit = new byte[65];
            final String longKey = "e/" + "k".repeat(31);
            final String maxKey = "e/" + "k".repeat(30);
            final long first = client.put(b("e/ok"), atLimit);
            assertTrue(first > 0);
            assertTrue(client.put(b(maxKey), b("v")) > first);

            final RegionClientException value = assertThrows(RegionClientException.class,
                () -> client.put(b("e/over"), overLimit));
            assertEquals(Reply.Status.INVALID, value.status(), value.getMessage());
            final RegionClientException key = assertThrows(RegionClientException.class,
                () -> client.put(b(longKey), b("v")));
            assertEquals(Reply.Status.INVALID, key.status(), key.getMessage());
            final Map<byte[], byte[]> batch = new HashMap<>();
            batch.put(b("e/a"), b("x"));
            batch.put(b("e/b"), overLimit);
            final RegionClientException mixed = assertThrows(RegionClientException.class, () -> client.write(batch));
            assertEquals(Reply.Status.INVALID, mixed.status(), mixed.getMessage());

            final long after = client.put(b("e/after"), b("v"));
            assertTrue(after > first, "the region still takes writes");
            cluster.awaitConverged(30_000);
            for (final String node : cluster.peers.keySet())
            {
                for (final String absent : List.of("e/over", longKey, "e/a", "e/b"))
                {
                    assertNull(client.getFromFollower(b(absent), node).value(), absent + " on " + node);
                }
                assertArrayEquals(atLimit, client.getFromFollower(b("e/ok"), node).value(), node);
                assertArrayEquals(b("v"), client.getFromFollower(b(maxKey), node).value(), node);
            }
            assertNull(client.get(b("e/over")).value());
            cluster.assertHealthy();
        }
    }
}
