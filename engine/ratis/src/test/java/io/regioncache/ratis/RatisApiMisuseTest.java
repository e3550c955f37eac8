package io.regioncache.ratis;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/**
 * The public API of {@code regioncache-ratis} misused: {@code ReplicaNode.Config} with null, missing, malformed and
 * duplicate peers and bad settings; {@code ReplicaNode.start} on a Raft port in use, on a data directory another node
 * holds, with a refused cache setting; a node used after close; {@code RegionClient} and its builder with bad peers
 * and bad arguments, used after close; {@code EntryCodec.encode} of malformed entries; the HTTP endpoint sent
 * requests that are not the GETs it serves. Each answer is typed and documented at the call: never a JVM exit (Ratis
 * calls {@code System.exit} when its gRPC server cannot bind), a leaked store or client, a hang, or an exception from
 * inside; the node and the client serve a write and a read afterwards.
 * <p>
 * One single-node cluster serves the class (a one-peer group elects itself in about a second); what needs no
 * server runs without one. What {@code RatisReadmeContractTest}, {@code BasicReplicationTest},
 * {@code NodeHttpEndpointTest} and {@code EntryCodecTest} check (request limits, malformed bytes on the wire, the
 * endpoint's 405/404 for well-formed requests) is not repeated. Where a test failed on the code it was written
 * against, its Javadoc says what the code did then ("Was: ...").
 */
class RatisApiMisuseTest
{
    private static final long WAIT_MS = 30_000;

    @TempDir
    static Path shared;

    private static ReplicaNode node;
    private static Map<String, String> peers;
    private static RegionClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void startOneNode() throws Exception
    {
        peers = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        node = ReplicaNode.start(new ReplicaNode.Config("n1", peers, shared.resolve("n1")));
        assertTrue(node.progress().await(() -> node.isLeader(ReplicaNode.ROOT_REGION_ID), WAIT_MS), "a leader");
        client = RegionClient.builder(peers).retries(5).build();
        client.put(b("a"), b("va"));
    }

    @AfterAll
    static void stopTheNode()
    {
        if (client != null)
        {
            client.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    /** The node and the client still serve: a write, then a linearizable read of it and of the first write. */
    private static void assertServes()
    {
        final byte[] value = b("v" + System.nanoTime());
        client.put(b("k"), value);
        assertArrayEquals(value, client.get(b("k")).value(), "the cluster serves after a refused call");
        assertArrayEquals(b("va"), client.get(b("a")).value());
    }

    private static <T extends Throwable> T throwsExactly(final Class<T> type, final Executable call)
    {
        final Throwable t = assertThrows(Throwable.class, call);
        assertEquals(type, t.getClass(), () -> "expected " + type.getSimpleName() + " but got " + t);
        return type.cast(t);
    }

    private static void refused(final String naming, final Executable call)
    {
        final IllegalArgumentException ex = throwsExactly(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage().contains(naming), () -> "the message must name " + naming + ": " + ex.getMessage());
    }

    private static Map<String, String> map(final String... kv)
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    // ================================================================== configuration, no server

    /**
     * {@code ReplicaNode.Config} and its setters refuse what the node could not run with, at the call, naming it:
     * null arguments; no peers; an address without a port, with a port outside 1..65535 or not a number; two peers at
     * one address; a non-positive snapshot threshold or segment size; a null cache, follower policy or segment
     * size. Was: all accepted (but a null id, which was "not among the peers"); a port that is not a number failed
     * at start with {@code NumberFormatException} from inside, one out of range reached gRPC; a null dataDir or cache
     * failed at start with {@code NullPointerException} from inside (the cache's after the node's RocksDB was opened,
     * leaving it open and its directory locked); a snapshot threshold of 0 made Ratis snapshot after every entry.
     */
    @Test
    void configRefusesBadPeersAndSettingsNamingThem()
    {
        final Path d = dir.resolve("n");
        final Map<String, String> one = map("n1", "127.0.0.1:9");
        throwsExactly(NullPointerException.class, () -> new ReplicaNode.Config(null, one, d));
        throwsExactly(NullPointerException.class, () -> new ReplicaNode.Config("n1", null, d));
        final NullPointerException noDir = throwsExactly(NullPointerException.class,
            () -> new ReplicaNode.Config("n1", one, null));
        assertEquals("dataDir", noDir.getMessage());
        refused("n2", () -> new ReplicaNode.Config("n2", one, d));
        refused("peers", () -> new ReplicaNode.Config("n1", Map.of(), d));
        for (final String bad : new String[] {"127.0.0.1", "127.0.0.1:", "127.0.0.1:x", ":9000", "127.0.0.1:0",
            "127.0.0.1:-1", "127.0.0.1:65536", "127.0.0.1:99999999999"})
        {
            refused("n1", () -> new ReplicaNode.Config("n1", map("n1", bad), d));
        }
        refused("share", () -> new ReplicaNode.Config("n1", map("n1", "127.0.0.1:9", "n2", "127.0.0.1:9"), d));
        final Map<String, String> nullAddress = new HashMap<>();
        nullAddress.put("n1", null);
        throwsExactly(NullPointerException.class, () -> new ReplicaNode.Config("n1", nullAddress, d));

        final ReplicaNode.Config c = new ReplicaNode.Config("n1", map("n1", "[::1]:9", "n2", "127.0.0.1:9"), d);
        refused("snapshotThreshold", () -> c.snapshotThreshold(0));
        refused("snapshotThreshold", () -> c.snapshotThreshold(-1));
        refused("segmentSize", () -> c.segmentSize(SizeInBytes.valueOf(0)));
        throwsExactly(NullPointerException.class, () -> c.segmentSize(null));
        throwsExactly(NullPointerException.class, () -> c.cache(null));
        throwsExactly(NullPointerException.class, () -> c.followerPolicy(null));
        throwsExactly(NullPointerException.class, () -> c.bindHost(null));
        throwsExactly(NullPointerException.class, () -> ReplicaNode.start(null));
        assertEquals(ReplicaNode.FollowerCachePolicy.EVICT, c.followerPolicy(), "refused setters changed nothing");
        c.snapshotThreshold(1).segmentSize(SizeInBytes.valueOf(1)).snapshotThreshold(Long.MAX_VALUE);
        assertFalse(Files.exists(d), "nothing created by a refused configuration");
    }

    /**
     * {@code RegionClient}'s builder and constructor refuse empty peers and bad addresses at the call; every method
     * checks its arguments before anything is sent: nulls, an empty batch, a negative scan limit, a node that is not
     * a peer, a negative region id (the codec's {@code INVALID}, as for a request over a limit). No server runs:
     * each answer comes at the call. Was: an empty peer map threw {@code IllegalArgumentException} ("bound must be
     * positive") from {@code Random}, an empty batch {@code NoSuchElementException}, a negative scan limit
     * {@code IllegalArgumentException} ("Illegal Capacity"), a negative region id the wire writer's
     * {@code IllegalArgumentException}, and an unknown node was asked (and retried) as if it existed.
     */
    @Test
    void theClientRefusesBadPeersAndArgumentsAtTheCall() throws Exception
    {
        throwsExactly(NullPointerException.class, () -> RegionClient.builder(null));
        refused("peers", () -> RegionClient.builder(Map.of()));
        refused("peers", () -> new RegionClient(Map.of()));
        refused("n1", () -> RegionClient.builder(map("n1", "localhost")));
        refused("share", () -> RegionClient.builder(map("n1", "h:1", "n2", "h:1")));
        refused("retries", () -> RegionClient.builder(map("n1", "h:1")).retries(-1));

        final Map<String, String> dead = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        try (RegionClient c = RegionClient.builder(dead).retries(0).build())
        {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
            {
                throwsExactly(NullPointerException.class, () -> c.write(null));
                refused("empty", () -> c.write(Map.of()));
                final Map<byte[], byte[]> nullKey = new HashMap<>();
                nullKey.put(null, b("v"));
                throwsExactly(NullPointerException.class, () -> c.write(nullKey));
                throwsExactly(NullPointerException.class, () -> c.put(null, b("v")));
                throwsExactly(NullPointerException.class, () -> c.put(b("k"), null));
                throwsExactly(NullPointerException.class, () -> c.delete(null));
                throwsExactly(NullPointerException.class, () -> c.get(null));
                throwsExactly(NullPointerException.class, () -> c.split(null));
                throwsExactly(NullPointerException.class, () -> c.deleteRange(null, b("z")));
                throwsExactly(NullPointerException.class, () -> c.scan(null, b(""), 5));
                throwsExactly(NullPointerException.class, () -> c.scan(b("a"), null, 5));
                refused("limit", () -> c.scan(b("a"), b(""), -1));
                assertEquals(List.of(), c.scan(b("a"), b(""), 0), "limit 0: nothing, nothing sent");
                throwsExactly(NullPointerException.class, () -> c.getFromFollower(b("k"), null));
                refused("n9", () -> c.getFromFollower(b("k"), "n9"));
                refused("n9", () -> c.snapshot(1, "n9"));
                refused("n9", () -> c.transferLeader(1, "n9"));
                final RegionClientException negative = throwsExactly(RegionClientException.class,
                    () -> c.describe(-1));
                assertEquals(Reply.Status.INVALID, negative.status());
                assertTrue(negative.getCause() instanceof EntryFormatException, String.valueOf(negative.getCause()));
                assertEquals(Reply.Status.INVALID,
                    throwsExactly(RegionClientException.class, () -> c.prepareMerge(-1, 2)).status());
                throwsExactly(NullPointerException.class, () -> c.sendRaw(1, null));
                assertEquals(0, c.refreshes(), "nothing above reached the cluster");
            });
        }
    }

    /**
     * A client used after {@code close()} (twice) refuses every call that would reach the cluster with
     * {@code IllegalStateException}, at once, and opens no connection; its local accessors answer. Was: each call
     * after close built a new Ratis client (never closed: a gRPC channel and its threads leaked per region) and
     * went on retrying against the cluster.
     */
    @Test
    void aClosedClientRefusesEveryCallAndOpensNothing()
    {
        final RegionClient c = RegionClient.builder(peers).retries(1).build();
        assertArrayEquals(b("va"), c.get(b("a")).value());
        final int routes = c.routes().size();
        c.close();
        c.close();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
        {
            final List<Executable> calls = List.of(
                c::refresh, () -> c.describe(1), () -> c.locate(b("a")), () -> c.put(b("a"), b("x")),
                () -> c.delete(b("a")), () -> c.write(Map.of(b("a"), b("x"))), () -> c.split(b("m")),
                () -> c.deleteRange(b("a"), b("b")), () -> c.prepareMerge(1, 2), () -> c.rollbackMerge(1),
                () -> c.commitMerge(1, 2), () -> c.commitMerge(1, 2, true), () -> c.snapshot(1, "n1"),
                () -> c.transferLeader(1, "n1"), () -> c.awaitAllCommitted(1, 1, 1_000), () -> c.get(b("a")),
                () -> c.getFromFollower(b("a"), "n1"), () -> c.scan(b("a"), b(""), 10), () -> c.sendRaw(1, b("x")));
            for (final Executable call : calls)
            {
                throwsExactly(IllegalStateException.class, call);
            }
        });
        assertEquals(routes, c.routes().size(), "local accessors answer");
        assertServes();
    }

    /**
     * A client that reaches no node (here a port nothing listens on; in the 2026-12-05 audit a plaintext client
     * against a mutual-TLS cluster) is refused with a message that says no node answered, not only that no region
     * holds its key.
     */
    @Test
    void aClientThatReachesNoNodeSaysSo() throws IOException
    {
        final int port = LocalNodes.freePorts(1)[0];
        try (RegionClient c = RegionClient.builder(Map.of("n1", "127.0.0.1:" + port)).retries(1).build())
        {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
            {
                final RegionClientException ex = assertThrows(RegionClientException.class, () -> c.locate(b("a")));
                assertEquals(Reply.Status.KEY_NOT_IN_REGION, ex.status());
                assertTrue(ex.getMessage().contains("no node answered (1 tried"), ex.getMessage());
            });
        }
    }

    // ================================================================== EntryCodec

    /**
     * {@code EntryCodec.encode} of an entry the writer would trip over: null arrays, a put without a value, split
     * keys and ids that do not pair up, negative numbers; each is an {@code EntryFormatException} with a reason
     * (what the client turns into {@code INVALID}), a null entry a {@code NullPointerException};
     * {@code withVersion} of a query an {@code IllegalArgumentException}. Was: {@code ArrayIndexOutOfBoundsException}
     * for unpaired split arrays, {@code NullPointerException} from inside for null arrays, the wire writer's
     * {@code IllegalArgumentException} for negative numbers.
     */
    @Test
    void encodeRefusesMalformedEntriesWithAReason()
    {
        throwsExactly(NullPointerException.class, () -> EntryCodec.encode(null));
        throwsExactly(NullPointerException.class, () -> EntryCodec.decode(null));
        final byte[] k = b("k");
        final Entry[] malformed = {
            new Entry.Write(1, 1, 0, null),
            new Entry.Write(1, 1, 0, Arrays.asList((Entry.Op)null)),
            new Entry.Write(1, 1, 0, List.of(new Entry.Op(WriteBatch.PUT, null, k))),
            new Entry.Write(1, 1, 0, List.of(new Entry.Op(WriteBatch.PUT, k, null))),
            new Entry.Split(1, 1, 0, new byte[][] {k, b("m")}, new long[] {5}),
            new Entry.Split(1, 1, 0, new byte[][] {k}, null),
            new Entry.Split(1, 1, 0, new byte[][] {null}, new long[] {5}),
            new Entry.DeleteRange(1, 1, 0, null, k),
            new Entry.Get(1, 1, 0, null),
            new Entry.Scan(1, 1, 0, k, null, 5),
            new Entry.CommitMerge(1, 1, 0, 2, 1, null, k, 0),
            new Entry.Get(-1, 1, 0, k),
            new Entry.Get(1, -1, 0, k),
            new Entry.Write(1, 1, Long.MIN_VALUE, List.of(new Entry.Op(WriteBatch.DELETE, k, null))),
            new Entry.PrepareMerge(1, 1, 0, -2),
            new Entry.Scan(1, 1, 0, k, b(""), -5),
        };
        for (final Entry e : malformed)
        {
            final EntryFormatException ex = throwsExactly(EntryFormatException.class, () -> EntryCodec.encode(e));
            assertTrue(ex.reason() == EntryFormatException.Reason.INVALID ||
                ex.reason() == EntryFormatException.Reason.BAD_NUMBER, () -> e + ": " + ex);
        }
        throwsExactly(IllegalArgumentException.class, () -> EntryCodec.withVersion(new Entry.Get(1, 1, 0, k), 5));
        throwsExactly(IllegalArgumentException.class, () -> EntryCodec.withVersion(null, 5));
        final Entry ok = new Entry.Write(1, 1, 0, List.of(new Entry.Op(WriteBatch.PUT, k, b("v"))));
        assertEquals(ok.regionId(), EntryCodec.decode(EntryCodec.encode(ok)).regionId());
    }

    // ================================================================== a node started wrong, and after close

    /**
     * {@code ReplicaNode.start}: "@throws IOException if Ratis or RocksDB cannot start", and a failed start leaves
     * nothing open. A Raft port another socket holds, a data directory the running node holds (another port), a
     * refused cache setting: each fails typed; then the same directory and port start a node that serves. After its
     * close (twice) the node answers its accessors (no role, not leader), its engine answers {@code CLOSED}, group
     * changes are refused with {@code IllegalStateException}, {@code ReplicaCheck.digest} throws
     * {@code StoreException}, and its HTTP endpoint answers ({@code /digests} a 500, the rest 200), never a dropped
     * connection or a read of the released database. Was: the port in use made Ratis call
     * {@code System.exit(1)} (the test JVM died); the held directory threw RocksDB's {@code StoreException}, not the
     * documented {@code IOException}; after close {@code isLeader} still said true and
     * {@code detachReplica}/{@code attachReplica} went through to the closed Ratis server; {@code digest} iterated
     * the closed RocksDB through {@code db()} (a native use-after-free), and the endpoint's 500 went to an exchange
     * already closed, so the client saw the connection drop.
     */
    @Test
    void aFailedStartLeavesNothingOpenAndAClosedNodeAnswersTyped() throws Exception
    {
        final Path d = dir.resolve("m1");
        try (ServerSocket taken = new ServerSocket())
        {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            final Map<String, String> mine = Map.of("m1", "127.0.0.1:" + taken.getLocalPort());
            final IOException inUse = throwsExactly(IOException.class,
                () -> ReplicaNode.start(new ReplicaNode.Config("m1", mine, d)));
            assertTrue(inUse.getMessage().contains(String.valueOf(taken.getLocalPort())), inUse::getMessage);
            throwsExactly(IOException.class, () -> ReplicaNode.start(new ReplicaNode.Config("m1", mine, d)
                .bindHost("203.0.113.7")));
        }
        final Map<String, String> other = Map.of("n1", "127.0.0.1:" + LocalNodes.freePort());
        throwsExactly(IOException.class, () -> ReplicaNode.start(new ReplicaNode.Config("n1", other,
            shared.resolve("n1"))));
        assertServes();

        final Map<String, String> mine = Map.of("m1", "127.0.0.1:" + LocalNodes.freePort());
        refused("capacityBytes", () -> ReplicaNode.start(new ReplicaNode.Config("m1", mine, d)
            .cache(RegionCacheConfig.builder().capacityBytes(-1))));
        final ReplicaNode m = ReplicaNode.start(new ReplicaNode.Config("m1", mine, d));
        final NodeHttpServer http;
        try
        {
            assertTrue(m.progress().await(() -> m.isLeader(ReplicaNode.ROOT_REGION_ID), WAIT_MS), "m1 leads");
            http = NodeHttpServer.start(m, new InetSocketAddress("127.0.0.1", 0));
        }
        finally
        {
            m.close();
        }
        m.close();
        try
        {
            assertFalse(m.isLeader(ReplicaNode.ROOT_REGION_ID));
            assertNull(m.role(ReplicaNode.ROOT_REGION_ID));
            assertEquals(-1, m.commitIndex(ReplicaNode.ROOT_REGION_ID));
            m.appliedIndex(ReplicaNode.ROOT_REGION_ID);
            m.regions();
            assertEquals(ResultCode.CLOSED, m.engine().write(new WriteBatch(1, 1, 5).put(b("a"), b("x"))).join().code());
            throwsExactly(IllegalStateException.class, () -> m.detachReplica(ReplicaNode.ROOT_REGION_ID));
            throwsExactly(IllegalStateException.class, () -> m.attachReplica(ReplicaNode.ROOT_REGION_ID));
            throwsExactly(io.regioncache.StoreException.class,
                () -> ReplicaCheck.digest(m, m.regions().get(ReplicaNode.ROOT_REGION_ID)));
            final HttpClient h = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (final String path : new String[] {"/state", "/digests", "/regions", "/metrics"})
            {
                final HttpResponse<String> r = h.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                    http.port() + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(path.equals("/digests") ? 500 : 200, r.statusCode(), () -> path + ": " + r.body());
            }
        }
        finally
        {
            http.close();
            http.close();
        }
        try (ReplicaNode again = ReplicaNode.start(new ReplicaNode.Config("m1", mine, d)))
        {
            assertTrue(again.progress().await(() -> again.isLeader(ReplicaNode.ROOT_REGION_ID), WAIT_MS),
                "the closed node's directory and port start again");
        }
    }

    // ================================================================== a running node

    /**
     * On the running node: {@code awaitAllCommitted} with an absurdly long timeout waits (and is answered), one with
     * a negative timeout answers {@code false} at once; the client serves. Was: the timeout was multiplied into
     * nanoseconds with overflow, so {@code Long.MAX_VALUE} returned {@code false} without waiting.
     */
    @Test
    void awaitAllCommittedTakesAnyTimeout() throws Exception
    {
        final long index = node.commitIndex(ReplicaNode.ROOT_REGION_ID);
        assertTrue(index > 0);
        assertTrue(client.awaitAllCommitted(ReplicaNode.ROOT_REGION_ID, index, Long.MAX_VALUE),
            "committed everywhere: true, however long it was allowed to take");
        assertFalse(client.awaitAllCommitted(ReplicaNode.ROOT_REGION_ID, index, -5), "no time at all: false");
        assertServes();
    }

    /**
     * The HTTP endpoint sent what it does not serve: a HEAD, a POST with a 1 MiB body, a request line that is not
     * HTTP, a 64 KiB URL, a path with a bad escape, a request cut off before its headers end; each is answered (or the
     * connection closed) within seconds, and the endpoint then serves a GET of every path. A second endpoint on the
     * same port is an {@code IOException}; a null node a {@code NullPointerException}; close twice is harmless.
     */
    @Test
    void theHttpEndpointSurvivesRequestsItDoesNotServe() throws Exception
    {
        final NodeHttpServer http = NodeHttpServer.start(node, new InetSocketAddress("127.0.0.1", 0));
        try
        {
            final int port = http.port();
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            {
                assertTrue(raw(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .startsWith("HTTP/1.1 405"));
                final String body = "x".repeat(1 << 20);
                assertTrue(raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                    body.length() + "\r\n\r\n" + body).startsWith("HTTP/1.1 405"));
                final String garbage = raw(port, "\u0001\u0002 garbage\r\n\r\n");
                assertTrue(garbage.isEmpty() || garbage.startsWith("HTTP/1.1 400"), garbage);
                final String longUrl = raw(port, "GET /" + "a".repeat(64 << 10) + " HTTP/1.1\r\nHost: x\r\n" +
                    "Connection: close\r\n\r\n");
                assertTrue(longUrl.isEmpty() || longUrl.startsWith("HTTP/1.1 4"), longUrl);
                final String escape = raw(port, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(escape.isEmpty() || escape.startsWith("HTTP/1.1 4"), escape);
                final String cut = raw(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n");
                assertTrue(cut.isEmpty() || cut.startsWith("HTTP/1.1"), cut);
                for (final String path : new String[] {"/metrics", "/regions", "/state", "/digests"})
                {
                    final String ok = raw(port, "GET " + path + "?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    assertTrue(ok.startsWith("HTTP/1.1 200"), () -> path + ": " + ok.lines().findFirst().orElse(""));
                }
            });
            throwsExactly(java.net.BindException.class,
                () -> NodeHttpServer.start(node, new InetSocketAddress("127.0.0.1", port)));
            throwsExactly(NullPointerException.class,
                () -> NodeHttpServer.start(null, new InetSocketAddress("127.0.0.1", 0)));
        }
        finally
        {
            http.close();
            http.close();
        }
        assertServes();
    }

    /**
     * Sends raw bytes and reads the answer until the server closes the connection (the server must close or answer
     * within 10 s: a read that times out fails the test), half-closing the output after the request.
     *
     * @return the response, or "" if the server closed without answering.
     */
    private static String raw(final int port, final String request) throws IOException
    {
        try (Socket s = new Socket("127.0.0.1", port))
        {
            s.setSoTimeout(10_000);
            final OutputStream out = s.getOutputStream();
            try
            {
                out.write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                out.flush();
                s.shutdownOutput();
            }
            catch (final IOException closedEarly)
            {
                // the server refused the request before reading it all: what it answered is still readable
            }
            final InputStream in = s.getInputStream();
            final ByteArrayOutputStream response = new ByteArrayOutputStream();
            final byte[] buf = new byte[8192];
            try
            {
                for (int n; (n = in.read(buf)) >= 0; )
                {
                    response.write(buf, 0, n);
                }
            }
            catch (final SocketTimeoutException ex)
            {
                throw new AssertionError("no answer and no close within 10 s to: " +
                    request.substring(0, Math.min(60, request.length())), ex);
            }
            catch (final IOException reset)
            {
                // connection reset by the server: what arrived before is the answer
            }
            return response.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
